import { once } from "node:events";
import { createServer, type Server, Socket } from "node:net";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { FaultProxy } from "./fault-proxy";

let echo: Server;
let echoPort: number;
const open: { close(): unknown }[] = [];

beforeEach(async () => {
  echo = createServer((socket) => {
    socket.on("error", () => {});
    socket.pipe(socket);
  });
  await new Promise<void>((resolve) => echo.listen(0, "127.0.0.1", resolve));
  echoPort = (echo.address() as { port: number }).port;
});

afterEach(async () => {
  for (const item of open.splice(0)) await item.close();
  echo.close();
});

async function startProxy(): Promise<FaultProxy> {
  const proxy = await FaultProxy.start({ target: { host: "127.0.0.1", port: echoPort } });
  open.push(proxy);
  return proxy;
}

/** A proxy to the echo server with one client connected through it. */
async function proxiedClient() {
  const proxy = await startProxy();
  return { proxy, client: await connectTo(proxy) };
}

/** A client that records what it receives and how its connection ended. */
async function connectTo(proxy: FaultProxy) {
  const socket = new Socket();
  let received = "";
  const ended = new Promise<string>((resolve) => {
    socket.on("error", (error: NodeJS.ErrnoException) => resolve(error.code ?? error.message));
    socket.on("end", () => resolve("end"));
  });
  socket.on("data", (data: Buffer) => {
    received += data.toString();
  });
  socket.connect(proxy.port, proxy.host);
  await once(socket, "connect");
  open.push({ close: () => socket.destroy() });
  return { socket, ended, received: () => received };
}

describe("FaultProxy", () => {
  it("forwards bytes both ways and counts open connections", async () => {
    const { proxy, client } = await proxiedClient();
    client.socket.write("ping");
    await expect.poll(client.received).toBe("ping");
    expect(proxy.connectionCount).toBe(1);
  });

  it("rewrites a service URL to point at itself, keeping credentials and path", async () => {
    const proxy = await startProxy();
    expect(proxy.url("postgres://user:secret@db.internal:5432/orders")).toBe(
      `postgres://user:secret@127.0.0.1:${proxy.port}/orders`,
    );
  });

  it("holds data back while latency is set and delivers it later, in order", async () => {
    const { proxy, client } = await proxiedClient();
    proxy.setLatency(150, 50);
    for (const part of ["a", "b", "c", "d"]) client.socket.write(part);
    await new Promise((resolve) => setImmediate(resolve));
    expect(client.received()).toBe("");
    await expect.poll(client.received, { timeout: 5_000 }).toBe("abcd");
  });

  it("pauses traffic without closing connections, and delivers it on resume", async () => {
    const { proxy, client } = await proxiedClient();
    proxy.pause();
    client.socket.write("held");
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(client.received(), "nothing may pass while paused").toBe("");
    expect(proxy.connectionCount).toBe(1);
    proxy.resume();
    await expect.poll(client.received).toBe("held");
  });

  it("blackholes traffic until healed", async () => {
    const { proxy, client } = await proxiedClient();
    proxy.blackhole();
    client.socket.write("lost");
    await new Promise((resolve) => setTimeout(resolve, 50));
    proxy.heal();
    client.socket.write("found");
    await expect.poll(client.received).toBe("found");
  });

  it("resets open connections with a TCP RST", async () => {
    const { proxy, client } = await proxiedClient();
    expect(proxy.resetConnections()).toBe(1);
    expect(await client.ended).toBe("ECONNRESET");
    expect(proxy.connectionCount).toBe(0);
  });

  it("drops open connections with a clean close", async () => {
    const { proxy, client } = await proxiedClient();
    expect(proxy.dropConnections()).toBe(1);
    expect(await client.ended).toBe("end");
  });

  it("down in reset mode keeps its port and resets open and new connections until up", async () => {
    const proxy = await startProxy();
    const before = await connectTo(proxy);
    await proxy.down();
    expect(await before.ended).toBe("ECONNRESET");

    // Not refused: the port is still the proxy's, which answers the new connection with a reset.
    const during = new Socket();
    during.connect(proxy.port, proxy.host);
    const [error] = (await once(during, "error")) as [NodeJS.ErrnoException];
    expect(error.code).toBe("ECONNRESET");
    expect(proxy.connectionCount).toBe(0);

    await proxy.up();
    const after = await connectTo(proxy);
    after.socket.write("back");
    await expect.poll(after.received).toBe("back");
  });

  it("down in refuse mode refuses new connections, then takes the same port again when up", async () => {
    const proxy = await startProxy();
    const port = proxy.port;
    const before = await connectTo(proxy);
    await proxy.down("refuse");
    expect(await before.ended).toBe("ECONNRESET");

    const refused = new Socket();
    refused.connect(port, "127.0.0.1");
    const [error] = (await once(refused, "error")) as [NodeJS.ErrnoException];
    expect(error.code).toBe("ECONNREFUSED");

    await proxy.up();
    expect(proxy.port).toBe(port);
    const after = await connectTo(proxy);
    after.socket.write("back");
    await expect.poll(after.received).toBe("back");
  });

  it("resets the client when the target refuses the connection", async () => {
    const proxy = await startProxy();
    await new Promise((resolve) => echo.close(resolve));
    const client = await connectTo(proxy);
    expect(await client.ended).toBe("ECONNRESET");
  });
});
