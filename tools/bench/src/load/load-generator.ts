/**
 * The load generator's own process (forked by LoadGeneratorClient), so that sending and
 * timing never share an event loop or a heap with the orchestrator or the servers measured.
 */
import { runBurst } from "./burst-release";
import { runClosedLoop } from "./closed-loop";
import type { BurstLoadResult, BurstSpec, LoadResult, LoadSpec } from "./load-spec";
import { runOpenLoop } from "./open-loop";
import { withRealtimePriority } from "./realtime-priority";

/** A phase to run, or the go-ahead for a burst whose connections are warm. */
type Request = { id: number; spec: LoadSpec | BurstSpec } | { id: number; go: true };

export type GeneratorReply =
  | { id: number; result: LoadResult | BurstLoadResult }
  | { id: number; error: string }
  /** A burst's connections are warm (it waits for `go`), or its last answer is in. */
  | { id: number; stage: "ready" | "answered" };

/** Bursts waiting for their `go`, by request id. */
const releases = new Map<number, () => void>();

process.on("message", (message: Request) => {
  if ("go" in message) {
    releases.get(message.id)?.();
    releases.delete(message.id);
    return;
  }
  const { id, spec } = message;
  // Open loops and bursts: a closed loop keeps the generator busy, and real-time priority would take a core from the server.
  const run: Promise<LoadResult | BurstLoadResult> =
    spec.kind === "burst"
      ? withRealtimePriority(() =>
          runBurst(spec, {
            ready: () =>
              new Promise<void>((resolve) => {
                releases.set(id, resolve);
                reply({ id, stage: "ready" });
              }),
            answered: () => reply({ id, stage: "answered" }),
          }),
        )
      : spec.kind !== "open"
        ? runClosedLoop(spec)
        : spec.realtime === false
          ? runOpenLoop(spec)
          : withRealtimePriority(() => runOpenLoop(spec));
  run.then(
    (result) => reply({ id, result }),
    (error: unknown) =>
      reply({
        id,
        error: error instanceof Error ? (error.stack ?? error.message) : String(error),
      }),
  );
});

process.on("disconnect", () => process.exit(0));

function reply(message: GeneratorReply): void {
  process.send?.(message);
}
