import { execFile } from "node:child_process";
import { createServer } from "node:net";
import { promisify } from "node:util";
import { Redis } from "ioredis";
import { RedisServer } from "./redis-server";

const run = promisify(execFile);

export interface RedisClusterOptions {
  masters?: number;
  replicasPerMaster?: number;
  /** `cluster-node-timeout`: how long a master may be silent before its replica takes over. */
  nodeTimeoutMs?: number;
  /** How long to wait for `cluster_state:ok` (after creation and after a failover). */
  readyTimeoutMs?: number;
}

/** A node as CLUSTER NODES describes it. */
export interface ClusterNodeInfo {
  id: string;
  port: number;
  role: "master" | "replica";
  /** For a replica: its master's id. */
  masterId: string | null;
  /** For a master: the first slot it serves (masters are ordered by it). */
  firstSlot: number | null;
}

async function portIsFree(port: number): Promise<boolean> {
  const server = createServer();
  return new Promise((resolve) => {
    server.once("error", () => resolve(false));
    server.listen(port, "127.0.0.1", () => server.close(() => resolve(true)));
  });
}

/** A free port whose cluster bus port (+10000) is free too. */
async function freeClusterPort(taken: Set<number>): Promise<number> {
  for (let attempt = 0; attempt < 200; attempt++) {
    const port = 20_000 + Math.floor(Math.random() * 30_000);
    if (taken.has(port) || taken.has(port + 10_000)) continue;
    if ((await portIsFree(port)) && (await portIsFree(port + 10_000))) {
      taken.add(port);
      taken.add(port + 10_000);
      return port;
    }
  }
  throw new Error("no free port pair for a cluster node");
}

async function withNode<T>(port: number, use: (redis: Redis) => Promise<T>): Promise<T> {
  const redis = new Redis(port, "127.0.0.1", {
    lazyConnect: true,
    enableOfflineQueue: false,
    maxRetriesPerRequest: 0,
    retryStrategy: () => null,
    connectTimeout: 1_000,
  });
  redis.on("error", () => {});
  try {
    await redis.connect();
    return await use(redis);
  } finally {
    redis.disconnect();
  }
}

function parseNodes(text: string): ClusterNodeInfo[] {
  return text
    .trim()
    .split("\n")
    .map((line) => {
      const [id, address, flags, master, , , , , ...slots] = line.split(" ");
      const port = Number(address!.split("@")[0]!.split(":").at(-1));
      const role: ClusterNodeInfo["role"] = flags!.includes("master") ? "master" : "replica";
      const first = slots.find((slot) => /^\d/.test(slot));
      return {
        id: id!,
        port,
        role,
        masterId: role === "replica" && master !== "-" ? master! : null,
        firstSlot: first === undefined ? null : Number(first.split("-")[0]),
        failed: flags!.includes("fail"),
      };
    })
    .filter((node) => !node.failed)
    .map(({ failed: _, ...node }) => node);
}

/**
 * A throwaway Redis Cluster on loopback for one test file: `masters` masters with
 * `replicasPerMaster` replicas each (`redis-server --cluster-enabled yes`, then `redis-cli
 * --cluster create`), on free ports with temporary directories. `killMaster(i)` kills a master
 * with SIGKILL and waits until its replica has taken over; `cleanup()` stops every node.
 */
export class RedisCluster {
  private constructor(
    readonly servers: RedisServer[],
    private readonly readyTimeoutMs: number,
  ) {}

  static async start(options: RedisClusterOptions = {}): Promise<RedisCluster> {
    const masters = options.masters ?? 3;
    const replicas = options.replicasPerMaster ?? 1;
    const taken = new Set<number>();
    const ports: number[] = [];
    for (let i = 0; i < masters * (1 + replicas); i++) ports.push(await freeClusterPort(taken));
    const servers = await Promise.all(
      ports.map((port) =>
        RedisServer.start({
          port,
          appendonly: false,
          args: [
            "--cluster-enabled",
            "yes",
            "--cluster-config-file",
            "nodes.conf",
            "--cluster-node-timeout",
            String(options.nodeTimeoutMs ?? 1_000),
            // A replica may take over however long it was cut off: tests kill masters on purpose.
            "--cluster-replica-validity-factor",
            "0",
          ],
        }),
      ),
    );
    const cluster = new RedisCluster(servers, options.readyTimeoutMs ?? 30_000);
    try {
      await run(
        "redis-cli",
        [
          "--cluster",
          "create",
          ...ports.map((port) => `127.0.0.1:${port}`),
          "--cluster-replicas",
          String(replicas),
          "--cluster-yes",
        ],
        { timeout: 60_000 },
      );
      await cluster.waitUntilHealthy(masters, masters * replicas);
    } catch (error) {
      await cluster.cleanup();
      throw error;
    }
    return cluster;
  }

