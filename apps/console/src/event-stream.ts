import { OrderhookError } from "@orderhook/errors";
import type { Hono } from "hono";
import { streamSSE } from "hono/streaming";
import type { ConsoleAppEnv } from "./app-env";
import type { ConsoleEvent, ConsoleEventSource } from "./console-events";

export interface EventStreamOptions {
  events: ConsoleEventSource;
  /** Aborted on SIGTERM: every open stream ends, so the server can close. */
  shutdown: AbortSignal;
  /** Open streams per user (browser tabs), at most; past it, 429. */
  maxStreamsPerUser?: number;
  /** A comment line this often keeps proxies from closing an idle stream. */
  heartbeatMs?: number;
}

/**
 * GET /events: the signed-in user's live events as server-sent events (`event: order`, and
 * whatever other sources add), for the pages' script. Only the user's own events: the stream
 * is subscribed by the session's user id, never by anything in the request.
 */
export function mountEventStream(app: Hono<ConsoleAppEnv>, options: EventStreamOptions): void {
  const { events, shutdown, maxStreamsPerUser = 10, heartbeatMs = 20_000 } = options;
  const open = new Map<string, number>();

  app.get("/events", (c) => {
    const user = c.get("viewer")?.user ?? null;
    if (user === null)
      throw new OrderhookError("invalid_token", { detail: "Sign in to receive live updates." });
    if ((open.get(user.id) ?? 0) >= maxStreamsPerUser) {
      throw new OrderhookError("rate_limited", {
        detail: `At most ${maxStreamsPerUser} live pages at once; close a tab.`,
        retryAfter: 10,
      });
    }
    if (shutdown.aborted)
      throw new OrderhookError("unavailable", { detail: "Shutting down.", retryAfter: 1 });
    open.set(user.id, (open.get(user.id) ?? 0) + 1);
    c.header("x-accel-buffering", "no");
    return streamSSE(c, async (stream) => {
      let writing = Promise.resolve();
      const send = (event: ConsoleEvent) => {
        writing = writing
          .then(() => stream.writeSSE({ event: event.type, data: JSON.stringify(event.data) }))
          .catch(() => {});
      };
      const unsubscribe = events.subscribe(user.id, send);
      let wake: () => void = () => {};
      const ended = new Promise<void>((resolve) => {
        wake = resolve;
      });
      const end = () => wake();
      stream.onAbort(end);
      shutdown.addEventListener("abort", end, { once: true });
      try {
        await stream.writeSSE({ event: "ready", data: "{}", retry: 3_000 });
        while (!stream.aborted && !shutdown.aborted) {
          let timer: NodeJS.Timeout | undefined;
          await Promise.race([ended, new Promise((resolve) => (timer = setTimeout(resolve, heartbeatMs)))]);
          clearTimeout(timer);
          if (!stream.aborted && !shutdown.aborted) {
            writing = writing
              .then(() => stream.write(": keep-alive\n\n"))
              .then(() => {})
              .catch(() => {});
          }
        }
      } finally {
        unsubscribe();
        shutdown.removeEventListener("abort", end);
        await writing;
        const left = (open.get(user.id) ?? 1) - 1;
        if (left <= 0) open.delete(user.id);
        else open.set(user.id, left);
      }
    });
  });
}
