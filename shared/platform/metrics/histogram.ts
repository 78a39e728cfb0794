/**
 * The latency histogram every route records into: fixed bucket bounds (milliseconds, roughly
 * 1-2-5 per decade), so histograms from any number of isolates and minutes add up bucket by bucket
 * and percentiles are read from the sum. A percentile is the upper bound of the bucket holding that
 * rank: never below the true value, at most one bucket step above it (the price of mergeability).
 */

/** Upper bounds of the buckets, in milliseconds; a last, open bucket holds everything slower. */
export const LATENCY_BOUNDS_MS = [1, 2, 5, 10, 20, 50, 100, 200, 500, 1000, 2000, 5000, 10000, 30000] as const;

/** The index of the bucket a duration falls into (`LATENCY_BOUNDS_MS.length` is the open bucket). */
export function bucketOf(durationMs: number): number {
  const i = LATENCY_BOUNDS_MS.findIndex((bound) => durationMs <= bound);
  return i === -1 ? LATENCY_BOUNDS_MS.length : i;
}

/** The bucket's field name in the rollup (`le_100`, `le_inf`). */
export function bucketField(index: number): string {
  const bound = LATENCY_BOUNDS_MS[index];
  return bound === undefined ? "le_inf" : `le_${bound}`;
}

/** The bucket index a rollup field names, or null when the field is not a bucket. */
export function bucketIndexOfField(field: string): number | null {
  if (field === "le_inf") return LATENCY_BOUNDS_MS.length;
  const match = /^le_(\d+)$/.exec(field);
  if (!match) return null;
  const i = LATENCY_BOUNDS_MS.indexOf(Number(match[1]) as (typeof LATENCY_BOUNDS_MS)[number]);
  return i === -1 ? null : i;
}

/**
 * The `q` quantile (0 < q ≤ 1) of a histogram given as counts per bucket index: the upper bound of
 * the first bucket whose cumulative count reaches `ceil(q × total)`. The open bucket answers the
 * last bound (the histogram cannot say more). Null for an empty histogram.
 */
export function quantileOf(counts: readonly number[], q: number): number | null {
  const total = counts.reduce((sum, n) => sum + n, 0);
  if (total === 0) return null;
  const rank = Math.max(1, Math.ceil(q * total));
  let seen = 0;
  for (let i = 0; i < counts.length; i++) {
    seen += counts[i] ?? 0;
    if (seen >= rank) return LATENCY_BOUNDS_MS[Math.min(i, LATENCY_BOUNDS_MS.length - 1)] ?? null;
  }
  return LATENCY_BOUNDS_MS[LATENCY_BOUNDS_MS.length - 1] ?? null;
}
