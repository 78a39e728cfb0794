/**
 * The peak simulation's core (bench/capacity/sim-core.ts) against queueing theory, seeded so it
 * is deterministic: a single server with Poisson arrivals waits what M/M/1 and M/D/1 predict.
 */
import { describe, expect, it } from "vitest";
import { Calendar, exponential, quantile, seededRandom, singleQueueMeanWait } from "../../bench/capacity/sim-core";

describe("the simulation core", () => {
  it("M/M/1 at ρ = 0.7: the mean wait is ρ/(μ−λ) within 5 %", () => {
    // μ = 1 job/ms, λ = 0.7/ms: Wq = 0.7 / (1 − 0.7) = 2.333 ms.
    const { meanWaitMs, utilization } = singleQueueMeanWait({
      lambda: 0.7,
      service: (random) => exponential(random, 1),
      customers: 200_000,
      seed: 20,
    });
    expect(Math.abs(meanWaitMs - 0.7 / 0.3) / (0.7 / 0.3)).toBeLessThan(0.05);
    expect(utilization).toBeGreaterThan(0.68);
    expect(utilization).toBeLessThan(0.72);
  });

  it("M/D/1 at ρ = 0.7: the mean wait is half of M/M/1's (Pollaczek-Khinchine) within 5 %", () => {
    const { meanWaitMs } = singleQueueMeanWait({ lambda: 0.7, service: () => 1, customers: 200_000, seed: 21 });
    const expected = 0.7 / (2 * 0.3);
    expect(Math.abs(meanWaitMs - expected) / expected).toBeLessThan(0.05);
  });

  it("is deterministic for a seed, and the calendar runs events in time order", () => {
    const run = (seed: number) =>
      singleQueueMeanWait({ lambda: 0.5, service: (r) => exponential(r, 1), customers: 5_000, seed }).meanWaitMs;
    expect(run(7)).toBe(run(7));
    expect(run(7)).not.toBe(run(8));

    const calendar = new Calendar();
    const order: number[] = [];
    const random = seededRandom(3);
    const times = Array.from({ length: 1000 }, () => random() * 100);
    for (const t of times) calendar.at(t, () => order.push(calendar.now));
    calendar.run(Number.POSITIVE_INFINITY);
    expect(order).toEqual([...times].sort((a, b) => a - b));
    expect(quantile([5, 1, 4, 2, 3], 0.5)).toBe(3);
    expect(quantile([5, 1, 4, 2, 3], 0.99)).toBe(5);
  });
});
