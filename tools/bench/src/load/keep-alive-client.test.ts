import { createServer, type Server, type Socket } from "node:net";
import { afterEach, describe, expect, it } from "vitest";
import { KeepAliveClient } from "./keep-alive-client";

interface Answer {
  ticket: number;
  error: string | null;
  status: number | null;
  body: string | null;
}

/** A raw TCP server: `respond` sees each request's path and socket and writes whatever the test needs. */
async function rawServer(respond: (path: string, socket: Socket) => void) {
  const sockets: Socket[] = [];
  const paths: string[] = [];
  const server: Server = createServer((socket) => {
    sockets.push(socket);
    let pending = "";
    socket.on("data", (chunk) => {
      pending += chunk.toString("latin1");
      for (;;) {
        const headEnd = pending.indexOf("\r\n\r\n");
        if (headEnd === -1) return;
        const length = Number(/content-length: (\d+)/i.exec(pending.slice(0, headEnd))?.[1] ?? 0);
        if (pending.length < headEnd + 4 + length) return;
        const path = pending.split(" ")[1]!;
        pending = pending.slice(headEnd + 4 + length);
        paths.push(path);
        respond(path, socket);
      }
    });
    socket.on("error", () => {});
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as { port: number };
  servers.push(server);
  return { origin: `http://127.0.0.1:${port}`, sockets, paths, server };
}

const servers: Server[] = [];
afterEach(async () => {
  for (const server of servers.splice(0)) {
    server.close();
  }
});

const ok = (body: string, extra = "") =>
  `HTTP/1.1 202 Accepted\r\ncontent-type: application/json\r\n${extra}content-length: ${body.length}\r\n\r\n${body}`;
const post = (path: string) => `POST ${path} HTTP/1.1\r\nhost: x\r\ncontent-length: 2\r\n\r\n{}`;

/** A client whose answers arrive on `answers`; `until(n)` resolves once n have. */
function recordingClient(origin: string, maxConnections: number) {
  const answers: Answer[] = [];
  const waiters: { n: number; resolve: () => void }[] = [];
  const client = new KeepAliveClient(origin, maxConnections, (ticket, error, response) => {
    answers.push({
      ticket,
      error,
      status: response?.status ?? null,
      body: response ? response.body.toString() : null,
    });
    for (const w of waiters) if (answers.length >= w.n) w.resolve();
  });
  const until = (n: number) =>
    answers.length >= n ? Promise.resolve() : new Promise<void>((resolve) => waiters.push({ n, resolve }));
  return { client, answers, until };
}

/** Sends `requests` (path, ticket) over one connection's worth of client, waits for every answer, closes it. */
async function answersTo(origin: string, requests: [path: string, ticket: number][]): Promise<Answer[]> {
  const { client, answers, until } = recordingClient(origin, 1);
  for (const [path, ticket] of requests) client.send(post(path), ticket);
  await until(requests.length);
  client.destroy();
  return answers;
}

describe("KeepAliveClient", () => {
  it("reuses one keep-alive connection for requests sent one after another", async () => {
    const server = await rawServer((path, socket) => socket.write(ok(`{"path":"${path}"}`)));
    const { client, answers, until } = recordingClient(server.origin, 4);
    client.send(post("/a"), 1);
    await until(1);
    client.send(post("/b"), 2);
    await until(2);
    client.destroy();
    expect(answers).toEqual([
      { ticket: 1, error: null, status: 202, body: '{"path":"/a"}' },
      { ticket: 2, error: null, status: 202, body: '{"path":"/b"}' },
    ]);
    expect(server.sockets).toHaveLength(1);
  });

  it("holds requests beyond the connection cap in a FIFO and sends them in order as connections free up", async () => {
    const server = await rawServer((path, socket) => socket.write(ok(path)));
    const { client, answers, until } = recordingClient(server.origin, 2);
    for (let i = 0; i < 6; i++) client.send(post(`/${i}`), i);
    await until(6);
    client.destroy();
    expect(server.sockets).toHaveLength(2);
    expect(server.paths.slice(2)).toEqual(["/2", "/3", "/4", "/5"]);
    expect(answers.map((a) => [a.ticket, a.body])).toEqual(
      expect.arrayContaining([0, 1, 2, 3, 4, 5].map((i) => [i, `/${i}`])),
    );
  });

  it("opens a new connection after the server answers with `connection: close`", async () => {
    const server = await rawServer((path, socket) => {
      socket.write(ok(path, "connection: close\r\n"));
      socket.end();
    });
    const answers = await answersTo(server.origin, [
      ["/first", 1],
      ["/second", 2],
    ]);
    expect(answers.map((a) => [a.ticket, a.error, a.body])).toEqual([
      [1, null, "/first"],
      [2, null, "/second"],
    ]);
    expect(server.sockets).toHaveLength(2);
  });

  it("reports a reset connection as ECONNRESET and serves the next request on a fresh one", async () => {
    const server = await rawServer((path, socket) => {
      if (path === "/reset") socket.resetAndDestroy();
      else socket.write(ok(path));
    });
    const answers = await answersTo(server.origin, [
      ["/reset", 1],
      ["/after", 2],
    ]);
    expect(answers.map((a) => [a.ticket, a.error, a.body])).toEqual([
      [1, "ECONNRESET", null],
      [2, null, "/after"],
    ]);
  });

  it("reports a connection closed before the answer completed as ECONNRESET", async () => {
    const server = await rawServer((_path, socket) =>
      socket.end("HTTP/1.1 202 Accepted\r\ncontent-length: 10\r\n\r\nshort"),
    );
    const answers = await answersTo(server.origin, [["/x", 7]]);
    expect(answers).toEqual([{ ticket: 7, error: "ECONNRESET", status: null, body: null }]);
  });

  it("reports garbage from the server as HPE_INVALID_RESPONSE", async () => {
    const server = await rawServer((_path, socket) => socket.write("SSH-2.0-OpenSSH_9.6\r\n\r\n"));
    const answers = await answersTo(server.origin, [["/x", 3]]);
    expect(answers).toEqual([{ ticket: 3, error: "HPE_INVALID_RESPONSE", status: null, body: null }]);
  });

  it("reports ECONNREFUSED when nothing listens", async () => {
    const server = await rawServer(() => {});
    server.server.close();
    await new Promise((resolve) => setTimeout(resolve, 20));
    const answers = await answersTo(server.origin, [["/x", 9]]);
    expect(answers).toEqual([{ ticket: 9, error: "ECONNREFUSED", status: null, body: null }]);
  });
});
