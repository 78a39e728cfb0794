/**
 * Cloudflare's published limits and guidance the capacity model plans against (read 2026-12-02;
 * each with its page). Guidance is not a hard limit: it is what one unit sustains, so plans keep
 * their planned utilization below it.
 */

export interface Limit {
  value: number;
  unit: string;
  source: string;
  note?: string;
}

export const PLATFORM_LIMITS = {
  d1MaxDatabaseBytes: {
    value: 10e9,
    unit: "bytes per database (Workers Paid)",
    source: "https://developers.cloudflare.com/d1/platform/limits/",
  },
  d1MaxAccountBytes: {
    value: 1e12,
    unit: "bytes of D1 storage per account (Workers Paid; raised on request)",
    source: "https://developers.cloudflare.com/d1/platform/limits/",
  },
  d1DatabasesPerAccount: {
    value: 50_000,
    unit: "databases per account (Workers Paid)",
    source: "https://developers.cloudflare.com/d1/platform/limits/",
  },
  d1SimpleQueriesPerSecond: {
    value: 1000,
    unit: "queries/s of ~1 ms each; one query at a time per database",
    source: "https://developers.cloudflare.com/d1/platform/limits/ (FAQ: how much work can a single D1 database do?)",
    note: "a database is single-threaded: throughput = 1 / mean query duration",
  },
  objectRequestsPerSecond: {
    value: 1000,
    unit: "requests/s per Durable Object (soft guidance)",
    source:
      "https://developers.cloudflare.com/durable-objects/reference/faq/ (how much work can a single Durable Object do?)",
  },
  objectWritesPerSecond: {
    value: 500,
    unit: "requests/s per Durable Object when each writes storage (upper end of 200-500)",
    source: "https://developers.cloudflare.com/durable-objects/reference/faq/",
  },
  queueMessagesPerSecond: {
    value: 5000,
    unit: "messages/s per queue; beyond it send() throws Too Many Requests",
    source: "https://developers.cloudflare.com/queues/platform/limits/",
  },
  queuesPerAccount: {
    value: 10_000,
    unit: "queues per account",
    source: "https://developers.cloudflare.com/queues/platform/limits/",
  },
  queueConcurrentConsumers: {
    value: 250,
    unit: "concurrent consumer invocations per queue (push)",
    source: "https://developers.cloudflare.com/queues/platform/limits/",
  },
  workerSubrequestsPerRequest: {
    value: 10_000,
    unit: "subrequests per request (Workers Paid); no limit on requests per day",
    source: "https://developers.cloudflare.com/workers/platform/limits/",
  },
  orderNumberSlots: {
    value: 1000,
    unit: "user_id % 1000 slots in the order number (SPEC §4.3)",
    source: "shared/orders/order-numbers.ts",
    note: "a slot is the smallest unit a shard owns, so at most 1,000 order shards",
  },
  orderNumberMachines: {
    value: 1000,
    unit: "order-number machines (3 digits)",
    source: "shared/orders/order-numbers.ts, shared/orders/settings.ts ORDER_NUMBER_MACHINES",
  },
  orderNumbersPerMachineSecond: {
    value: 1000,
    unit: "numbers per machine per second (3-digit sequence; beyond it a machine borrows the next second)",
    source: "durable-objects/order-numbers.ts",
  },
} as const satisfies Record<string, Limit>;
