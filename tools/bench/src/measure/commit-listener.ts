import type { Sql } from "postgres";
import { monotonicMs } from "../load/tick-source";
import { wallClockOf } from "../load/wall-clock";

const CHANNEL = "ohbench_orders_committed";

/**
 * Installs, in the bench's OWN database, a statement trigger that NOTIFYs the ids of every
 * inserted orders row. Postgres delivers a NOTIFY only when its transaction commits, so the
 * moment it arrives is when the row became visible: the true end of ack → committed row.
 * (created_at and processed_at are both now(), the transaction's start, before the commit.)
 */
export async function installCommitNotify(sql: Sql): Promise<void> {
  await sql.unsafe(`
    create or replace function ohbench_notify_orders() returns trigger language plpgsql as $$
    declare chunk text;
    begin
      -- 150 uuids per payload stay under NOTIFY's 8,000-byte limit.
      for chunk in
        select string_agg(id::text, ',') from (select id, (row_number() over ()) / 150 as g from new_rows) t group by g
      loop
        perform pg_notify('${CHANNEL}', chunk);
      end loop;
      return null;
    end $$;
    drop trigger if exists ohbench_orders_committed on orders;
    create trigger ohbench_orders_committed after insert on orders
      referencing new table as new_rows for each statement execute function ohbench_notify_orders();`);
}

/** Removes the trigger again, so later phases (the worker drain) pay nothing for it. */
export async function removeCommitNotify(sql: Sql): Promise<void> {
  await sql.unsafe("drop trigger if exists ohbench_orders_committed on orders");
}

export interface CommitListener {
  /** orders.id → when its commit was announced (epoch ms, this machine's clock). */
  committedAt: Map<string, number>;
  stop(): Promise<void>;
}

export async function listenForCommits(sql: Sql): Promise<CommitListener> {
  const committedAt = new Map<string, number>();
  const { unlisten } = await sql.listen(CHANNEL, (payload) => {
    const at = wallClockOf(monotonicMs());
    for (const id of payload.split(",")) committedAt.set(id, at);
  });
  return { committedAt, stop: unlisten };
}
