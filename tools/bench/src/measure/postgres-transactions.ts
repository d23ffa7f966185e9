import postgres from "postgres";

/**
 * Reads pg_stat_database's transaction count (commits + rollbacks) of one database, from a
 * session on the server's `postgres` database so the readings add nothing to it. Backends report
 * to pg_stat_database when they go idle (at most once a second) or exit, so take a reading a
 * moment after the load stops.
 */
export function postgresTransactions(databaseUrl: string) {
  const name = decodeURIComponent(new URL(databaseUrl).pathname.slice(1));
  const admin = new URL(databaseUrl);
  admin.pathname = "/postgres";
  const sql = postgres(admin.toString(), { max: 1, onnotice: () => {} });
  return {
    async count(): Promise<number> {
      const [row] = await sql<{ n: string }[]>`
        select xact_commit + xact_rollback as n from pg_stat_database where datname = ${name}`;
      return Number(row?.n ?? 0);
    },
    close: () => sql.end({ timeout: 5 }),
  };
}
