/** A ready-to-paste request that places one paper order through the webhook. */
export function curlExample(url: string): string {
  const body = JSON.stringify({ ticker: "AAPL", action: "buy", quantity: 1 });
  return `curl -sS -X POST '${url}' -H 'Content-Type: application/json' -d '${body}'`;
}
