import { describe, expect, it } from "vitest";
import { ConfigError, cliEnvSchema, parseEnv, receiverEnvSchema, workerEnvSchema } from "./index";

function issues(run: () => unknown): Record<string, string> {
  try {
    run();
  } catch (error) {
    if (error instanceof ConfigError) {
      return Object.fromEntries(error.issues.map((issue) => [issue.variable, issue.message]));
    }
    throw error;
  }
  return {};
}

describe("Redis Cluster and queue shard settings", () => {
  it("keeps one node, one shard and no WAIT when nothing is set", () => {
    const env = parseEnv(receiverEnvSchema, {});
    expect(env.REDIS_CLUSTER_NODES).toBeUndefined();
    expect(env.QUEUE_SHARDS).toBe(1);
    expect(env.QUEUE_SHARDS_PREVIOUS).toBe(0);
    expect(env.REDIS_WAIT_REPLICAS).toBe(0);
    expect(env.REDIS_TLS).toBe(false);
    expect(parseEnv(workerEnvSchema, {}).WORKER_SHARDS).toBeUndefined();
  });

  it("reads cluster nodes, IPv6 ones in brackets, with a hash-tagged prefix", () => {
    const env = parseEnv(workerEnvSchema, {
      REDIS_CLUSTER_NODES: "redis-1:7000, 10.0.0.2:7001,[::1]:7002",
      QUEUE_PREFIX: "{orderhook}",
      QUEUE_SHARDS: "3",
      WORKER_SHARDS: "2,0",
      REDIS_TLS: "true",
    });
    expect(env.REDIS_CLUSTER_NODES).toEqual([
      { host: "redis-1", port: 7000 },
      { host: "10.0.0.2", port: 7001 },
      { host: "::1", port: 7002 },
    ]);
    expect(env.WORKER_SHARDS).toEqual([0, 2]);
    expect(env.REDIS_TLS).toBe(true);
  });

  it("refuses a cluster whose prefix has no hash tag, and malformed nodes, naming each variable", () => {
    expect(issues(() => parseEnv(cliEnvSchema, { REDIS_CLUSTER_NODES: "127.0.0.1:7000" }))).toEqual({
      QUEUE_PREFIX: "must contain a hash tag such as {orderhook} when REDIS_CLUSTER_NODES is set",
    });
    expect(Object.keys(issues(() => parseEnv(cliEnvSchema, { REDIS_CLUSTER_NODES: "localhost" })))).toEqual([
      "REDIS_CLUSTER_NODES",
    ]);
    expect(Object.keys(issues(() => parseEnv(cliEnvSchema, { QUEUE_PREFIX: "a{b}{c}" })))).toEqual([
      "QUEUE_PREFIX",
    ]);
  });

  it("refuses worker shards beyond QUEUE_SHARDS and a WAIT timeout past REDIS_TIMEOUT_MS", () => {
    expect(
      Object.keys(issues(() => parseEnv(workerEnvSchema, { QUEUE_SHARDS: "2", WORKER_SHARDS: "2" }))),
    ).toEqual(["WORKER_SHARDS"]);
    expect(
      parseEnv(workerEnvSchema, { QUEUE_SHARDS: "2", QUEUE_SHARDS_PREVIOUS: "3", WORKER_SHARDS: "2" })
        .WORKER_SHARDS,
    ).toEqual([2]);
    expect(
      Object.keys(
        issues(() =>
          parseEnv(receiverEnvSchema, {
            REDIS_WAIT_REPLICAS: "1",
            REDIS_WAIT_TIMEOUT_MS: "2000",
            REDIS_TIMEOUT_MS: "1000",
          }),
        ),
      ),
    ).toEqual(["REDIS_WAIT_TIMEOUT_MS"]);
  });
});
