/**
 * Counts the calls an object serves per wall-clock second and remembers its busiest second, in
 * memory (an eviction starts it over): the measured per-object load that sizes how many bucket
 * objects a flash sale needs (docs/flash-sales.md).
 */
import type { CallStats } from "./flash-sale-protocol";

export class CallMeter {
  private second = 0;
  private inSecond = 0;
  private total = 0;
  private busiest: { second: number; calls: number } | null = null;

  constructor(private readonly name: () => string) {}

  tick(now: number = Date.now()): void {
    const second = Math.floor(now / 1000);
    if (second !== this.second) {
      this.second = second;
      this.inSecond = 0;
    }
    this.inSecond += 1;
    this.total += 1;
    if (!this.busiest || this.inSecond > this.busiest.calls) this.busiest = { second, calls: this.inSecond };
  }

  stats(): CallStats {
    return {
      name: this.name(),
      calls: this.total,
      busiestSecond: this.busiest
        ? { at: new Date(this.busiest.second * 1000).toISOString(), calls: this.busiest.calls }
        : null,
    };
  }
}
