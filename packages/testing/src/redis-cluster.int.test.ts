import { Cluster } from "ioredis";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { RedisCluster } from "./redis-cluster";

describe("RedisCluster", () => {
  let cluster: RedisCluster;
  beforeAll(async () => {
    cluster = await RedisCluster.start({ masters: 3, replicasPerMaster: 1 });
  }, 90_000);
  afterAll(async () => {
    await cluster?.cleanup();
  });

  it("forms three masters with a replica each, serving every slot", async () => {
    const nodes = await cluster.nodes();
    const masters = await cluster.masters();
    expect(masters).toHaveLength(3);
    for (const master of masters) {
      expect(nodes.filter((n) => n.masterId === master.id)).toHaveLength(1);
    }
  });

  it("promotes a killed master's replica, which still holds the keys it had replicated", async () => {
    const client = new Cluster(cluster.startupNodes, { redisOptions: { maxRetriesPerRequest: 3 } });
    client.on("error", () => {});
    try {
      await client.set("{harness}:kept", "yes");
      const slot = Number(await client.call("CLUSTER", "KEYSLOT", "{harness}:kept"));
      const [host, port] = client.slots[slot]![0]!.split(":");
      const node = client.nodes("master").find((n) => n.options.port === Number(port))!;
      expect(node.options.host).toBe(host);
      // WAIT makes sure the replica has it before its master dies.
      expect(await node.wait(1, 5_000)).toBe(1);
      const holder = (await cluster.masters()).findIndex((master) => master.port === Number(port));
      const { killed, promoted } = await cluster.killMaster(holder);
      expect(promoted).not.toBe(killed);
      expect(await client.get("{harness}:kept")).toBe("yes");
    } finally {
      client.disconnect();
    }
  }, 60_000);
});
