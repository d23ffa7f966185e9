import { SENDER_TIMEOUT_MS } from "../load/burst-release";
import { escapeXml } from "./svg";

export interface BurstSeries {
  label: string;
  color: string;
  /** Stroke pattern (SVG `stroke-dasharray`), e.g. to tell burst sizes apart; solid when absent. */
  dash?: string | undefined;
  /** `percentMs[k]`: ms from the release by which k % of the burst had its answer (k = 0…100). */
  percentMs: number[];
}

/**
 * The share of a burst answered against the time since its release, one line per target and
 * size, with TradingView's 3 s cancel marked: a line that reaches 100 % left of it is a burst
 * every sender saw acknowledged.
 */
export function burstChart(title: string, series: BurstSeries[]): string {
  const width = 760;
  const height = 400;
  const left = 56;
  const right = 20;
  const top = 48;
  const bottom = 88;
  const plotW = width - left - right;
  const plotH = height - top - bottom;
  const slowest = Math.max(0, ...series.flatMap((s) => s.percentMs));
  const maxS = niceCeil(Math.max(slowest, SENDER_TIMEOUT_MS * 1.1) / 1000);
  const x = (ms: number) => left + (ms / 1000 / maxS) * plotW;
  const y = (percent: number) => top + plotH - (percent / 100) * plotH;

  const out: string[] = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="system-ui, sans-serif" font-size="12">`,
    `<rect width="${width}" height="${height}" fill="#fff"/>`,
    `<text x="${width / 2}" y="22" text-anchor="middle" font-size="15" font-weight="600">${escapeXml(title)}</text>`,
  ];
  for (let p = 0; p <= 100; p += 25) {
    out.push(
      `<line x1="${left}" x2="${width - right}" y1="${y(p)}" y2="${y(p)}" stroke="#ddd"/>`,
      `<text x="${left - 6}" y="${y(p) + 4}" text-anchor="end" fill="#555">${p} %</text>`,
    );
  }
  const step = maxS <= 4 ? 0.5 : maxS <= 10 ? 1 : Math.ceil(maxS / 10);
  for (let s = 0; s <= maxS + 1e-9; s += step) {
    out.push(
      `<line x1="${x(s * 1000)}" x2="${x(s * 1000)}" y1="${top}" y2="${top + plotH}" stroke="#eee"/>`,
      `<text x="${x(s * 1000)}" y="${top + plotH + 16}" text-anchor="middle" fill="#555">${Number(s.toFixed(1))} s</text>`,
    );
  }
  const cancel = x(SENDER_TIMEOUT_MS);
  out.push(
    `<line x1="${cancel}" x2="${cancel}" y1="${top}" y2="${top + plotH}" stroke="#dc2626" stroke-dasharray="5 4"/>`,
    `<text x="${cancel + 4}" y="${top + 12}" fill="#dc2626">TradingView cancels (3 s)</text>`,
    `<text x="${left + plotW / 2}" y="${top + plotH + 34}" text-anchor="middle" fill="#333">time since the release</text>`,
  );
  for (const s of series) {
    const points = [
      `${x(0).toFixed(1)},${y(0).toFixed(1)}`,
      `${x(s.percentMs[0] ?? 0).toFixed(1)},${y(0).toFixed(1)}`,
    ];
    for (const [k, ms] of s.percentMs.entries()) points.push(`${x(ms).toFixed(1)},${y(k).toFixed(1)}`);
    out.push(
      `<polyline fill="none" stroke="${s.color}" stroke-width="2"${s.dash ? ` stroke-dasharray="${s.dash}"` : ""} points="${points.join(" ")}"><title>${escapeXml(s.label)}</title></polyline>`,
    );
  }
  out.push(
    `<line x1="${left}" x2="${width - right}" y1="${top + plotH}" y2="${top + plotH}" stroke="#333"/>`,
    `<line x1="${left}" x2="${left}" y1="${top}" y2="${top + plotH}" stroke="#333"/>`,
  );
  series.forEach((s, i) => {
    const lx = left + (i % 2) * (plotW / 2);
    const ly = height - 30 + Math.floor(i / 2) * 16 - Math.floor((series.length - 1) / 2) * 8;
    out.push(
      `<line x1="${lx}" x2="${lx + 24}" y1="${ly - 4}" y2="${ly - 4}" stroke="${s.color}" stroke-width="2"${s.dash ? ` stroke-dasharray="${s.dash}"` : ""}/>`,
      `<text x="${lx + 30}" y="${ly}">${escapeXml(s.label)}</text>`,
    );
  });
  out.push("</svg>");
  return `${out.join("\n")}\n`;
}

/** The next of 1, 2, 2.5, 5 × 10^n at or above `v`: a round end for the time axis. */
function niceCeil(v: number): number {
  const base = 10 ** Math.floor(Math.log10(v));
  for (const m of [1, 2, 2.5, 5, 10]) if (m * base >= v) return m * base;
  return 10 * base;
}
