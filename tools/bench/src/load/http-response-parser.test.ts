import { describe, expect, it } from "vitest";
import { type HttpResponse, HttpResponseParser, headerValue } from "./http-response-parser";

/** Feeds `chunks` in order and returns every response read, bodies as text. */
function parse(...chunks: string[]) {
  const responses: HttpResponse[] = [];
  const parser = new HttpResponseParser((r) => responses.push(r));
  for (const chunk of chunks) parser.feed(Buffer.from(chunk, "latin1"));
  return { parser, responses, bodies: responses.map((r) => r.body.toString()) };
}

const ACK =
  "HTTP/1.1 202 Accepted\r\nContent-Type: application/json\r\nConnection: keep-alive\r\n" +
  "Keep-Alive: timeout=5\r\nContent-Length: 11\r\n\r\n" +
  '{"ok":true}';

describe("HttpResponseParser", () => {
  it("reads a whole response from one chunk: status, body, keep-alive", () => {
    const { responses, bodies, parser } = parse(ACK);
    expect(responses.map((r) => r.status)).toEqual([202]);
    expect(bodies).toEqual(['{"ok":true}']);
    expect(responses[0]!.keepAlive).toBe(true);
    expect(parser.idle).toBe(true);
  });

  it("reads the same response split at every byte", () => {
    for (let cut = 1; cut < ACK.length; cut++) {
      const { bodies, responses } = parse(ACK.slice(0, cut), ACK.slice(cut));
      expect(bodies, `cut at ${cut}`).toEqual(['{"ok":true}']);
      expect(responses[0]!.status, `cut at ${cut}`).toBe(202);
    }
  });

  it("reads a response delivered one byte at a time", () => {
    const { bodies, parser } = parse(...ACK.split(""));
    expect(bodies).toEqual(['{"ok":true}']);
    expect(parser.idle).toBe(true);
  });

  it("reads several responses from one chunk, in order", () => {
    const problem =
      "HTTP/1.1 429 Too Many Requests\r\nContent-Type: application/problem+json\r\nContent-Length: 24\r\n\r\n" +
      '{"code":"rate_limited"}\n';
    const { responses, bodies } = parse(ACK + problem + ACK);
    expect(responses.map((r) => r.status)).toEqual([202, 429, 202]);
    expect(bodies).toEqual(['{"ok":true}', '{"code":"rate_limited"}\n', '{"ok":true}']);
  });

  it("keeps a response that is not finished until its last byte arrives", () => {
    const { responses, parser } = parse(ACK.slice(0, -1));
    expect(responses).toEqual([]);
    expect(parser.idle).toBe(false);
  });

  it("reads chunked bodies, with chunk extensions and trailers, split anywhere", () => {
    const chunked =
      "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n" +
      "5\r\nhello\r\n1;ext=1\r\n,\r\nA\r\n 01234567 \r\n0\r\nX-Trailer: yes\r\n\r\n";
    for (let cut = 1; cut < chunked.length; cut++) {
      const { bodies } = parse(chunked.slice(0, cut), chunked.slice(cut) + ACK);
      expect(bodies, `cut at ${cut}`).toEqual(["hello, 01234567 ", '{"ok":true}']);
    }
  });

  it("reads an empty chunked body", () => {
    const { bodies, responses } = parse("HTTP/1.1 200 OK\r\ntransfer-encoding: chunked\r\n\r\n0\r\n\r\n");
    expect(responses.map((r) => r.status)).toEqual([200]);
    expect(bodies).toEqual([""]);
  });

  it("reads empty bodies: content-length 0 and 204 without a length", () => {
    const { responses, bodies } = parse(
      "HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\nHTTP/1.1 204 No Content\r\nDate: x\r\n\r\n" + ACK,
    );
    expect(responses.map((r) => r.status)).toEqual([200, 204, 202]);
    expect(bodies).toEqual(["", "", '{"ok":true}']);
  });

  it("skips a 100 Continue before the real answer", () => {
    const { responses } = parse(`HTTP/1.1 100 Continue\r\n\r\n${ACK}`);
    expect(responses.map((r) => r.status)).toEqual([202]);
  });

  it("marks `connection: close` responses as not keep-alive", () => {
    const { responses } = parse(
      "HTTP/1.1 503 Service Unavailable\r\nConnection: Close\r\nContent-Length: 0\r\n\r\n",
    );
    expect(responses[0]!.status).toBe(503);
    expect(responses[0]!.keepAlive).toBe(false);
  });

  it("ends a body without a length at the end of the connection", () => {
    const { parser, responses } = parse("HTTP/1.0 200 OK\r\nContent-Type: text/plain\r\n\r\nall ", "of it");
    expect(responses).toEqual([]);
    expect(parser.end()).toBe(true);
    expect(responses.map((r) => [r.status, r.body.toString(), r.keepAlive])).toEqual([
      [200, "all of it", false],
    ]);
  });

  it("reports a response cut short by the end of the connection", () => {
    expect(parse(ACK.slice(0, 40)).parser.end()).toBe(false);
    expect(parse(ACK.slice(0, -3)).parser.end()).toBe(false);
    expect(parse(ACK).parser.end()).toBe(true);
  });

  it.each([
    ["a status line that is not HTTP", "SSH-2.0-OpenSSH_9.6\r\n\r\n"],
    ["a status code that is not three digits", "HTTP/1.1 20 OK\r\nContent-Length: 0\r\n\r\n"],
    ["HTTP/2 framing", "HTTP/2 200\r\n\r\n"],
    ["a content-length that is not a number", "HTTP/1.1 200 OK\r\nContent-Length: 1x\r\n\r\n"],
    ["a chunk size that is not hex", "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n"],
    ["a chunk not followed by CRLF", "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nabX\r\n"],
  ])("throws HPE_INVALID_RESPONSE on %s", (_name, input) => {
    expect(() => parse(input)).toThrow(expect.objectContaining({ code: "HPE_INVALID_RESPONSE" }));
  });

  it("throws on a head that never ends instead of buffering it forever", () => {
    const parser = new HttpResponseParser(() => {});
    parser.feed(Buffer.from("HTTP/1.1 200 OK\r\n"));
    expect(() => parser.feed(Buffer.alloc(70_000, "a"))).toThrow(/head too large/);
  });
});

describe("headerValue", () => {
  const head = "Content-Type: application/json\r\nIdempotent-Replayed:  true \r\nX-Content-Length: 9";

  it("finds a header by its lower-case name, whatever its case, trimmed", () => {
    expect(headerValue(head, "idempotent-replayed")).toBe("true");
    expect(headerValue(head, "content-type")).toBe("application/json");
  });

  it("matches whole names only and returns null when absent", () => {
    expect(headerValue(head, "content-length")).toBeNull();
    expect(headerValue("", "content-length")).toBeNull();
  });
});
