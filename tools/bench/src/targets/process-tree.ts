import { readdirSync, readFileSync } from "node:fs";

function parentOf(pid: number): number | null {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    return Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[1]);
  } catch {
    return null;
  }
}

/**
 * A CPU source (see process-cpu.ts) for a process and every process below it, looked up again
 * at each reading: a receiver's supervisor and its WEB_CONCURRENCY children, a replaced child
 * included. A child that exited between two readings takes its CPU time with it.
 */
export function processTree(root: number | undefined): () => number[] {
  return () => {
    if (root === undefined) return [];
    const byParent = new Map<number, number[]>();
    for (const entry of readdirSync("/proc")) {
      if (!/^\d+$/.test(entry)) continue;
      const parent = parentOf(Number(entry));
      if (parent !== null) byParent.set(parent, [...(byParent.get(parent) ?? []), Number(entry)]);
    }
    const tree = [root];
    for (let i = 0; i < tree.length; i += 1) tree.push(...(byParent.get(tree[i]!) ?? []));
    return tree;
  };
}
