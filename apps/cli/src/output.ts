export interface Writer {
  write(text: string): unknown;
}

type Cell = string | number | boolean | Date | null | undefined;

function cell(value: Cell): string {
  if (value === null || value === undefined) return "-";
  if (value instanceof Date) return value.toISOString();
  return String(value);
}

/** `key  value` lines with the values aligned. */
export function formatFields(fields: [label: string, value: Cell][]): string {
  const width = Math.max(...fields.map(([label]) => label.length));
  return fields.map(([label, value]) => `${label.padEnd(width)}  ${cell(value)}`).join("\n");
}

/** A plain-text table; `empty` is printed instead when there are no rows. */
export function formatTable<T>(
  rows: T[],
  columns: [header: string, value: (row: T) => Cell][],
  empty: string,
) {
  if (rows.length === 0) return empty;
  const lines = [
    columns.map(([header]) => header),
    ...rows.map((row) => columns.map(([, get]) => cell(get(row)))),
  ];
  const widths = columns.map((_, i) => Math.max(...lines.map((line) => line[i]!.length)));
  return lines
    .map((line) =>
      line
        .map((text, i) => text.padEnd(widths[i]!))
        .join("  ")
        .trimEnd(),
    )
    .join("\n");
}
