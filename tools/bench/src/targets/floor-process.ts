import { fileURLToPath } from "node:url";
import { AppProcess, freePort } from "@orderhook/testing";
import { healthy } from "./healthy";
import { KEEP_LINES } from "./orderhook-apps";

const FLOOR_SERVER = fileURLToPath(new URL("./floor-server.ts", import.meta.url));

/** The bare-Hono floor (`floor-server.ts`) on a free loopback port, ready when /healthz answers. */
export async function startFloor(nodeArgs: string[] = []): Promise<{ server: AppProcess; origin: string }> {
  const port = await freePort();
  const origin = `http://127.0.0.1:${port}`;
  const server = await AppProcess.start({
    entry: FLOOR_SERVER,
    env: { PORT: String(port) },
    nodeArgs,
    readyWhen: () => healthy(origin),
    maxLines: KEEP_LINES,
  });
  return { server, origin };
}
