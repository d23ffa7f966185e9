/** One HTTP/1.1 response, read off a keep-alive connection. */
export interface HttpResponse {
  status: number;
  /** The header lines as received (latin1), status line excluded; read them with `headerValue`. */
  head: string;
  body: Buffer;
  /** False when the server said `connection: close` or its body ran to the end of the connection. */
  keepAlive: boolean;
}

/** A response the parser cannot read; `code` becomes the outcome `error <code>`. */
export class HttpParseError extends Error {
  readonly code = "HPE_INVALID_RESPONSE";
}

const CRLF = Buffer.from("\r\n");
const HEAD_END = Buffer.from("\r\n\r\n");
/** No server we measure sends a head this large; a missing blank line is garbage, not a slow head. */
const MAX_HEAD_BYTES = 64 * 1024;
const STATUS_LINE = /^HTTP\/1\.[01] (\d{3})(?: |$)/;
const EMPTY = Buffer.alloc(0);

enum State {
  Head,
  Body,
  ChunkSize,
  ChunkData,
  ChunkEnd,
  Trailers,
  UntilClose,
}

/**
 * Reads responses from the bytes of one connection, however the kernel splits them: status line,
 * headers, then a body framed by content-length, chunked encoding or the end of the connection.
 * The usual case (a whole small response in one chunk) costs one indexOf, one short string and
 * a subarray: the generator's CPU is taken from the server it measures.
 */
export class HttpResponseParser {
  private state = State.Head;
  private pending: Buffer = EMPTY;
  private status = 0;
  private head = "";
  private keepAlive = true;
  private remaining = 0;
  private parts: Buffer[] = [];

  constructor(private readonly onResponse: (response: HttpResponse) => void) {}

  /** True between responses: nothing of a next one has arrived. */
  get idle(): boolean {
    return this.state === State.Head && this.pending.length === 0;
  }

  /** Throws HttpParseError on bytes that are not an HTTP/1.x response; the connection is then unusable. */
  feed(chunk: Buffer): void {
    const data = this.pending.length === 0 ? chunk : Buffer.concat([this.pending, chunk]);
    this.pending = EMPTY;
    let pos = 0;
    while (pos < data.length || this.state === State.Body) {
      switch (this.state) {
        case State.Head: {
          const end = this.find(data, pos, HEAD_END, MAX_HEAD_BYTES, "response head too large");
          if (end === -1) return;
          this.readHead(data.toString("latin1", pos, end));
          pos = end + HEAD_END.length;
          break;
        }
        case State.Body: {
          const take = Math.min(this.remaining, data.length - pos);
          if (take > 0) this.parts.push(data.subarray(pos, pos + take));
          pos += take;
          this.remaining -= take;
          if (this.remaining > 0) return;
          this.emit();
          break;
        }
        case State.ChunkSize: {
          const end = this.find(data, pos, CRLF, 1024, "chunk size line too long");
          if (end === -1) return;
          const line = data.toString("latin1", pos, end);
          const hex = (line.includes(";") ? line.slice(0, line.indexOf(";")) : line).trim();
          if (!/^[0-9a-fA-F]{1,8}$/.test(hex))
            throw new HttpParseError(`bad chunk size ${JSON.stringify(line)}`);
          this.remaining = Number.parseInt(hex, 16);
          this.state = this.remaining === 0 ? State.Trailers : State.ChunkData;
          pos = end + CRLF.length;
          break;
        }
        case State.ChunkData: {
          const take = Math.min(this.remaining, data.length - pos);
          this.parts.push(data.subarray(pos, pos + take));
          pos += take;
          this.remaining -= take;
          if (this.remaining === 0) this.state = State.ChunkEnd;
          break;
        }
        case State.ChunkEnd: {
          if (data.length - pos < CRLF.length) {
            this.pending = data.subarray(pos);
            return;
          }
          if (data[pos] !== 0x0d || data[pos + 1] !== 0x0a)
            throw new HttpParseError("chunk not followed by CRLF");
          pos += CRLF.length;
          this.state = State.ChunkSize;
          break;
        }
        case State.Trailers: {
          const end = this.find(data, pos, CRLF, MAX_HEAD_BYTES, "trailers too large");
          if (end === -1) return;
          const empty = end === pos; // the blank line after the trailer fields ends the response
          pos = end + CRLF.length;
          if (empty) this.emit();
          break;
        }
        case State.UntilClose: {
          this.parts.push(data.subarray(pos));
          pos = data.length;
          break;
        }
      }
    }
  }

  /**
   * The connection ended. Completes a body that runs to the end of the connection; returns false
   * when a response was cut short (the caller's request failed), true otherwise.
   */
  end(): boolean {
    if (this.state === State.UntilClose) {
      this.emit();
      return true;
    }
    return this.idle;
  }

  /**
   * Where `delimiter` starts at or after `pos`; -1 when it has not arrived yet, in which case
   * the rest is kept for the next chunk (unless it already exceeds `max`, which throws `tooLong`).
   */
  private find(data: Buffer, pos: number, delimiter: Buffer, max: number, tooLong: string): number {
    const end = data.indexOf(delimiter, pos);
    if (end === -1) {
      if (data.length - pos > max) throw new HttpParseError(tooLong);
      this.pending = data.subarray(pos);
    }
    return end;
  }

  private readHead(text: string): void {
    const lineEnd = text.indexOf("\r\n");
    const statusLine = lineEnd === -1 ? text : text.slice(0, lineEnd);
    const match = STATUS_LINE.exec(statusLine);
    if (!match) throw new HttpParseError(`bad status line ${JSON.stringify(statusLine.slice(0, 80))}`);
    const status = Number(match[1]);
    const head = lineEnd === -1 ? "" : text.slice(lineEnd + 2);
    if (status >= 100 && status < 200) return; // 100 Continue and friends: the real answer follows.
    this.status = status;
    this.head = head;
    this.parts = [];
    const connection = headerValue(head, "connection");
    this.keepAlive = !(connection !== null && /(?:^|,)\s*close\s*(?:,|$)/i.test(connection));
    const transferEncoding = headerValue(head, "transfer-encoding");
    const contentLength = headerValue(head, "content-length");
    if (status === 204 || status === 304) {
      this.remaining = 0;
      this.state = State.Body;
    } else if (transferEncoding !== null && /chunked\s*$/i.test(transferEncoding)) {
      this.state = State.ChunkSize;
    } else if (contentLength !== null) {
      if (!/^\d{1,15}$/.test(contentLength)) throw new HttpParseError(`bad content-length ${contentLength}`);
      this.remaining = Number(contentLength);
      this.state = State.Body;
    } else {
      this.keepAlive = false;
      this.state = State.UntilClose;
    }
  }

  private emit(): void {
    const parts = this.parts;
    const body = parts.length === 0 ? EMPTY : parts.length === 1 ? parts[0]! : Buffer.concat(parts);
    const response: HttpResponse = { status: this.status, head: this.head, body, keepAlive: this.keepAlive };
    this.state = State.Head;
    this.parts = [];
    this.onResponse(response);
  }
}

/** The value of the first header `name` (lower case) in a head from HttpResponseParser, trimmed; null if absent. */
export function headerValue(head: string, name: string): string | null {
  let start = 0;
  while (start < head.length) {
    let end = head.indexOf("\r\n", start);
    if (end === -1) end = head.length;
    const colon = head.indexOf(":", start);
    if (
      colon !== -1 &&
      colon < end &&
      colon - start === name.length &&
      head.slice(start, colon).toLowerCase() === name
    ) {
      return head.slice(colon + 1, end).trim();
    }
    start = end + 2;
  }
  return null;
}
