/**
 * The load test's HTML report: one self-contained file (inline SVG, no scripts or CDN) with the
 * latency over time and the throughput of each step, the error rates, and the invariants checked
 * at the end.
 */

export interface Sample {
  step: string;
  /** Seconds since the run started. */
  at: number;
  ms: number;
  ok: boolean;
  failure?: string;
}

export interface Invariant {
  name: string;
  ok: boolean;
  detail: string;
}

export interface StepSummary {
  step: string;
  requests: number;
  errors: number;
  perSecond: number;
  p50: number;
  p95: number;
  p99: number;
  failures: Record<string, number>;
}

const COLOURS = ["#2563eb", "#dc2626", "#16a34a", "#9333ea", "#ea580c", "#0891b2", "#ca8a04", "#db2777"];

function quantile(sorted: number[], q: number): number {
  if (sorted.length === 0) return 0;
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))] ?? 0;
}

/** Per step: requests, errors, rate and latency percentiles over the run. */
export function summarize(samples: Sample[], durationSeconds: number): StepSummary[] {
  const steps = [...new Set(samples.map((s) => s.step))].sort();
  return steps.map((step) => {
    const mine = samples.filter((s) => s.step === step);
    const ms = mine.map((s) => s.ms).sort((a, b) => a - b);
    const failures: Record<string, number> = {};
    for (const s of mine) if (!s.ok) failures[s.failure ?? "error"] = (failures[s.failure ?? "error"] ?? 0) + 1;
    return {
      step,
      requests: mine.length,
      errors: mine.filter((s) => !s.ok).length,
      perSecond: mine.length / durationSeconds,
      p50: quantile(ms, 0.5),
      p95: quantile(ms, 0.95),
      p99: quantile(ms, 0.99),
      failures,
    };
  });
}

const html = (s: string) =>
  s.replace(/[&<>"]/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;" })[c] ?? c);

/** A line chart of `series` (x = bucket start in s, y = value) as inline SVG. */
function lineChart(title: string, unit: string, series: { name: string; points: [number, number][] }[]): string {
  const width = 720;
  const height = 260;
  const pad = { left: 56, right: 150, top: 28, bottom: 32 };
  const xs = series.flatMap((s) => s.points.map((p) => p[0]));
  const ys = series.flatMap((s) => s.points.map((p) => p[1]));
  const xMax = Math.max(1, ...xs);
  const yMax = Math.max(1, ...ys) * 1.1;
  const x = (v: number) => pad.left + (v / xMax) * (width - pad.left - pad.right);
  const y = (v: number) => height - pad.bottom - (v / yMax) * (height - pad.top - pad.bottom);
  const grid = [0, 0.25, 0.5, 0.75, 1]
    .map((f) => {
      const v = yMax * f;
      return `<line x1="${pad.left}" x2="${width - pad.right}" y1="${y(v)}" y2="${y(v)}" stroke="#e5e7eb"/><text x="${pad.left - 6}" y="${y(v) + 4}" text-anchor="end" font-size="11">${v < 10 ? v.toFixed(1) : Math.round(v)}</text>`;
    })
    .join("");
  const lines = series
    .map((s, i) => {
      const colour = COLOURS[i % COLOURS.length];
      const d = s.points.map((p, j) => `${j === 0 ? "M" : "L"}${x(p[0]).toFixed(1)},${y(p[1]).toFixed(1)}`).join(" ");
      return `<path d="${d}" fill="none" stroke="${colour}" stroke-width="2"/><text x="${width - pad.right + 8}" y="${pad.top + 14 * i + 10}" font-size="12" fill="${colour}">${html(s.name)}</text>`;
    })
    .join("");
  return `<figure><figcaption>${html(title)}</figcaption><svg viewBox="0 0 ${width} ${height}" width="${width}" height="${height}" role="img">${grid}${lines}<text x="${pad.left}" y="${height - 8}" font-size="11">seconds into the run</text><text x="8" y="${pad.top - 10}" font-size="11">${html(unit)}</text></svg></figure>`;
}

