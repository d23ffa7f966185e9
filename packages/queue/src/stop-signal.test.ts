import { describe, expect, it } from "vitest";
import { createStopSignal } from "./stop-signal";

const timers = () => process.getActiveResourcesInfo().filter((resource) => resource === "Timeout").length;

describe("createStopSignal", () => {
  it("ends every sleep at once when stopped", async () => {
    const stop = createStopSignal();
    const sleeping = Promise.all([stop.sleep(60_000), stop.sleep(60_000)]);
    stop.stop();
    await sleeping;
    expect(stop.stopped).toBe(true);
    await stop.sleep(60_000);
  });

  it("ends a sleep whose own signal aborts, and leaves no timer behind", async () => {
    const stop = createStopSignal();
    const before = timers();
    const cancels = Array.from({ length: 5 }, () => new AbortController());
    const sleeping = Promise.all(cancels.map((cancel) => stop.sleep(60_000, cancel.signal)));
    expect(timers()).toBe(before + 5);
    for (const cancel of cancels) cancel.abort();
    await sleeping;
    expect(timers()).toBe(before);
    expect(stop.stopped).toBe(false);
  });
});
