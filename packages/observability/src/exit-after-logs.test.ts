import { spawn } from "node:child_process";
import { once } from "node:events";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";

const FIXTURE = fileURLToPath(new URL("./exit-after-logs.fixture.ts", import.meta.url));

describe("exitAfterLogs", () => {
  it("exits with the code once every line is out, the last one last, even behind a slow reader", async () => {
    const lines = 20_000;
    const child = spawn(process.execPath, ["--import", "tsx", FIXTURE, String(lines)], {
      stdio: ["ignore", "pipe", "inherit"],
    });
    // Nobody reads for a while: the pipe fills and the destination has writes pending.
    child.stdout.pause();
    await new Promise((resolve) => setTimeout(resolve, 300));
    const chunks: Buffer[] = [];
    child.stdout.on("data", (chunk: Buffer) => chunks.push(chunk));
    child.stdout.resume();
    const [code] = await once(child, "close");
    const output = Buffer.concat(chunks).toString().trimEnd().split("\n");
    expect(code).toBe(3);
    expect(output).toHaveLength(lines + 1);
    expect(JSON.parse(output.at(-1)!).msg).toBe("stopped");
  });
});
