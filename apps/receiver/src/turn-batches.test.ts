import { describe, expect, it } from "vitest";
import { createTurnBatches } from "./turn-batches";

const turn = () => new Promise((resolve) => setImmediate(resolve));

describe("createTurnBatches", () => {
  it("hands a turn's items over in the check phase, one batch per group, in the order they came", async () => {
    const runs: [number, string[]][] = [];
    const batches = createTurnBatches<string, string>(
      async (group, items) => {
        runs.push([group, [...items]]);
        return items.map((item) => item.toUpperCase());
      },
      { maxBatch: 10 },
    );
    const results = [batches.add(0, "a"), batches.add(1, "b"), batches.add(0, "c")];
    expect(runs).toEqual([]);
    await turn();
    expect(runs).toEqual([
      [0, ["a", "c"]],
      [1, ["b"]],
    ]);
    expect(await Promise.all(results)).toEqual(["A", "B", "C"]);
    const next = batches.add(0, "d");
    await turn();
    expect(runs.at(-1)).toEqual([0, ["d"]]);
    expect(await next).toBe("D");
  });

  it("sends a full batch at once, and starts the next with the following item", async () => {
    const runs: string[][] = [];
    const batches = createTurnBatches<string, string>(
      async (_, items) => {
        runs.push([...items]);
        return [...items];
      },
      { maxBatch: 2 },
    );
    const results = ["a", "b", "c", "d", "e"].map((item) => batches.add(0, item));
    expect(runs).toEqual([
      ["a", "b"],
      ["c", "d"],
    ]);
    await turn();
    expect(runs).toEqual([["a", "b"], ["c", "d"], ["e"]]);
    expect(await Promise.all(results)).toEqual(["a", "b", "c", "d", "e"]);
  });

  it("rejects only the item whose result is an Error, and every item of a batch that failed", async () => {
    const batches = createTurnBatches<string, string>(
      async (group, items) => {
        if (group === 1) throw new Error("connection lost");
        return items.map((item) => (item === "bad" ? new Error("bad item") : item));
      },
      { maxBatch: 10 },
    );
    const settled = await Promise.allSettled([
      batches.add(0, "a"),
      batches.add(0, "bad"),
      batches.add(0, "c"),
      batches.add(1, "x"),
      batches.add(1, "y"),
    ]);
    expect(settled.map((s) => (s.status === "fulfilled" ? s.value : (s.reason as Error).message))).toEqual([
      "a",
      "bad item",
      "c",
      "connection lost",
      "connection lost",
    ]);
  });

  it("rejects every item when a batch's results do not match its items, and when sending throws", async () => {
    const short = createTurnBatches<string, string>(async () => ["only one"], { maxBatch: 10 });
    const settled = await Promise.allSettled([short.add(0, "a"), short.add(0, "b")]);
    expect(settled.every((s) => s.status === "rejected")).toBe(true);

    const throwing = createTurnBatches<string, string>(
      () => {
        throw new Error("not sent");
      },
      { maxBatch: 10 },
    );
    await expect(throwing.add(0, "a")).rejects.toThrow("not sent");
  });

  it("sends a turn's batches inside `together`, and a lone batch as itself", async () => {
    const events: string[] = [];
    const batches = createTurnBatches<string, string>(
      async (group, items) => {
        events.push(`send ${group}`);
        return [...items];
      },
      {
        maxBatch: 10,
        together: (sendAll) => {
          events.push("cork");
          sendAll();
          events.push("uncork");
        },
      },
    );
    await Promise.all([batches.add(0, "a"), batches.add(1, "b")]);
    expect(events).toEqual(["cork", "send 0", "send 1", "uncork"]);
    await batches.add(0, "c");
    expect(events.slice(4)).toEqual(["send 0"]);
  });
});
