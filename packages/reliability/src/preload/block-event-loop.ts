/**
 * Test-only preload (`node --import tsx --import …/block-event-loop.ts main.ts`): on SIGUSR2
 * the process busy-waits for BLOCK_EVENT_LOOP_MS, as a runaway computation or a long GC
 * pause would — no timer, socket or lock renewal runs meanwhile. Never part of an app.
 */
const blockMs = Number(process.env.BLOCK_EVENT_LOOP_MS ?? "5000");

process.on("SIGUSR2", function blockEventLoop() {
  const until = Date.now() + blockMs;
  while (Date.now() < until) {
    // spin
  }
});
