import postgres from "postgres";

/**
 * Kills every connection to `databaseUrl`'s database whose `application_name` is
 * `applicationName`, as a crashed server or a failover would, without disturbing anyone
 * else's (other runs and test files on the same server keep theirs). Returns how many.
 */
export async function terminateBackends(databaseUrl: string, applicationName: string): Promise<number> {
  const sql = postgres(databaseUrl, {
    max: 1,
    onnotice: () => {},
    connection: { application_name: "orderhook-fault-injector" },
  });
  try {
    const rows = await sql<{ terminated: boolean }[]>`
      select pg_terminate_backend(pid) as terminated
      from pg_stat_activity
      where application_name = ${applicationName} and datname = current_database()
        and pid <> pg_backend_pid()`;
    return rows.filter((row) => row.terminated).length;
  } finally {
    await sql.end({ timeout: 5 });
  }
}
