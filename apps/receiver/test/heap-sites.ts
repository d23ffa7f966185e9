/**
 * Where a sampling heap profile's bytes were allocated (`receiver-heap.ts --sites`): each
 * sample's bytes by the function that allocated them, and by the nearest frame of orderhook's
 * own code on its stack (the call that led a library or Node's internals to allocate). Frames of
 * the bundle are named by its source map (`src/…:line`).
 */
import { readFileSync } from "node:fs";
import { SourceMap } from "node:module";
import { fileURLToPath } from "node:url";

interface CallFrame {
  functionName: string;
  url: string;
  lineNumber: number;
  columnNumber: number;
}
interface ProfileNode {
  callFrame: CallFrame;
  selfSize: number;
  children: ProfileNode[];
}
export interface SamplingHeapProfile {
  head: ProfileNode;
}

const maps = new Map<string, SourceMap | null>();
function sourceMapOf(url: string): SourceMap | null {
  let map = maps.get(url);
  if (map === undefined) {
    try {
      map = new SourceMap(JSON.parse(readFileSync(`${fileURLToPath(url)}.map`, "utf8")));
    } catch {
      map = null;
    }
    maps.set(url, map);
  }
  return map;
}

/** `name src/file.ts:line` for a bundled frame, `name file:line` for any other. */
function nameOf(frame: CallFrame): { name: string; own: boolean } {
  const functionName = frame.functionName || "(anonymous)";
  const map = frame.url.startsWith("file:") ? sourceMapOf(frame.url) : null;
  const entry = map?.findEntry(frame.lineNumber, frame.columnNumber);
  if (entry !== undefined && "originalSource" in entry) {
    const source = entry.originalSource.replace(/^.*?\/(apps|packages)\//, "$1/");
    return { name: `${functionName} ${source}:${entry.originalLine + 1}`, own: true };
  }
  const file = frame.url.replace(/^.*\/node_modules\/(\.pnpm\/[^/]+\/node_modules\/)?/, "");
  return { name: file ? `${functionName} ${file}:${frame.lineNumber + 1}` : functionName, own: false };
}

function add(totals: Map<string, number>, key: string, bytes: number): void {
  totals.set(key, (totals.get(key) ?? 0) + bytes);
}

/** Tables of bytes per alert (÷ `alerts`), the `top` largest sites of each. */
export function allocationSites(profile: SamplingHeapProfile, alerts: number, top: number): string {
  const self = new Map<string, number>();
  const byOwn = new Map<string, number>();
  let total = 0;
  const walk = (node: ProfileNode, own: string) => {
    const { name, own: isOwn } = nameOf(node.callFrame);
    const nearest = isOwn ? name : own;
    if (node.selfSize > 0) {
      total += node.selfSize;
      add(self, name, node.selfSize);
      add(byOwn, nearest, node.selfSize);
    }
    for (const child of node.children) walk(child, nearest);
  };
  walk(profile.head, "(no orderhook frame)");
  const table = (title: string, totals: Map<string, number>) =>
    [
      title,
      ...[...totals]
        .sort((a, b) => b[1] - a[1])
        .slice(0, top)
        .map(
          ([name, bytes]) =>
            `${Math.round(bytes / alerts)
              .toString()
              .padStart(8)}  ${name}`,
        ),
    ].join("\n");
  return [
    `sampled: ${Math.round(total / alerts).toLocaleString("en-US")} bytes per alert`,
    table("bytes per alert, by the allocating function:", self),
    table("bytes per alert, by the nearest orderhook frame:", byOwn),
  ].join("\n\n");
}
