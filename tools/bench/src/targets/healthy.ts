/** True once GET `/healthz` on `origin` answers 2xx (a bench target server is listening). */
export async function healthy(origin: string): Promise<boolean> {
  const res = await fetch(`${origin}/healthz`, { signal: AbortSignal.timeout(1_000) });
  await res.arrayBuffer();
  return res.ok;
}
