import { connect, type Socket } from "node:net";
import { performance } from "node:perf_hooks";
import { type HttpResponse, HttpResponseParser, headerValue } from "./http-response-parser";

/** Idle time after which a connection is not reused when the server gave no `keep-alive: timeout=` hint (Node's default is 5 s). */
const DEFAULT_IDLE_LIMIT_MS = 4_000;

/**
 * Called once per request with its `ticket`: the response, or the transport error code
 * (`ECONNRESET`, `ECONNREFUSED`, `HPE_INVALID_RESPONSE`…) with a null response.
 */
export type AnswerHandler = (ticket: number, error: string | null, response: HttpResponse | null) => void;

class Connection {
  readonly socket: Socket;
  readonly parser: HttpResponseParser;
  /** Ticket of the one request outstanding on this connection, or -1. */
  ticket = -1;
  closed = false;
  /** When it last went back to the free stack, and how long it may idle there before the server may close it. */
  freedAtMs = 0;
  idleLimitMs = -1;

  constructor(port: number, host: string, onResponse: (conn: Connection, response: HttpResponse) => void) {
    this.socket = connect({ port, host, noDelay: true });
    this.parser = new HttpResponseParser((response) => onResponse(this, response));
  }
}

/**
 * HTTP/1.1 over at most `maxConnections` raw keep-alive sockets, one request outstanding per
 * connection (no pipelining). A request that finds every connection busy waits in a FIFO, and
 * the caller's clock keeps running while it waits. Requests are complete pre-built bytes, each
 * written with one socket.write, and answers go to one handler by ticket: no per-request
 * promise or closure.
 */
export class KeepAliveClient {
  private readonly port: number;
  private readonly host: string;
  private readonly free: Connection[] = [];
  private readonly all = new Set<Connection>();
  private readonly queue: { bytes: string; ticket: number }[] = [];
  private queueHead = 0;
  private destroyed = false;

  constructor(
    origin: string,
    private readonly maxConnections: number,
    private readonly onAnswer: AnswerHandler,
  ) {
    const url = new URL(origin);
    if (url.protocol !== "http:") throw new Error(`KeepAliveClient speaks plain http, not ${url.protocol}`);
    this.host = url.hostname.replace(/^\[(.*)\]$/, "$1"); // [::1] → ::1
    this.port = Number(url.port || 80);
  }

  send(bytes: string, ticket: number): void {
    if (this.destroyed) return;
    const conn = this.takeFree() ?? (this.all.size < this.maxConnections ? this.open() : null);
    if (conn) this.write(conn, bytes, ticket);
    else this.queue.push({ bytes, ticket });
  }

  /** Closes every connection; answers still outstanding are never reported. */
  destroy(): void {
    this.destroyed = true;
    for (const conn of this.all) conn.socket.destroy();
    this.all.clear();
    this.free.length = 0;
    this.queue.length = 0;
  }

  private write(conn: Connection, bytes: string, ticket: number): void {
    conn.ticket = ticket;
    conn.socket.write(bytes);
  }

  private open(): Connection {
    const conn = new Connection(this.port, this.host, this.onResponse);
    this.all.add(conn);
    let errorCode: string | null = null;
    conn.socket.on("data", (chunk: Buffer) => {
      try {
        conn.parser.feed(chunk);
      } catch (error) {
        errorCode = (error as { code?: string }).code ?? "HPE_INVALID_RESPONSE";
        conn.socket.destroy();
      }
    });
    conn.socket.on("end", () => {
      // A body that runs to the end of the connection completes here; anything else cut short fails below.
      conn.parser.end();
    });
    conn.socket.on("error", (error: NodeJS.ErrnoException) => {
      errorCode ??= error.code ?? error.name;
    });
    conn.socket.on("close", () => this.onClose(conn, errorCode ?? "ECONNRESET"));
    return conn;
  }

  private readonly onResponse = (conn: Connection, response: HttpResponse): void => {
    const ticket = conn.ticket;
    if (ticket === -1) {
      // An answer nobody asked for: the connection's framing can no longer be trusted.
      conn.socket.destroy();
      return;
    }
    conn.ticket = -1;
    if (conn.idleLimitMs === -1) conn.idleLimitMs = idleLimitOf(response);
    if (response.keepAlive) this.release(conn);
    else this.retire(conn);
    this.onAnswer(ticket, null, response);
  };

  private onClose(conn: Connection, errorCode: string): void {
    if (conn.closed) return;
    conn.closed = true;
    if (this.destroyed) return;
    this.all.delete(conn);
    const i = this.free.indexOf(conn);
    if (i !== -1) this.free.splice(i, 1);
    const ticket = conn.ticket;
    conn.ticket = -1;
    // A request waiting for a connection gets a fresh one in place of the lost one.
    const next = this.dequeue();
    if (next) this.write(this.open(), next.bytes, next.ticket);
    if (ticket !== -1) this.onAnswer(ticket, errorCode, null);
  }

  /** The server will close this connection after its answer: stop using it now. */
  private retire(conn: Connection): void {
    this.all.delete(conn);
    conn.closed = true;
    conn.socket.destroy();
    const next = this.dequeue();
    if (next) this.write(this.open(), next.bytes, next.ticket);
  }

  private release(conn: Connection): void {
    const next = this.dequeue();
    if (next) this.write(conn, next.bytes, next.ticket);
    else {
      conn.freedAtMs = performance.now();
      this.free.push(conn);
    }
  }

  /**
   * The most recently used free connection (LIFO keeps a few hot), skipping any idle long enough
   * that the server may be closing it: a request written into that race would fail for nothing.
   */
  private takeFree(): Connection | undefined {
    let conn = this.free.pop();
    while (conn && performance.now() - conn.freedAtMs > conn.idleLimitMs) {
      this.retire(conn);
      conn = this.free.pop();
    }
    return conn;
  }

  private dequeue(): { bytes: string; ticket: number } | undefined {
    if (this.queueHead === this.queue.length) return undefined;
    const next = this.queue[this.queueHead++];
    if (this.queueHead === this.queue.length) {
      this.queue.length = 0;
      this.queueHead = 0;
    }
    return next;
  }
}

function idleLimitOf(response: HttpResponse): number {
  const hint = /timeout=(\d+)/i.exec(headerValue(response.head, "keep-alive") ?? "");
  return hint ? Math.max(0, Number(hint[1]) * 1000 - 1000) : DEFAULT_IDLE_LIMIT_MS;
}
