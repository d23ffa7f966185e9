import { connect, createServer, type Socket } from "node:net";

export interface TcpProxy {
  /** Loopback port the proxy listens on. */
  port: number;
  /** Cuts every open connection and resets new ones, as a dead server or network would. */
  down(): void;
  up(): void;
  close(): Promise<void>;
}

/** A loopback TCP proxy to host:port that a test can take down and bring back (test support). */
export async function createTcpProxy(host: string, port: number): Promise<TcpProxy> {
  const sockets = new Set<Socket>();
  let isUp = true;
  const server = createServer((client) => {
    if (!isUp) {
      client.resetAndDestroy();
      return;
    }
    const upstream = connect(port, host);
    for (const socket of [client, upstream]) {
      sockets.add(socket);
      socket.on("close", () => sockets.delete(socket));
      socket.on("error", () => {
        client.destroy();
        upstream.destroy();
      });
    }
    client.pipe(upstream);
    upstream.pipe(client);
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const address = server.address();
  return {
    port: typeof address === "object" && address !== null ? address.port : 0,
    down() {
      isUp = false;
      for (const socket of sockets) socket.resetAndDestroy();
    },
    up() {
      isUp = true;
    },
    close() {
      for (const socket of sockets) socket.destroy();
      return new Promise((resolve) => server.close(() => resolve()));
    },
  };
}
