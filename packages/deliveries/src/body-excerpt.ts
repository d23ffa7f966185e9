/** How much of a body the log keeps. */
export const BODY_EXCERPT_BYTES = 4096;

const REDACTED = "[token]";

/**
 * The first 4 KiB of a body as text, for the log. The webhook's token rides in the URL path, but
 * a sender may paste the whole URL into the message too: every occurrence of it is replaced
 * before anything is cut, so no prefix of it survives at the edge of the excerpt.
 * `text` is the body already decoded, when the caller has it.
 */
export function bodyExcerpt(body: Buffer, token: string, text?: string): string {
  const whole = body.length <= BODY_EXCERPT_BYTES;
  // Decode a little past the cut so a token straddling it is still found whole.
  let excerpt =
    text !== undefined && whole
      ? text
      : body.subarray(0, whole ? body.length : BODY_EXCERPT_BYTES + token.length).toString("utf8");
  if (token.length > 0 && excerpt.includes(token)) excerpt = excerpt.replaceAll(token, REDACTED);
  if (whole || Buffer.byteLength(excerpt) <= BODY_EXCERPT_BYTES) return excerpt;
  // A character cut in two decodes to U+FFFD; drop it rather than show a broken one.
  return Buffer.from(excerpt)
    .subarray(0, BODY_EXCERPT_BYTES)
    .toString("utf8")
    .replace(/\uFFFD$/, "");
}
