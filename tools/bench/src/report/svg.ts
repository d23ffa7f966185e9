/** Text for an SVG element or attribute: the three characters XML gives a meaning. */
export const escapeXml = (s: string) => s.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;");