  /** `host:port,…` of every live node, as REDIS_CLUSTER_NODES takes it. */
  get nodesText(): string {
    return this.servers
      .filter((server) => server.running)
      .map((server) => `127.0.0.1:${server.port}`)
      .join(",");
  }

  /** The live nodes, for ioredis's `Cluster`. */
  get startupNodes(): { host: string; port: number }[] {
    return this.servers.filter((s) => s.running).map((server) => ({ host: "127.0.0.1", port: server.port }));
  }

  /** CLUSTER NODES as a live node sees it (failed nodes left out). */
  async nodes(): Promise<ClusterNodeInfo[]> {
    const server = this.servers.find((s) => s.running);
    if (server === undefined) throw new Error("no cluster node is running");
    return withNode(server.port, async (redis) => parseNodes(String(await redis.call("CLUSTER", "NODES"))));
  }

  /** The masters serving slots, ordered by their first slot. */
  async masters(): Promise<ClusterNodeInfo[]> {
    return (await this.nodes())
      .filter((node) => node.role === "master" && node.firstSlot !== null)
      .sort((a, b) => a.firstSlot! - b.firstSlot!);
  }

  /** Keys stored on each master (DBSIZE), in `masters()` order. */
  async keysPerMaster(): Promise<number[]> {
    const masters = await this.masters();
    return Promise.all(masters.map((m) => withNode(m.port, (redis) => redis.dbsize())));
  }

  /**
   * Kills master `index` (in `masters()` order) with SIGKILL — no shutdown, nothing more
   * replicated — and waits until one of its replicas serves its slots and the cluster is ok.
   * Returns the port of the master that died and of the replica now serving.
   */
  async killMaster(index: number): Promise<{ killed: number; promoted: number }> {
    const masters = await this.masters();
    const victim = masters[index];
    if (victim === undefined) throw new Error(`no master ${index}`);
    const replicaPorts = (await this.nodes()).filter((n) => n.masterId === victim.id).map((n) => n.port);
    const server = this.servers.find((s) => s.port === victim.port)!;
    await server.kill("SIGKILL");
    const deadline = Date.now() + this.readyTimeoutMs;
    for (;;) {
      try {
        const now = await this.masters();
        const promoted = now.find((m) => replicaPorts.includes(m.port) && m.firstSlot === victim.firstSlot);
        if (promoted !== undefined && (await this.stateOk()))
          return { killed: victim.port, promoted: promoted.port };
      } catch {
        // A node may refuse while the cluster reconfigures; look again.
      }
      if (Date.now() > deadline) throw new Error(`no replica of port ${victim.port} took over in time`);
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }

  /**
   * Starts a killed node again on its port and data directory: it rejoins the cluster (from its
   * nodes.conf) as a replica of whichever node took over its slots. Resolves once it replicates.
   */
  async restartNode(port: number): Promise<void> {
    const server = this.servers.find((s) => s.port === port);
    if (server === undefined) throw new Error(`no node on port ${port}`);
    await server.restart();
    const deadline = Date.now() + this.readyTimeoutMs;
    for (;;) {
      const info = await withNode(port, (redis) => redis.info("replication")).catch(() => "");
      if (info.includes("role:slave") && info.includes("master_link_status:up")) return;
      if (Date.now() > deadline) throw new Error(`node ${port} did not rejoin as a replica in time`);
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }

  async cleanup(): Promise<void> {
    await Promise.all(this.servers.map((server) => server.cleanup()));
  }

  private async stateOk(): Promise<boolean> {
    const live = this.servers.filter((s) => s.running);
    const states = await Promise.all(
      live.map((s) => withNode(s.port, async (redis) => String(await redis.call("CLUSTER", "INFO")))),
    );
    return states.every((info) => info.includes("cluster_state:ok"));
  }

  /** Every node says ok, knows every other, and every replica's link to its master is up. */
  private async waitUntilHealthy(masters: number, replicas: number): Promise<void> {
    const deadline = Date.now() + this.readyTimeoutMs;
    for (;;) {
      try {
        const nodes = await this.nodes();
        const ready =
          (await this.stateOk()) &&
          (await this.masters()).length === masters &&
          nodes.filter((n) => n.role === "replica").length === replicas &&
          (
            await Promise.all(
              nodes
                .filter((n) => n.role === "replica")
                .map((n) => withNode(n.port, (redis) => redis.info("replication"))),
            )
          ).every((info) => info.includes("master_link_status:up"));
        if (ready) return;
      } catch {
        // Not formed yet.
      }
      if (Date.now() > deadline) throw new Error("Redis Cluster did not become healthy in time");
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }
}
