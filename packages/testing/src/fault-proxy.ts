import { createServer, connect as netConnect, type Server, type Socket } from "node:net";

export interface FaultProxyOptions {
  /** Where connections are forwarded, e.g. a Redis or Postgres server. */
  target: { host: string; port: number };
  /** Listen address; 127.0.0.1 and a free port unless given. */
  host?: string;
  port?: number;
}

interface Chunk {
  data: Buffer;
  due: number;
}

/** One direction of one connection: holds chunks until their latency has passed, in order. */
class Pipe {
  private readonly queue: Chunk[] = [];
  private timer: NodeJS.Timeout | undefined;
  private ended = false;

  constructor(
    private readonly proxy: FaultProxy,
    private readonly to: Socket,
  ) {}

  push(data: Buffer): void {
    if (this.proxy.isBlackholed) return;
    const last = this.queue.at(-1)?.due ?? 0;
    const delay = this.proxy.latencyMs + Math.random() * this.proxy.jitterMs;
    this.queue.push({ data, due: Math.max(last, Date.now() + delay) });
    this.pump();
  }

  end(): void {
    this.ended = true;
    this.pump();
  }

  pump(): void {
    if (this.timer || this.proxy.isPaused || this.to.destroyed) return;
    const now = Date.now();
    while (this.queue.length > 0 && this.queue[0]!.due <= now) this.to.write(this.queue.shift()!.data);
    const head = this.queue[0];
    if (head) {
      this.timer = setTimeout(() => {
        this.timer = undefined;
        this.pump();
      }, head.due - now);
    } else if (this.ended) {
      this.to.end();
    }
  }

  clear(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
    this.queue.length = 0;
  }
}

interface Connection {
  client: Socket;
  upstream: Socket;
  pipes: [Pipe, Pipe];
}

/**
 * How the proxy is down. `reset`: it keeps its port and answers every connection, open or new,
 * with a TCP RST, as a crashed server host or a broken network path does. `refuse`: it also
 * stops listening, so new connections get ECONNREFUSED, as a stopped server does; the port is
 * taken again by `up()` (on a shared machine something else may take it meanwhile, and `up()`
 * then fails with EADDRINUSE).
 */
export type DownMode = "reset" | "refuse";

/**
 * A Toxiproxy-style TCP proxy for fault tests: put it between a client and Redis or Postgres,
 * then add latency, pause or blackhole traffic, reset or drop connections, or take it down
 * (resetting or refusing connections) and up again on the same port.
 */
export class FaultProxy {
  latencyMs = 0;
  jitterMs = 0;
  isPaused = false;
  isBlackholed = false;
  /** Null while up. */
  downMode: DownMode | null = null;
  private server: Server | undefined;
  private readonly connections = new Set<Connection>();
  private readonly options: FaultProxyOptions;
  private boundPort: number;

  private constructor(options: FaultProxyOptions) {
    this.options = options;
    this.boundPort = options.port ?? 0;
  }

  static async start(options: FaultProxyOptions): Promise<FaultProxy> {
    const proxy = new FaultProxy(options);
    await proxy.listen();
    return proxy;
  }

  get host(): string {
    return this.options.host ?? "127.0.0.1";
  }

  get port(): number {
    return this.boundPort;
  }

  /** Open connections through the proxy. */
  get connectionCount(): number {
    return this.connections.size;
  }

  /** `url` with its host and port replaced by the proxy's, e.g. a REDIS_URL or DATABASE_URL. */
  url(url: string): string {
    const through = new URL(url);
    through.hostname = this.host;
    through.port = String(this.port);
    return through.toString();
  }

  /** Delays every chunk in both directions by `ms` plus up to `jitterMs`, keeping order. */
  setLatency(ms: number, jitterMs = 0): void {
    this.latencyMs = ms;
    this.jitterMs = jitterMs;
  }

  /** Holds all traffic (connections stay open) until `resume()`, which delivers it. */
  pause(): void {
    this.isPaused = true;
  }

  resume(): void {
    this.isPaused = false;
    for (const connection of this.connections) for (const pipe of connection.pipes) pipe.pump();
  }

  /** Silently discards all traffic from now on, like a network that lost its route. */
  blackhole(): void {
    this.isBlackholed = true;
    for (const connection of this.connections) for (const pipe of connection.pipes) pipe.clear();
  }

  /** Removes latency, pause and blackhole. */
  heal(): void {
    this.isBlackholed = false;
    this.setLatency(0);
    this.resume();
  }

  /** Sends a TCP RST to both ends of every open connection; returns how many there were. */
  resetConnections(): number {
    return this.closeConnections((socket) => socket.resetAndDestroy());
  }

  /** Closes every open connection cleanly (FIN) on both ends; returns how many there were. */
  dropConnections(): number {
    return this.closeConnections((socket) => socket.end(() => socket.destroy()));
  }

  /** Resets every open connection, and every new one until `up()` (see `DownMode`). */
  async down(mode: DownMode = "reset"): Promise<void> {
    this.downMode = mode;
    this.resetConnections();
    if (mode === "refuse") await this.unlisten();
  }

  /** Forwards new connections again, on the same port as before. */
  async up(): Promise<void> {
    this.downMode = null;
    await this.listen();
  }

  private async unlisten(): Promise<void> {
    const server = this.server;
    this.server = undefined;
    if (server) await new Promise<void>((resolve) => server.close(() => resolve()));
  }

  private async listen(): Promise<void> {
    if (this.server) return;
    const server = createServer((client) => this.accept(client));
    await new Promise<void>((resolve, reject) => {
      server.once("error", reject);
      server.listen(this.boundPort, this.host, () => {
        server.off("error", reject);
        resolve();
      });
    });
    this.boundPort = (server.address() as { port: number }).port;
    this.server = server;
  }

  async close(): Promise<void> {
    this.resetConnections();
    await this.unlisten();
  }

  private accept(client: Socket): void {
    if (this.downMode !== null) {
      client.resetAndDestroy();
      return;
    }
    const upstream = netConnect(this.options.target.port, this.options.target.host);
    const connection: Connection = {
      client,
      upstream,
      pipes: [new Pipe(this, upstream), new Pipe(this, client)],
    };
    const [toUpstream, toClient] = connection.pipes;
    this.connections.add(connection);
    client.setNoDelay(true);
    upstream.setNoDelay(true);
    client.on("data", (data: Buffer) => toUpstream.push(data));
    upstream.on("data", (data: Buffer) => toClient.push(data));
    client.on("end", () => toUpstream.end());
    upstream.on("end", () => toClient.end());
    const teardown = () => {
      if (!this.connections.delete(connection)) return;
      for (const pipe of connection.pipes) pipe.clear();
      // A peer that vanished looks the same from the other side: reset, not a clean close.
      if (!client.destroyed) client.resetAndDestroy();
      if (!upstream.destroyed) upstream.resetAndDestroy();
    };
    for (const socket of [client, upstream]) {
      socket.on("error", teardown);
      socket.on("close", (hadError) => {
        if (hadError || (client.destroyed && upstream.destroyed)) teardown();
      });
    }
  }

  private closeConnections(close: (socket: Socket) => void): number {
    const count = this.connections.size;
    for (const connection of [...this.connections]) {
      this.connections.delete(connection);
      for (const pipe of connection.pipes) pipe.clear();
      close(connection.client);
      close(connection.upstream);
    }
    return count;
  }
}
