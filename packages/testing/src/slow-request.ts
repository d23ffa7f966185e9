import { Socket } from "node:net";

export interface SlowRequestOptions {
  /** e.g. `http://127.0.0.1:3000/v1/webhooks/oh_…` */
  url: string;
  body?: string;
  headers?: Record<string, string>;
  /** Bytes written per step; with `delayMs` between steps, the trickle rate. */
  chunkBytes?: number;
  delayMs?: number;
  /** Trickle only the body (headers go out at once), to test the body timeout separately. */
  slowPart?: "headers" | "body";
  /** Give up (and destroy the socket) after this long; the result then says `gaveUp`. */
  maxMs?: number;
}

export interface SlowRequestResult {
  /** Status of the server's answer, if one came. */
  status: number | null;
  /** Who ended it: the server (answered or closed), or the client after `maxMs`. */
  endedBy: "server" | "gaveUp";
  /** Request bytes written before the end: far fewer than the request means the server cut it off. */
  bytesSent: number;
  requestBytes: number;
}

/**
 * A slowloris client: sends a POST a few bytes at a time, to show that the server cuts
 * such clients off with its header and body timeouts (while serving everyone else).
 */
export function slowRequest(options: SlowRequestOptions): Promise<SlowRequestResult> {
  const url = new URL(options.url);
  const body = options.body ?? "";
  const head =
    `POST ${url.pathname}${url.search} HTTP/1.1\r\nHost: ${url.host}\r\n` +
    Object.entries({ "content-type": "application/json", ...options.headers })
      .map(([name, value]) => `${name}: ${value}\r\n`)
      .join("") +
    `Content-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n`;
  const request = Buffer.from(head + body);
  const fastBytes = options.slowPart === "body" ? Buffer.byteLength(head) : 0;
  const chunkBytes = options.chunkBytes ?? 1;
  const delayMs = options.delayMs ?? 100;

  return new Promise((resolve) => {
    const socket = new Socket();
    let sent = 0;
    let received = "";
    let timer: NodeJS.Timeout | undefined;
    let settled = false;
    const finish = (endedBy: SlowRequestResult["endedBy"]) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      clearTimeout(deadline);
      socket.destroy();
      const match = /^HTTP\/1\.[01] (\d{3})/.exec(received);
      resolve({
        status: match ? Number(match[1]) : null,
        endedBy,
        bytesSent: sent,
        requestBytes: request.length,
      });
    };
    const deadline = setTimeout(() => finish("gaveUp"), options.maxMs ?? 30_000);
    const step = () => {
      if (settled || sent >= request.length) return;
      const size = sent < fastBytes ? fastBytes - sent : chunkBytes;
      const chunk = request.subarray(sent, sent + size);
      sent += chunk.length;
      socket.write(chunk);
      timer = setTimeout(step, sent <= fastBytes ? 0 : delayMs);
    };
    socket.on("data", (data: Buffer) => {
      received += data.toString("latin1");
    });
    socket.on("close", () => finish("server"));
    socket.on("error", () => finish("server"));
    socket.connect(Number(url.port || 80), url.hostname, step);
  });
}
