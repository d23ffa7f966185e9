import { orders } from "@orderhook/db";
import { getTableColumns } from "drizzle-orm";

type Columns = (typeof orders)["_"]["columns"];
type ColumnName<K extends keyof Columns> = Columns[K]["_"]["name"];

/** Set by the INSERT itself (`now()`), never carried by a record. */
const SET_BY_INSERT = { processed_at: "now()" } as const;

/** Keys of the orders columns a record carries: every column without a database default but those above. */
type RecordKey = {
  [K in keyof Columns]: Columns[K]["_"]["hasDefault"] extends true
    ? never
    : ColumnName<K> extends keyof typeof SET_BY_INSERT
      ? never
      : K;
}[keyof Columns];

type RecordValue<C extends Columns[keyof Columns]> =
  | (C["_"]["data"] extends Date ? number : C["_"]["data"])
  | (C["_"]["notNull"] extends true ? never : null);

/**
 * One orders row as the batch INSERT reads it (`json_to_recordset`), derived from the Drizzle
 * table: keyed by column name (snake_case), every column without a database default but
 * `processed_at`; times are epoch milliseconds; decimals are the exact text the `numeric`
 * columns get. A column added to the schema appears here, so nothing that builds rows
 * compiles until it sets it.
 */
export type OrderRow = { -readonly [K in RecordKey as ColumnName<K>]: RecordValue<Columns[K]> };

interface RecordColumn {
  name: string;
  /** Its type in the `json_to_recordset` record. */
  recordType: string;
  /** What the INSERT's SELECT takes for the column. */
  value: string;
}

function recordColumns(): { record: RecordColumn[]; setByInsert: [string, string][]; all: string[] } {
  const record: RecordColumn[] = [];
  const setByInsert: [string, string][] = [];
  const all: string[] = [];
  for (const column of Object.values(getTableColumns(orders))) {
    all.push(column.name);
    const expression = (SET_BY_INSERT as Record<string, string>)[column.name];
    if (expression !== undefined) setByInsert.push([column.name, expression]);
    else if (column.hasDefault) continue;
    else if (column.dataType === "date") {
      // Epoch milliseconds in the JSON: cheaper to encode than ISO text, exact to the millisecond.
      record.push({
        name: column.name,
        recordType: "bigint",
        value: `to_timestamp(${column.name} / 1000.0)`,
      });
    } else {
      record.push({ name: column.name, recordType: column.getSQLType(), value: column.name });
    }
  }
  return { record, setByInsert, all };
}

const { record, setByInsert, all } = recordColumns();

/** The record's column definition list for `json_to_recordset(…) as x(…)`. */
export const ORDER_RECORD = `x(${record.map((c) => `${c.name} ${c.recordType}`).join(", ")})`;

/** The batch INSERT's column list, in the table's order… */
export const ORDER_INSERT_COLUMNS = [...record.map((c) => c.name), ...setByInsert.map(([name]) => name)].join(
  ", ",
);
/** …and what its SELECT takes for each, from the record `x`. */
export const ORDER_INSERT_VALUES = [
  ...record.map((c) => c.value),
  ...setByInsert.map(([, value]) => value),
].join(", ");

/** Every column of the orders table, for the start-up check. */
export const ORDER_TABLE_COLUMNS: readonly string[] = all;
