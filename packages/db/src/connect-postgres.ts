import postgres, { type Sql } from "postgres";

/**
 * How the URL's server pools connections. `session`: a direct connection (or PgBouncer in
 * session mode), where a client owns its server connection. `transaction`: PgBouncer in
 * transaction mode, where consecutive statements may run on different server connections.
 */
export type PoolMode = "session" | "transaction";

export interface ConnectOptions {
  /** Connections in the pool. */
  max: number;
  applicationName: string;
  poolMode?: PoolMode;
  connectTimeoutSeconds?: number;
  idleTimeoutSeconds?: number;
  /** Recycle connections after this long so a failover or DNS change is picked up. */
  maxLifetimeSeconds?: number;
  /** Server-side `statement_timeout` sent at connect (session mode only); 0 disables it. */
  statementTimeoutMs?: number;
  /** postgres.js `fetch_types` (see DbClientOptions). */
  fetchTypes?: boolean;
}

/**
 * Every orderhook process opens Postgres here, so the pool mode's rules hold everywhere.
 * In transaction mode a named prepared statement would be looked up on a server connection
 * that never saw it, and PgBouncer refuses startup parameters it does not track (such as
 * `statement_timeout`): the client prepares nothing and sends only `application_name`, and
 * the statement timeout comes from the database's default (`setDatabaseStatementTimeout`).
 */
export function connectPostgres(url: string, options: ConnectOptions): Sql {
  const transaction = options.poolMode === "transaction";
  return postgres(url, {
    max: options.max,
    connect_timeout: options.connectTimeoutSeconds ?? 10,
    idle_timeout: options.idleTimeoutSeconds ?? 60,
    max_lifetime: options.maxLifetimeSeconds ?? 30 * 60,
    onnotice: () => {},
    fetch_types: options.fetchTypes ?? true,
    prepare: !transaction,
    connection: transaction
      ? { application_name: options.applicationName }
      : {
          application_name: options.applicationName,
          ...(options.statementTimeoutMs === undefined
            ? {}
            : { statement_timeout: options.statementTimeoutMs }),
        },
  });
}
