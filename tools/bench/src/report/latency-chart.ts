import type { LatencySummary } from "../load/latency-recorder";
import { escapeXml } from "./svg";

export interface ChartSeries {
  label: string;
  color: string;
  latency: LatencySummary;
}

const PERCENTILES = [
  ["p50", "p50"],
  ["p90", "p90"],
  ["p99", "p99"],
  ["p999", "p99.9"],
] as const;

/**
 * Grouped bars of ack-latency percentiles on a log scale (the old design sits orders of
 * magnitude above the others, which a linear axis would flatten to nothing).
 */
export function latencyChart(title: string, series: ChartSeries[]): string {
  const width = 760;
  const height = 380;
  const left = 72;
  const right = 16;
  const top = 48;
  const bottom = 64;
  const plotW = width - left - right;
  const plotH = height - top - bottom;
  const values = series.flatMap((s) => PERCENTILES.map(([k]) => s.latency[k])).filter((v) => v > 0);
  const minExp = Math.floor(Math.log10(Math.min(0.1, ...values)));
  const maxExp = Math.ceil(Math.log10(Math.max(1, ...values)));
  const y = (ms: number) =>
    top + plotH - ((Math.log10(Math.max(ms, 10 ** minExp)) - minExp) / (maxExp - minExp)) * plotH;

  const out: string[] = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="system-ui, sans-serif" font-size="12">`,
    `<rect width="${width}" height="${height}" fill="#fff"/>`,
    `<text x="${width / 2}" y="22" text-anchor="middle" font-size="15" font-weight="600">${escapeXml(title)}</text>`,
  ];
  for (let e = minExp; e <= maxExp; e++) {
    const v = 10 ** e;
    out.push(
      `<line x1="${left}" x2="${width - right}" y1="${y(v)}" y2="${y(v)}" stroke="#ddd"/>`,
      `<text x="${left - 6}" y="${y(v) + 4}" text-anchor="end" fill="#555">${axisLabel(v, e)}</text>`,
    );
  }
  const groupW = plotW / PERCENTILES.length;
  const barW = Math.min(36, (groupW * 0.8) / Math.max(1, series.length));
  PERCENTILES.forEach(([key, label], g) => {
    const x0 = left + g * groupW + (groupW - barW * series.length) / 2;
    series.forEach((s, i) => {
      const v = s.latency[key];
      const x = x0 + i * barW;
      const yTop = y(v);
      out.push(
        `<rect x="${x.toFixed(1)}" y="${yTop.toFixed(1)}" width="${(barW - 2).toFixed(1)}" height="${(top + plotH - yTop).toFixed(1)}" fill="${s.color}"><title>${escapeXml(s.label)} ${label}: ${v} ms</title></rect>`,
        `<text x="${(x + barW / 2 - 1).toFixed(1)}" y="${(yTop - 3).toFixed(1)}" text-anchor="middle" font-size="9" fill="#333">${v >= 10 ? v.toFixed(0) : v.toFixed(1)}</text>`,
      );
    });
    out.push(
      `<text x="${left + g * groupW + groupW / 2}" y="${top + plotH + 18}" text-anchor="middle" font-weight="600">${label}</text>`,
    );
  });
  out.push(
    `<line x1="${left}" x2="${width - right}" y1="${top + plotH}" y2="${top + plotH}" stroke="#333"/>`,
  );
  let lx = left;
  for (const s of series) {
    out.push(
      `<rect x="${lx}" y="${height - 24}" width="12" height="12" fill="${s.color}"/>`,
      `<text x="${lx + 16}" y="${height - 14}">${escapeXml(s.label)}</text>`,
    );
    lx += 28 + s.label.length * 6.5;
  }
  out.push("</svg>");
  return `${out.join("\n")}\n`;
}

function axisLabel(ms: number, exponent: number): string {
  if (ms >= 1000) return `${ms / 1000} s`;
  return `${ms >= 1 ? ms : ms.toFixed(-exponent)} ms`;
}
