/**
 * The table `npm run bench` prints at the end: one line per route and connection count with its
 * req/s, p50/p99 and throughput as a ratio of the hello-world ceiling of the same run, so a run's
 * figures can be read (and compared with another run's ratios) without opening the JSON file.
 */
import type { Measurement } from "./load.ts";

export type RatedMeasurement = Measurement & { ratioToCeiling: number };

/** Right-aligned columns after a left-aligned scenario name. */
export function summaryTable(results: readonly RatedMeasurement[]): string {
  const header = ["conn", "route", "req/s", "p50 ms", "p99 ms", "x hello", "errors"];
  const rows = results.map((m) => [
    String(m.connections),
    m.scenario,
    String(m.requestsPerSecond),
    String(m.latencyMs.p50),
    String(m.latencyMs.p99),
    Number.isFinite(m.ratioToCeiling) ? m.ratioToCeiling.toFixed(3) : "-",
    String(m.errors + m.unexpectedStatus),
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => [...(r[i] ?? "")].length)));
  const line = (cells: string[]) =>
    cells
      .map((cell, i) => {
        const pad = " ".repeat((widths[i] ?? 0) - [...cell].length);
        return i === 1 ? cell + pad : pad + cell;
      })
      .join("  ");
  const rule = widths.map((w) => "-".repeat(w)).join("  ");
  return [line(header), rule, ...rows.map(line)].join("\n");
}
