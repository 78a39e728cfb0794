/**
 * One load measurement: autocannon at a fixed connection count for a fixed duration, with every
 * response time recorded so percentiles (p50/p95/p99) are exact rather than bucketed.
 */
import autocannon from "autocannon";

export interface Scenario {
  /** Short name used in the report, e.g. `storefront health`. */
  name: string;
  method?: "GET" | "POST" | "PUT" | "PATCH" | "DELETE";
  path: string;
  headers?: Record<string, string>;
  body?: string;
  /** Status every response must have (or one of these); others are counted as errors. */
  expectStatus?: number | number[];
  /** Connection counts for this scenario, when not the run's (slow routes run at fewer). */
  connections?: number[];
  /** Each request's path instead of `path` (requests that must all differ, e.g. cold searches). */
  nextPath?: () => string;
}

export interface Measurement {
  scenario: string;
  connections: number;
  durationSeconds: number;
  requests: number;
  errors: number;
  unexpectedStatus: number;
  requestsPerSecond: number;
  latencyMs: { p50: number; p95: number; p99: number; max: number };
  /** Responses per HTTP status. */
  statusCounts: Record<string, number>;
  /** Per status, seconds from the start of the measurement to the last response with it. */
  lastResponseAtSeconds: Record<string, number>;
}

function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return Number.NaN;
  const index = Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1);
  return sorted[Math.max(0, index)] ?? Number.NaN;
}

/** Drives `scenario` against `origin` with `connections` for `durationSeconds`. */
export async function measure(
  origin: string,
  scenario: Scenario,
  connections: number,
  durationSeconds: number,
): Promise<Measurement> {
  const latencies: number[] = [];
  let unexpectedStatus = 0;
  const expected = [scenario.expectStatus ?? 200].flat();
  const statusCounts: Record<string, number> = {};
  const lastResponseAtSeconds: Record<string, number> = {};
  const started = performance.now();
  const result = await new Promise<autocannon.Result>((resolve, reject) => {
    const instance = autocannon(
      {
        url: `${origin}${scenario.path}`,
        method: scenario.method ?? "GET",
        headers: scenario.headers,
        body: scenario.body,
        connections,
        duration: durationSeconds,
        ...(scenario.nextPath
          ? { requests: [{ setupRequest: (req) => ({ ...req, path: scenario.nextPath?.() ?? scenario.path }) }] }
          : {}),
      },
      (err, done) => (err ? reject(err) : resolve(done)),
    );
    instance.on("response", (_client, statusCode, _bytes, responseTime) => {
      latencies.push(responseTime);
      if (!expected.includes(statusCode)) unexpectedStatus++;
      statusCounts[statusCode] = (statusCounts[statusCode] ?? 0) + 1;
      lastResponseAtSeconds[statusCode] = (performance.now() - started) / 1000;
    });
  });
  latencies.sort((a, b) => a - b);
  const round = (n: number) => Math.round(n * 100) / 100;
  return {
    scenario: scenario.name,
    connections,
    durationSeconds,
    requests: latencies.length,
    errors: result.errors + result.timeouts,
    unexpectedStatus,
    requestsPerSecond: round(latencies.length / durationSeconds),
    latencyMs: {
      p50: round(percentile(latencies, 50)),
      p95: round(percentile(latencies, 95)),
      p99: round(percentile(latencies, 99)),
      max: round(latencies.at(-1) ?? Number.NaN),
    },
    statusCounts,
    lastResponseAtSeconds: Object.fromEntries(Object.entries(lastResponseAtSeconds).map(([k, v]) => [k, round(v)])),
  };
}
