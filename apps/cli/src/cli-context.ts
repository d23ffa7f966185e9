import { connectRedis } from "@orderhook/admin";
import { type CliEnv, cliEnvSchema, parseEnv } from "@orderhook/config";
import { createDbClient, type Database, type DbClient } from "@orderhook/db";
import {
  createOrderQueue,
  type OrderQueue,
  type QueueShards,
  queueShards,
  type RedisClient,
} from "@orderhook/queue";
import type { Writer } from "./output";

export interface CliIo {
  env: Record<string, string | undefined>;
  stdout: Writer;
  stderr: Writer;
  /**
   * Ends a command that runs until stopped (`webhook log --follow`). Absent: SIGINT or SIGTERM of
   * this process, listened for only while such a command runs.
   */
  interrupt?: AbortSignal;
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
  private interrupted: AbortSignal | undefined;
  private stopListening: (() => void) | undefined;

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

  /** The queue shards (old ones included while QUEUE_SHARDS changes): their prefixes, a user's shard. */
  get shards(): QueueShards {
    const env = this.env;
    return queueShards(env.QUEUE_PREFIX, env.QUEUE_SHARDS, env.QUEUE_SHARDS_PREVIOUS);
  }

  /** The order queue of every shard, in shard order. */
  async queues(): Promise<OrderQueue[]> {
    if (!this.orderQueues) {
      const redis = await this.redisConnection();
      this.orderQueues = this.shards.prefixes.map((prefix) => createOrderQueue(redis, prefix));
    }
    return this.orderQueues;
  }

  /** The command's Redis connection (the queue's too). */
  async redisConnection(): Promise<RedisClient> {
    this.redis ??= await connectRedis(this.env);
    return this.redis;
  }

  /** Aborted on Ctrl-C (SIGINT) or SIGTERM, for a command that runs until stopped. */
  interruption(): AbortSignal {
    if (this.io.interrupt) return this.io.interrupt;
    if (!this.interrupted) {
      const controller = new AbortController();
      const stop = () => controller.abort();
      process.once("SIGINT", stop);
      process.once("SIGTERM", stop);
      this.stopListening = () => {
        process.off("SIGINT", stop);
        process.off("SIGTERM", stop);
      };
      this.interrupted = controller.signal;
    }
    return this.interrupted;
  }

  /** Prints `value` as JSON with `--json`, else the human rendering. */
  print(value: unknown, human: () => string): void {
    this.io.stdout.write(`${this.json ? JSON.stringify(value, null, 2) : human()}\n`);
  }

  /** One line as it comes (a followed stream): compact JSON with `--json`, else the human line. */
  printLine(value: unknown, human: () => string): void {
    this.io.stdout.write(`${this.json ? JSON.stringify(value) : human()}\n`);
  }

  warn(message: string): void {
    this.io.stderr.write(`orderhook: warning: ${message}\n`);
  }

  /** Closes whatever was opened; a connection that already broke must not change the exit code. */
  async close(): Promise<void> {
    this.stopListening?.();
    await Promise.all((this.orderQueues ?? []).map((queue) => queue.close().catch(() => {})));
    this.redis?.disconnect();
    await this.dbClient?.close().catch(() => {});
  }
}
