import { connect, type Socket } from "node:net";
import { type HttpResponse, HttpResponseParser } from "./http-response-parser";
import { LatencyRecorder } from "./latency-recorder";
import type { Ack, BurstLoadResult, BurstSpec } from "./load-spec";
import { alertRequests, outcomeOf } from "./send-alert";
import { monotonicMs } from "./tick-source";
import { wallClockOf } from "./wall-clock";

/** TradingView cancels a webhook that has not answered within this, and never retries it. */
export const SENDER_TIMEOUT_MS = 3_000;

const WARM_TIMEOUT_MS = 10_000;

export interface BurstHooks {
  /** Every connection is open and warm; the release waits until this resolves (the caller's readings). */
  ready(): Promise<void>;
  /** The last answer is in (or the rest were given up): called before the result is put together. */
  answered(): void;
}

class BurstConnection {
  readonly socket: Socket;
  readonly parser: HttpResponseParser;
  /** Tickets of this connection's requests, in order; HTTP/1.1 answers pipelined requests in that order. */
  tickets: number[] = [];
  /** Tickets answered (or failed) so far. */
  next = 0;
  /** What the connection writes: its whole share in one buffer (pipelined) or one per request (queued). */
  writes: Buffer[] = [];
  written = 0;
  errorCode: string | null = null;
  onResponse: (response: HttpResponse) => void = () => {};
  onClose: () => void = () => {};

  constructor(port: number, host: string) {
    this.socket = connect({ port, host, noDelay: true });
    this.parser = new HttpResponseParser((response) => this.onResponse(response));
    this.socket.on("data", (chunk: Buffer) => {
      try {
        this.parser.feed(chunk);
      } catch (error) {
        this.errorCode = (error as { code?: string }).code ?? "HPE_INVALID_RESPONSE";
        this.socket.destroy();
      }
    });
    this.socket.on("error", (error: NodeJS.ErrnoException) => {
      this.errorCode ??= error.code ?? error.name;
    });
    this.socket.on("close", () => this.onClose());
  }

  /** One GET /healthz, so the connection is established and the server holds it as keep-alive. */
  warm(host: string): Promise<void> {
    return new Promise((resolve, reject) => {
      const fail = (reason: string) => reject(new Error(`burst: warming a connection failed: ${reason}`));
      this.onClose = () => fail(this.errorCode ?? "closed");
      this.onResponse = (response) => {
        if (response.status !== 200 || !response.keepAlive) {
          fail(`GET /healthz answered ${response.status}${response.keepAlive ? "" : ", connection: close"}`);
        } else resolve();
      };
      this.socket.write(`GET /healthz HTTP/1.1\r\nhost: ${host}\r\n\r\n`);
    });
  }
}

/**
 * Releases a burst (see BurstSpec). Every request is serialised before any connection opens; the
 * connections are opened and warmed, `hooks.ready` runs, and then:
 *
 * - `pipelined` (the default): each connection gets its whole share in one write. The burst is in
 *   the server's sockets within the release spread, as when thousands of senders fire at one
 *   close, and the generator has nothing left to write while the server works. Node's HTTP server
 *   handles the requests of a pipelined connection concurrently and answers them in order.
 * - `queued`: each connection gets its first request, and its next one as soon as an answer
 *   arrives (one in flight per connection, like a client with a pool of `connections`); the
 *   others wait in the generator, and that wait counts.
 *
 * The caller runs it under real-time priority: the writes of the release are then not preempted
 * by the servers they wake, and answers are timed when they arrive, not when a busy machine next
 * schedules the generator.
 */
export async function runBurst(spec: BurstSpec, hooks: BurstHooks): Promise<BurstLoadResult> {
  const url = new URL(spec.target.origin);
  const host = url.hostname.replace(/^\[(.*)\]$/, "$1");
  const port = Number(url.port || 80);
  const count = Math.min(spec.connections, spec.alerts);
  const request = alertRequests(spec.target);
  const shares: string[][] = Array.from({ length: count }, () => []);
  const tickets: number[][] = Array.from({ length: count }, () => []);
  for (let i = 0; i < spec.alerts; i++) {
    shares[i % count]!.push(request(i));
    tickets[i % count]!.push(i);
  }
  const writes = shares.map((share) =>
    spec.send === "queued" ? share.map((bytes) => Buffer.from(bytes)) : [Buffer.from(share.join(""))],
  );
  const connections = writes.map((connectionWrites, c) => {
    const conn = new BurstConnection(port, host);
    conn.tickets = tickets[c]!;
    conn.writes = connectionWrites;
    return conn;
  });
  try {
    await withTimeout(
      Promise.all(connections.map((conn) => conn.warm(url.host))),
      WARM_TIMEOUT_MS,
      "burst: connections not warm",
    );
    await hooks.ready();
    return await release(spec, connections, hooks);
  } finally {
    for (const conn of connections) conn.socket.destroy();
  }
}

