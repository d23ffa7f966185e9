import type { Sql } from "postgres";

export interface PostgresBackends {
  /** The pids found by the last `refresh()`: a CPU source (see process-cpu.ts). */
  pids(): number[];
  refresh(): Promise<void>;
}

/**
 * Postgres's CPU for one database on a shared server: the backends connected to it (but the
 * bench's own, `orderhook-bench`, which only polls) and the server's background processes (WAL
 * writer, checkpointer, background writer), which do the commits' shared work. Other
 * databases' backends, which the whole-server reading would count, are left out. Refresh before
 * a window opens and before it is read, so backends opened in between count from zero.
 */
export function postgresBackends(sql: Sql, database: string): PostgresBackends {
  let found: number[] = [];
  return {
    pids: () => found,
    async refresh() {
      const rows = await sql<{ pid: number }[]>`
        select pid from pg_stat_activity
        where (datname = ${database} and application_name <> 'orderhook-bench' and pid <> pg_backend_pid())
           or backend_type in ('walwriter', 'checkpointer', 'background writer')`;
      found = [...new Set([...found, ...rows.map((r) => r.pid)])];
    },
  };
}
