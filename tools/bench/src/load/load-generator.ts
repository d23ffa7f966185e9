/**
 * The load generator's own process (forked by LoadGeneratorClient), so that sending and
 * timing never share an event loop or a heap with the orchestrator or the servers measured.
 */
import { runClosedLoop } from "./closed-loop";
import type { LoadResult, LoadSpec } from "./load-spec";
import { runOpenLoop } from "./open-loop";
import { withRealtimePriority } from "./realtime-priority";

interface Request {
  id: number;
  spec: LoadSpec;
}

export type GeneratorReply = { id: number; result: LoadResult } | { id: number; error: string };

process.on("message", (message: Request) => {
  const { spec } = message;
  // Open loops only: a closed loop keeps the generator busy, and real-time priority would take a core from the server.
  const run =
    spec.kind !== "open"
      ? runClosedLoop(spec)
      : spec.realtime === false
        ? runOpenLoop(spec)
        : withRealtimePriority(() => runOpenLoop(spec));
  run.then(
    (result) => reply({ id: message.id, result }),
    (error: unknown) =>
      reply({
        id: message.id,
        error: error instanceof Error ? (error.stack ?? error.message) : String(error),
      }),
  );
});

process.on("disconnect", () => process.exit(0));

function reply(message: GeneratorReply): void {
  process.send?.(message);
}
