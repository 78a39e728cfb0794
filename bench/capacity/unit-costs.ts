/**
 * What one order costs, measured in this repository (never guessed), with the command that
 * measured each figure. `npm run capacity` and `npm run simulate` read only this file, so work on
 * the order path (issue #21) updates a figure here and every plan follows. No imports: the workerd
 * test that checks the round trips (test/capacity/unit-costs.test.ts) reads it too.
 */

export interface Measured {
  value: number;
  unit: string;
  /** The command that produced the figure, runnable from the repository root. */
  command: string;
  note?: string;
}

export const UNIT_COSTS = {
  measuredOn: "2026-12-02, 2 shared cores (load average 10-20 from parallel work)",
  perOrder: {
    d1RoundTrips: {
      value: 3,
      unit: "round trips (each holds the shard)",
      command: "npm exec -- vitest run test/orders/round-trips.test.ts --silent=false",
      note: "begin_saga (checkout facts, promotions, saga row: one batch), the orders batch, and after the answer the outbox delete",
    },
    d1RoundTripsAnswered: {
      value: 2,
      unit: "round trips before the answer (what the shopper waits for)",
      command: "npm exec -- vitest run test/orders/round-trips.test.ts --silent=false",
    },
    d1Batches: {
      value: 2,
      unit: "batches",
      command: "npm exec -- vitest run test/orders/round-trips.test.ts --silent=false",
    },
    skuObjectCalls: {
      value: 1,
      unit: "RPCs per SKU line",
      command: "npm exec -- vitest run test/orders/round-trips.test.ts --silent=false",
      note: "one hold per SKU line in its SkuInventory object",
    },
    orderNumberCalls: {
      value: 1,
      unit: "RPCs",
      command: "npm exec -- vitest run test/orders/round-trips.test.ts --silent=false",
      note: "one block of numbers from the shopper's OrderNumbers machine",
    },
    rateLimiterCalls: {
      value: 2,
      unit: "RPCs",
      command: "npm exec -- vitest run test/orders/round-trips.test.ts --silent=false",
      note: "per-shopper and per-IP limits, one RateLimiter object per key, sent together",
    },
    queueSends: {
      value: 2,
      unit: "messages",
      command: "npm exec -- vitest run test/orders/round-trips.test.ts --silent=false",
      note: "order.created and the delayed order.payment_timeout, both on order-events, sent after the answer",
    },
  },
  d1: {
    roundTripsLocalMs: [
      { what: "begin_saga: checkout facts, promotions and the saga row (batch of 13)", ms: 17 },
      { what: "order, pay order, items, snapshot, status log, outbox (batch of 10 writes)", ms: 12 },
      { what: "outbox rows deleted after the sends (after the answer)", ms: 11 },
    ],
    roundTripsCommand: "npm exec -- vitest run test/capacity/unit-costs.test.ts --silent=false",
    roundTripsNote:
      "p50 wall time of each round trip over 40 orders one at a time, in workerd under vitest, load average ~19; " +
      "two runs at 32d6c47 gave 40 / 8 ms and 57 / 16 ms (order / simple), the higher ratio (5.0) kept; " +
      "before 32d6c47 (5 round trips) it was 76 / 7 ms (10.9)",
    simpleStatementLocalMs: {
      value: 8,
      unit: "ms p50 per primary-key SELECT, same run and machine as the round trips",
      command: "npm exec -- vitest run test/capacity/unit-costs.test.ts --silent=false",
      note: "the calibration: Cloudflare's ~1,000 simple queries/s per database makes this ~1 ms in production",
    },
    bytesPerOrder: {
      value: 2131,
      unit: "bytes on disk per order (the local D1 files' growth over 500 orders of the whole platform; 2,049, 2,131 and 2,057 in three runs)",
      command: "X_LOCAL_OBSERVABILITY=false npm exec -- tsx bench/capacity/measure-cpu.ts",
      note:
        "the conservative figure; D1's own size_after grows 1,434 bytes per order (1,223 of row data: orders 396, sagas 263, " +
        "items 239, pay orders 138, status log 121, processed events 54, snapshots 13), " +
        "npm exec -- vitest run test/capacity/unit-costs.test.ts --silent=false",
    },
  },
  workers: {
    cpuMsPerOrder: {
      value: 36.2,
      unit: "ms of workerd CPU per order (router, storefront, objects, local D1, queue consumers; idle subtracted)",
      note:
        "500 orders, 8 in flight; 32.8 and 36.2 ms before 32d6c47, 30.9 ms at it (the highest kept); hello-world 3.1-4.0 ms per request in the same runs " +
        "(the router's floor). Includes local D1's SQLite and the objects, which production runs outside the Worker: an upper bound",
      command: "X_LOCAL_OBSERVABILITY=false npm exec -- tsx bench/capacity/measure-cpu.ts",
    },
    cpuMsPerBrowse: {
      value: 8.6,
      unit: "ms of workerd CPU per product detail request (the browse path, edge-cached; 6.7 and 8.6 in two runs)",
      command: "X_LOCAL_OBSERVABILITY=false npm exec -- tsx bench/capacity/measure-cpu.ts",
    },
  },
  objects: {
    skuMsPerReservation: {
      value: 0.53,
      unit: "ms of object CPU per reservation (upper end of 0.36-0.53)",
      command: "the SKU object profiling harness of issue #21 part 5 (docs/decisions.md, write batches)",
      note: "0.36-0.53 ms with write batches; a read-only RPC costs 0.25-0.30 ms (the floor)",
    },
    rpcFloorMs: {
      value: 0.3,
      unit: "ms of object CPU per read-only RPC (upper end of 0.25-0.30)",
      command: "the SKU object profiling harness of issue #21 part 5 (docs/decisions.md, write batches)",
      note: "used for the OrderNumbers and RateLimiter calls, which write one small key each",
    },
    bucketCallsPerEntry: {
      value: 0.66,
      unit: "bucket calls per flash-sale entry",
      command: "npm run bench:flash (docs/flash-sales.md, K=1: 663 calls for 1,000 entries)",
    },
  },
} as const satisfies {
  measuredOn: string;
  perOrder: Record<string, Measured>;
  d1: {
    roundTripsLocalMs: readonly { what: string; ms: number }[];
    roundTripsCommand: string;
    roundTripsNote: string;
    simpleStatementLocalMs: Measured;
    bytesPerOrder: Measured;
  };
  workers: Record<string, Measured>;
  objects: Record<string, Measured>;
};