/** Per step, per time bucket: p95 latency and requests per second. */
function overTime(samples: Sample[], bucketSeconds: number) {
  const steps = [...new Set(samples.map((s) => s.step))].sort();
  const latency: { name: string; points: [number, number][] }[] = [];
  const throughput: { name: string; points: [number, number][] }[] = [];
  for (const step of steps) {
    const buckets = new Map<number, number[]>();
    for (const s of samples) {
      if (s.step !== step) continue;
      const b = Math.floor(s.at / bucketSeconds) * bucketSeconds;
      buckets.set(b, [...(buckets.get(b) ?? []), s.ms]);
    }
    const keys = [...buckets.keys()].sort((a, b) => a - b);
    latency.push({
      name: step,
      points: keys.map((k) => [
        k,
        quantile(
          (buckets.get(k) ?? []).sort((a, b) => a - b),
          0.95,
        ),
      ]),
    });
    throughput.push({ name: step, points: keys.map((k) => [k, (buckets.get(k)?.length ?? 0) / bucketSeconds]) });
  }
  return { latency, throughput };
}

/** The whole report page. */
export function renderReport(input: {
  startedAt: string;
  config: object;
  durationSeconds: number;
  bucketSeconds: number;
  samples: Sample[];
  invariants: Invariant[];
}): string {
  const summary = summarize(input.samples, input.durationSeconds);
  const { latency, throughput } = overTime(input.samples, input.bucketSeconds);
  const total = input.samples.length;
  const errors = input.samples.filter((s) => !s.ok).length;
  const rows = summary
    .map(
      (s) =>
        `<tr><td>${html(s.step)}</td><td>${s.requests}</td><td>${s.perSecond.toFixed(1)}</td><td>${s.p50.toFixed(0)}</td><td>${s.p95.toFixed(0)}</td><td>${s.p99.toFixed(0)}</td><td class="${s.errors ? "bad" : ""}">${s.errors} (${((100 * s.errors) / Math.max(1, s.requests)).toFixed(2)} %)</td><td>${html(
          Object.entries(s.failures)
            .map(([k, n]) => `${k} ×${n}`)
            .join(", "),
        )}</td></tr>`,
    )
    .join("");
  const checks = input.invariants
    .map(
      (i) =>
        `<tr><td>${html(i.name)}</td><td class="${i.ok ? "good" : "bad"}">${i.ok ? "holds" : "BROKEN"}</td><td>${html(i.detail)}</td></tr>`,
    )
    .join("");
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Load test ${html(input.startedAt)}</title>
<style>body{font-family:system-ui,sans-serif;margin:24px;color:#111}table{border-collapse:collapse;margin:8px 0 24px}td,th{border:1px solid #d1d5db;padding:4px 10px;text-align:right}td:first-child,th:first-child,td:last-child{text-align:left}.bad{color:#b91c1c;font-weight:600}.good{color:#15803d;font-weight:600}figure{margin:0 0 24px}figcaption{font-weight:600;margin-bottom:4px}pre{background:#f3f4f6;padding:8px}</style></head><body>
<h1>Full-chain load test</h1>
<p>Started ${html(input.startedAt)}, ${input.durationSeconds} s; ${total} requests, ${(total / input.durationSeconds).toFixed(1)} req/s, ${errors} errors (${((100 * errors) / Math.max(1, total)).toFixed(2)} %).</p>
<h2>Invariants at the end</h2><table><tr><th>invariant</th><th>result</th><th>detail</th></tr>${checks}</table>
<h2>Per step</h2><table><tr><th>step</th><th>requests</th><th>req/s</th><th>p50 ms</th><th>p95 ms</th><th>p99 ms</th><th>errors</th><th>failures</th></tr>${rows}</table>
${lineChart(`p95 latency per step, per ${input.bucketSeconds} s`, "ms", latency)}
${lineChart(`Throughput per step, per ${input.bucketSeconds} s`, "req/s", throughput)}
<h2>Configuration</h2><pre>${html(JSON.stringify(input.config, null, 2))}</pre>
</body></html>`;
}
