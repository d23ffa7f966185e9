import { connectRedis } from "@orderhook/admin";
import { type CliEnv, cliEnvSchema, parseEnv } from "@orderhook/config";
import { createDbClient, type Database, type DbClient } from "@orderhook/db";
import { createOrderQueue, type OrderQueue, queueShards, type RedisClient } from "@orderhook/queue";
import type { Writer } from "./output";

export interface CliIo {
  env: Record<string, string | undefined>;
  stdout: Writer;
  stderr: Writer;
}

/**
 * What a command may use: configuration, Postgres and the order queue, each opened on first
 * use (so `--help` needs neither a valid environment nor a server) and closed by `close()`.
 */
export class CliContext {
  readonly json: boolean;
  private readonly io: CliIo;
  private parsedEnv: CliEnv | undefined;
  private dbClient: DbClient | undefined;
  private redis: RedisClient | undefined;
  private orderQueues: OrderQueue[] | undefined;

  constructor(io: CliIo, json: boolean) {
    this.io = io;
    this.json = json;
  }

  get env(): CliEnv {
    this.parsedEnv ??= parseEnv(cliEnvSchema, this.io.env);
    return this.parsedEnv;
  }

  get db(): Database {
    const env = this.env;
    this.dbClient ??= createDbClient({
      url: env.DATABASE_URL,
      poolMode: env.DATABASE_POOL_MODE,
      max: env.DB_POOL_MAX,
      applicationName: "orderhook-cli",
      connectTimeoutSeconds: env.DB_CONNECT_TIMEOUT_SECONDS,
      statementTimeoutMs: env.DB_STATEMENT_TIMEOUT_MS,
    });
    return this.dbClient.db;
  }

  /** The order queue of every shard (old ones included while QUEUE_SHARDS changes), in shard order. */
  async queues(): Promise<OrderQueue[]> {
    if (!this.orderQueues) {
      const env = this.env;
      const redis = await connectRedis(env);
      this.redis = redis;
      const { prefixes } = queueShards(env.QUEUE_PREFIX, env.QUEUE_SHARDS, env.QUEUE_SHARDS_PREVIOUS);
      this.orderQueues = prefixes.map((prefix) => createOrderQueue(redis, prefix));
    }
    return this.orderQueues;
  }

  /** Prints `value` as JSON with `--json`, else the human rendering. */
  print(value: unknown, human: () => string): void {
    this.io.stdout.write(`${this.json ? JSON.stringify(value, null, 2) : human()}\n`);
  }

  warn(message: string): void {
    this.io.stderr.write(`orderhook: warning: ${message}\n`);
  }

  /** Closes whatever was opened; a connection that already broke must not change the exit code. */
  async close(): Promise<void> {
    await Promise.all((this.orderQueues ?? []).map((queue) => queue.close().catch(() => {})));
    this.redis?.disconnect();
    await this.dbClient?.close().catch(() => {});
  }
}