async function release(
  spec: BurstSpec,
  connections: BurstConnection[],
  hooks: BurstHooks,
): Promise<BurstLoadResult> {
  const latency = new LatencyRecorder();
  const answerMs = new Float64Array(spec.alerts);
  const answered = new Uint8Array(spec.alerts);
  const outcomes: Record<string, number> = {};
  const acks: Ack[] = [];
  let remaining = spec.alerts;
  let over3s = 0;
  let releaseMs = 0;
  /** False once the result is put together: answers and closes after that change nothing. */
  let counting = true;
  let done: () => void = () => {};
  const finished = new Promise<void>((resolve) => {
    done = resolve;
  });

  const answer = (ticket: number, error: string | null, response: HttpResponse | null) => {
    if (!counting || answered[ticket] === 1) return;
    const atMs = monotonicMs();
    answered[ticket] = 1;
    remaining--;
    const ms = atMs - releaseMs;
    answerMs[ticket] = ms;
    latency.record(ms);
    if (ms > SENDER_TIMEOUT_MS) over3s++;
    const outcome = outcomeOf(error, response);
    outcomes[outcome.key] = (outcomes[outcome.key] ?? 0) + 1;
    if (outcome.orderId) acks.push({ orderId: outcome.orderId, ackAtMs: wallClockOf(atMs) });
    if (remaining === 0) done();
  };
  for (const conn of connections) {
    conn.onResponse = (response) => {
      const ticket = conn.tickets[conn.next++];
      // An answer nobody asked for: the connection's framing can no longer be trusted.
      if (ticket === undefined) conn.socket.destroy();
      else {
        answer(ticket, null, response);
        if (conn.written < conn.writes.length) conn.socket.write(conn.writes[conn.written++]!);
      }
    };
    // Whatever was still owed on a connection that closed has failed.
    conn.onClose = () => {
      while (conn.next < conn.tickets.length)
        answer(conn.tickets[conn.next++]!, conn.errorCode ?? "ECONNRESET", null);
    };
  }

  releaseMs = monotonicMs();
  for (const conn of connections) conn.socket.write(conn.writes[conn.written++]!);
  const releaseSpreadMs = monotonicMs() - releaseMs;

  await Promise.race([finished, sleep(spec.drainTimeoutMs)]);
  counting = false;
  const unfinished = remaining;
  if (unfinished > 0) {
    // Charged at the latency they had reached, as the open loop does: dropping them would hide the stall.
    const giveUpMs = monotonicMs() - releaseMs;
    for (let i = 0; i < spec.alerts; i++) {
      if (answered[i] === 1) continue;
      answerMs[i] = giveUpMs;
      latency.record(giveUpMs);
      if (giveUpMs > SENDER_TIMEOUT_MS) over3s++;
    }
  }
  hooks.answered();
  answerMs.sort();
  const percentMs = Array.from({ length: 101 }, (_, k) =>
    round(answerMs[Math.max(0, Math.ceil((k / 100) * spec.alerts) - 1)]!),
  );
  return {
    kind: "burst",
    alerts: spec.alerts,
    connections: connections.length,
    send: spec.send ?? "pipelined",
    releasedAtMs: wallClockOf(releaseMs),
    releaseSpreadMs: round(releaseSpreadMs),
    latency: latency.summary(),
    percentMs,
    over3s,
    outcomes,
    unfinished,
    acks,
  };
}

function round(ms: number): number {
  return Math.round(ms * 1000) / 1000;
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms).unref());
}

async function withTimeout<T>(promise: Promise<T>, ms: number, message: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  try {
    return await Promise.race([
      promise,
      new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error(`${message} within ${ms} ms`)), ms);
      }),
    ]);
  } finally {
    clearTimeout(timer);
  }
}
