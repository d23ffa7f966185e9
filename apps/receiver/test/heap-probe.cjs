/**
 * Loaded into the process under measure (`node --expose-gc --require heap-probe.cjs …`) by
 * receiver-heap.ts, which asks over the IPC channel: "mark" collects all garbage and remembers the
 * heap's used size and the GC count; "allocated" answers the bytes used since the mark, exact only
 * if no GC ran since, so the GC count comes with it. "sample" starts V8's sampling heap profiler
 * keeping the samples of objects collected since (else a request's garbage is gone from the
 * profile), "sampled" stops it and answers the profile: where the bytes are allocated.
 */
const v8 = require("node:v8");
const { Session } = require("node:inspector");
const { PerformanceObserver } = require("node:perf_hooks");

let collections = 0;
new PerformanceObserver((list) => {
  collections += list.getEntries().length;
}).observe({ entryTypes: ["gc"] });

const session = new Session();
let markUsed = 0;
let markCollections = 0;
const used = () => v8.getHeapStatistics().used_heap_size;

process.on("message", (message) => {
  if (message === "mark") {
    globalThis.gc();
    markUsed = used();
    // The observer hears of collections later: the mark's own is counted before the mark's answer.
    setTimeout(() => {
      markCollections = collections;
      process.send({ bytes: 0, collections: 0 });
    }, 100);
  } else if (message === "allocated") {
    const bytes = used() - markUsed;
    process.send({ bytes, collections: collections - markCollections });
  } else if (message === "sample") {
    session.connect();
    const options = {
      samplingInterval: 128,
      includeObjectsCollectedByMajorGC: true,
      includeObjectsCollectedByMinorGC: true,
    };
    session.post("HeapProfiler.startSampling", options, (error) => process.send({ error: error?.message }));
  } else if (message === "sampled") {
    session.post("HeapProfiler.stopSampling", (error, result) => {
      session.disconnect();
      process.send({ error: error?.message, profile: result?.profile });
    });
  }
});
// The IPC channel must not keep the process alive after SIGTERM's drain.
process.channel?.unref();
