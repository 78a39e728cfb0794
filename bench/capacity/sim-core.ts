/**
 * The discrete-event core of the peak simulation (bench/capacity/simulate.ts): a seeded random
 * source, an event calendar, and single-server FIFO queues that record their busy time. Pure
 * TypeScript with no imports, so the workerd test (test/capacity/simulation.test.ts) checks it
 * against queueing theory.
 */

/** Mulberry32: a small, fast, seeded generator; the same seed gives the same run. */
export function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** An exponential variate of the given mean (Poisson arrivals have exponential gaps). */
export function exponential(random: () => number, mean: number): number {
  return -Math.log(1 - random()) * mean;
}

/** A binary min-heap of timed callbacks; ties run in scheduling order. */
export class Calendar {
  now = 0;
  private heap: { at: number; seq: number; run: () => void }[] = [];
  private seq = 0;

  at(time: number, run: () => void): void {
    const item = { at: time, seq: this.seq++, run };
    const h = this.heap;
    h.push(item);
    let i = h.length - 1;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      const p = h[parent];
      if (!p || !before(item, p)) break;
      h[i] = p;
      i = parent;
    }
    h[i] = item;
  }

  after(delay: number, run: () => void): void {
    this.at(this.now + delay, run);
  }

  /** Runs events until the calendar is empty or the next one is after `until`. */
  run(until: number): void {
    const h = this.heap;
    while (h.length > 0) {
      const top = h[0];
      if (!top || top.at > until) break;
      const last = h.pop();
      if (h.length > 0 && last) {
        let i = 0;
        for (;;) {
          const l = 2 * i + 1;
          const r = l + 1;
          let m = i;
          const hm = () => (m === i ? last : (h[m] as typeof last));
          if (l < h.length && before(h[l] as typeof last, hm())) m = l;
          if (r < h.length && before(h[r] as typeof last, hm())) m = r;
          if (m === i) break;
          h[i] = h[m] as typeof last;
          i = m;
        }
        h[i] = last;
      }
      this.now = top.at;
      top.run();
    }
    if (Number.isFinite(until)) this.now = Math.max(this.now, until);
  }
}

function before(a: { at: number; seq: number }, b: { at: number; seq: number }): boolean {
  return a.at < b.at || (a.at === b.at && a.seq < b.seq);
}

/**
 * One server that serves one job at a time in arrival order (a D1 database, a Durable Object, a
 * queue's throughput), recording busy time per window of `windowMs` for utilization over time.
 */
export class Server {
  private busyUntil = 0;
  busyMs = 0;
  served = 0;
  /** Busy milliseconds per window. */
  readonly busyByWindow: number[] = [];

  constructor(
    readonly name: string,
    private readonly calendar: Calendar,
    private readonly windowMs: number,
  ) {}

  /** Queues a job of `serviceMs`; `done(waitMs)` runs when it has been served. */
  serve(serviceMs: number, done: (waitMs: number) => void): void {
    const now = this.calendar.now;
    const start = Math.max(now, this.busyUntil);
    const end = start + serviceMs;
    this.busyUntil = end;
    this.busyMs += serviceMs;
    this.served++;
    this.recordBusy(start, end);
    this.calendar.at(end, () => done(start - now));
  }

  /** How long a job arriving now would wait. */
  backlogMs(): number {
    return Math.max(0, this.busyUntil - this.calendar.now);
  }

  private recordBusy(start: number, end: number): void {
    let t = start;
    while (t < end) {
      const w = Math.floor(t / this.windowMs);
      const windowEnd = (w + 1) * this.windowMs;
      const slice = Math.min(end, windowEnd) - t;
      this.busyByWindow[w] = (this.busyByWindow[w] ?? 0) + slice;
      t += slice;
    }
  }
}

/** The p-quantile (0..1) of `values` (nearest rank). */
export function quantile(values: number[], p: number): number {
  if (values.length === 0) return 0;
  const sorted = Float64Array.from(values).sort();
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(p * sorted.length) - 1))] ?? 0;
}

/**
 * A single queue with Poisson arrivals (rate `lambda`/ms) and a service-time sampler, for
 * `customers` customers: the mean wait in queue. M/M/1's mean wait is ρ/(μ−λ); M/D/1's half that.
 */
export function singleQueueMeanWait(options: {
  lambda: number;
  service: (random: () => number) => number;
  customers: number;
  seed: number;
}): { meanWaitMs: number; utilization: number } {
  const random = seededRandom(options.seed);
  const calendar = new Calendar();
  const server = new Server("queue", calendar, 1000);
  let waited = 0;
  let served = 0;
  let t = 0;
  for (let i = 0; i < options.customers; i++) {
    t += exponential(random, 1 / options.lambda);
    const service = options.service(random);
    calendar.at(t, () =>
      server.serve(service, (wait) => {
        waited += wait;
        served++;
      }),
    );
  }
  calendar.run(Number.POSITIVE_INFINITY);
  return { meanWaitMs: waited / served, utilization: server.busyMs / calendar.now };
}
