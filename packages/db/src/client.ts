import { drizzle, type PostgresJsDatabase } from "drizzle-orm/postgres-js";
import type { Sql } from "postgres";
import { connectPostgres, type PoolMode } from "./connect-postgres";
import * as schema from "./schema";

export interface DbClientOptions {
  url: string;
  /** Connections in the pool. */
  max: number;
  applicationName: string;
  /** `transaction` behind PgBouncer in transaction mode (DATABASE_POOL_MODE); `session` by default. */
  poolMode?: PoolMode;
  connectTimeoutSeconds?: number;
  idleTimeoutSeconds?: number;
  /** Server-side `statement_timeout`; 0 disables it. In transaction mode the database's default applies. */
  statementTimeoutMs?: number;
  /** Recycle connections after this long so a failover or DNS change is picked up. */
  maxLifetimeSeconds?: number;
  /**
   * Look up array types on each new connection (postgres.js `fetch_types`, default true). A
   * connection killed during that lookup rejects a promise nobody holds (porsager/postgres
   * #1192, #1223), which ends the process; a client that passes no JS arrays turns it off.
   */
  fetchTypes?: boolean;
}

export type Database = PostgresJsDatabase<typeof schema>;

export interface DbClient {
  db: Database;
  sql: Sql;
  close(timeoutSeconds?: number): Promise<void>;
}

/** A pooled postgres.js client wrapped by Drizzle. */
export function createDbClient(options: DbClientOptions): DbClient {
  const sql = connectPostgres(options.url, {
    ...options,
    statementTimeoutMs: options.statementTimeoutMs ?? 10_000,
  });
  const db = drizzle(sql, { schema });
  return {
    db,
    sql,
    close: (timeoutSeconds = 5) => sql.end({ timeout: timeoutSeconds }),
  };
}
