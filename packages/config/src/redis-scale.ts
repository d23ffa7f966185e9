import { z } from "zod";
import { booleanString, integer, optionalSecret } from "./fields";

/** A hash tag: the part of a key Redis Cluster hashes, so keys that share it share a slot. */
export const HASH_TAG = /\{[^{}]+\}/;

export interface ClusterNode {
  host: string;
  port: number;
}

/** `host:port,host:port`; IPv6 hosts in brackets (`[::1]:7000`). */
const clusterNodes = z
  .string()
  .trim()
  .optional()
  .transform((value, ctx): ClusterNode[] | undefined => {
    if (value === undefined || value === "") return undefined;
    const nodes: ClusterNode[] = [];
    for (const entry of value.split(",")) {
      const match = /^(?:\[([0-9A-Fa-f:.]+)\]|([A-Za-z0-9_.-]+)):(\d{1,5})$/.exec(entry.trim());
      const port = Number(match?.[3]);
      if (match === null || port < 1 || port > 65535) {
        ctx.addIssue({ code: "custom", message: "expected host:port,host:port,… (IPv6 as [addr]:port)" });
        return z.NEVER;
      }
      nodes.push({ host: match[1] ?? match[2]!, port });
    }
    return nodes;
  })
  .meta({ accepts: "`host:port` list, comma-separated (IPv6: `[addr]:port`)" });

/** How every process reaches Redis: one node (`REDIS_URL`) or a cluster, and how keys are sharded. */
export const redisScaleFields = {
  REDIS_CLUSTER_NODES: clusterNodes.describe(
    "Redis Cluster mode: some of the cluster's nodes (the rest are discovered); when set it replaces " +
      "`REDIS_URL`. `QUEUE_PREFIX` must then contain a hash tag, e.g. `{orderhook}` " +
      "(see docs/redis-cluster.md).",
  ),
  REDIS_PASSWORD: optionalSecret.describe(
    "Password of the cluster's nodes (`AUTH`); with `REDIS_URL`, used when the URL carries none.",
  ),
  REDIS_TLS: booleanString
    .default(false)
    .describe("Talk TLS to the cluster's nodes (with `REDIS_URL`, a `rediss://` URL does the same)."),
  QUEUE_SHARDS: integer(1, { min: 1, max: 256 }).describe(
    "Order queues, each under its own hash-tagged prefix so cluster masters share the work; a user " +
      "always maps to the same one. 1 keeps the single-queue key names. Change it only as " +
      "docs/redis-cluster.md says.",
  ),
  QUEUE_SHARDS_PREVIOUS: integer(0, { min: 0, max: 256 }).describe(
    "While `QUEUE_SHARDS` changes: the count before (0: no change under way). Receivers then also " +
      "find idempotency keys a user's old shard holds, and workers consume the old shards too.",
  ),
};

interface RedisScaleEnv {
  QUEUE_PREFIX: string;
  REDIS_CLUSTER_NODES?: ClusterNode[] | undefined;
}

/** Cross-field checks every process shares: on a cluster, one admission's keys must share a slot. */
export function checkRedisScale(env: RedisScaleEnv, ctx: z.RefinementCtx): void {
  if (env.REDIS_CLUSTER_NODES !== undefined && !HASH_TAG.test(env.QUEUE_PREFIX)) {
    ctx.addIssue({
      code: "custom",
      path: ["QUEUE_PREFIX"],
      message: "must contain a hash tag such as {orderhook} when REDIS_CLUSTER_NODES is set",
    });
  }
}

/** WORKER_SHARDS: `0,2` — which shards this worker consumes (unset: all). */
export const workerShards = z
  .string()
  .trim()
  .optional()
  .transform((value, ctx): number[] | undefined => {
    if (value === undefined || value === "") return undefined;
    const shards = value.split(",").map((part) => part.trim());
    if (!shards.every((part) => /^\d{1,3}$/.test(part))) {
      ctx.addIssue({ code: "custom", message: "expected shard numbers, comma-separated (e.g. 0,2)" });
      return z.NEVER;
    }
    return [...new Set(shards.map(Number))].sort((a, b) => a - b);
  })
  .meta({ accepts: "shard numbers, comma-separated (`0,2`)" });
