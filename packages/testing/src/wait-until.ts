/** Polls until `check` returns a value other than undefined; throws with `describe()` on timeout. */
export async function waitUntil<T>(
  check: () => Promise<T | undefined>,
  describe: () => Promise<string> | string,
  timeoutMs = 20_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting: ${await describe()}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}
