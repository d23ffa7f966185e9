/**
 * The token in what a user pasted: a webhook URL (`https://…/v1/webhooks/oh_…`, with or without a
 * query or fragment) or the bare token, surrounding spaces and quotes ignored. Whether it is a
 * well-formed token is for the caller to check.
 */
export function parseTokenInput(input: string): string {
  const text = input.trim().replace(/^["'<]+|["'>]+$/g, "");
  const marker = "/v1/webhooks/";
  const at = text.indexOf(marker);
  if (at === -1) return text;
  const rest = text.slice(at + marker.length);
  const end = rest.search(/[/?#\s]/);
  const segment = end === -1 ? rest : rest.slice(0, end);
  try {
    return decodeURIComponent(segment);
  } catch {
    return segment;
  }
}
