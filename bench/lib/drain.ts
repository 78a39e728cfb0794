/**
 * Waits until the platform has drained what the last scenario left behind. When the load generator
 * stops (or gives up on a request at its timeout), the requests it sent keep running in the Workers
 * and their D1 queries stay queued; measuring the next scenario at once would count that backlog as
 * its latency (at 64 connections after the cold searches: seconds). So before each scenario a probe
 * that reads D1 is sent one at a time until a few answer quickly in a row.
 */

const FAST_MS = 150;
const IN_A_ROW = 3;
const GIVE_UP_MS = 60_000;

/** Resolves once `path` answers within FAST_MS three times in a row; the seconds it waited (0 when quiet). */
export async function drained(origin: string, path: string): Promise<number> {
  const started = performance.now();
  let fast = 0;
  while (fast < IN_A_ROW && performance.now() - started < GIVE_UP_MS) {
    const sent = performance.now();
    const res = await fetch(`${origin}${path}`).catch(() => null);
    await res?.arrayBuffer();
    fast = res && performance.now() - sent < FAST_MS ? fast + 1 : 0;
    if (fast === 0) await new Promise((r) => setTimeout(r, 100));
  }
  return Math.round((performance.now() - started) / 100) / 10;
}
