import { describe, expect, it } from "vitest";
import type { CommitListener } from "./commit-listener";
import { waitForCommits } from "./wait-for-commits";

const listener = (entries: [string, number][] = []): CommitListener => ({
  committedAt: new Map(entries),
  stop: async () => {},
});

describe("waitForCommits", () => {
  it("waits for its own orders' commits, not for any as many, and returns when the last was announced", async () => {
    const commits = listener([["earlier", 1]]);
    const waiting = waitForCommits(commits, ["a", "b"], 1, { timeoutMs: 5_000, stallMs: 5_000 });
    commits.committedAt.set("stray", 5);
    commits.committedAt.set("a", 10);
    await new Promise((resolve) => setTimeout(resolve, 30));
    commits.committedAt.set("b", 20);
    expect(await waiting).toEqual({ lastCommitAtMs: 20, missing: 0 });
  });

  it("gives up when no commit arrives for the stall time, saying how many were never announced", async () => {
    const commits = listener([["a", 10]]);
    expect(await waitForCommits(commits, ["a", "b", "c"], 0, { timeoutMs: 5_000, stallMs: 50 })).toEqual({
      lastCommitAtMs: null,
      missing: 2,
    });
  });
});
