/**
 * The capacity model (docs/capacity.md): a peak (orders/s, browse requests/s) in, a plan out —
 * order shards (D1 databases), SKU and bucket objects, order-number machines, queues, Workers
 * requests and CPU — from the measured unit costs (unit-costs.ts) and Cloudflare's limits
 * (limits.ts). Pure arithmetic: `npm run capacity` prints it, `npm run simulate` runs it.
 *
 * Method. Every resource is a server of known capacity μ (what one unit does per second at 100 %
 * busy). N = the units that carry the peak at the planned utilization ρ (kept below 1 so queues
 * stay short: an M/M/1 server's mean wait is ρ/(1−ρ) service times, 2.3 at ρ = 0.7); X = the spare
 * units on top (N+X), so losing X units or an uneven peak still fits. Little's law (L = λW) turns
 * rates and latencies into concurrency: requests in flight, queries waiting at a shard.
 */
import { PLATFORM_LIMITS } from "./limits.ts";
import { UNIT_COSTS } from "./unit-costs.ts";

export interface Peak {
  ordersPerSecond: number;
  browseQps: number;
  /** Planned utilization of every server (0 < ρ < 1). */
  utilization: number;
  /** X as a share of N (at least one unit). */
  headroom: number;
  /** Share of order lines that go to the single hottest SKU. */
  hotSkuShare: number;
  linesPerOrder: number;
  /** Worker requests per order (the measured path: one POST /v1/orders). */
  requestsPerOrder: number;
  /** Hours of orders at peak the order shards must hold (storage). */
  retentionHoursAtPeak: number;
  /** Network time per hop to a D1 database or an object (an assumption, not measured here). */
  networkMsPerHop: number;
  /** What-if: D1 time per order in ms (0: the measured figure), the trips scaled alike. */
  d1MsPerOrder: number;
}

export const DEFAULT_PEAK: Omit<Peak, "ordersPerSecond" | "browseQps"> = {
  utilization: 0.7,
  headroom: 0.2,
  hotSkuShare: 0.01,
  linesPerOrder: 1,
  requestsPerOrder: 1,
  retentionHoursAtPeak: 1,
  networkMsPerHop: 2,
  d1MsPerOrder: 0,
};

/** One D1 round trip of the order path, its database time in production (ms). */
export interface RoundTrip {
  what: string;
  serviceMs: number;
}

/**
 * The order path's D1 round trips in production. D1 runs one query at a time, so a database's
 * throughput is 1 / (time per query), and Cloudflare's figure is ~1,000 simple queries/s: a simple
 * query holds it ~1 ms. Each round trip is timed locally beside a primary-key SELECT on the same
 * machine in the same run, and scaled by that ratio: the local machine's load inflates both alike.
 */
export function d1RoundTrips(whatIfMsPerOrder = 0): RoundTrip[] {
  const simpleMs = 1000 / PLATFORM_LIMITS.d1SimpleQueriesPerSecond.value;
  const local = UNIT_COSTS.d1.simpleStatementLocalMs.value;
  const trips = UNIT_COSTS.d1.roundTripsLocalMs.map((trip) => ({
    what: trip.what,
    serviceMs: (trip.ms / local) * simpleMs,
  }));
  const measured = trips.reduce((sum, t) => sum + t.serviceMs, 0);
  const scale = whatIfMsPerOrder > 0 ? whatIfMsPerOrder / measured : 1;
  return trips.map((t) => ({ ...t, serviceMs: t.serviceMs * scale }));
}

export interface ResourcePlan {
  name: string;
  /** The load at peak, in `unit`. */
  load: number;
  unit: string;
  /** What one server does per second at 100 % busy. */
  perServer: number;
  /** N: servers at the planned utilization; X: spares. */
  n: number;
  x: number;
  /** Utilization of the busiest server with N+X. */
  utilization: number;
  /** The most servers the platform or the design allows (Infinity when unbounded). */
  max: number;
  /** How many there are today (the repository's configuration). */
  today: number;
  /** Orders/s this resource carries today at 100 % (what breaks first: the smallest). */
  ceilingToday: number;
  /** Orders/s it carries at most, at the planned utilization, with the most servers allowed. */
  ceilingMax: number;
  note: string;
}

export interface Plan {
  peak: Peak;
  resources: ResourcePlan[];
  orderShards: {
    shards: number;
    slotsPerShard: number;
    busiestShardOrdersPerSecond: number;
    bytesPerSecond: number;
    fillHours: number;
  };
  workers: { requestsPerSecond: number; cpuCoresBusy: number; ordersInFlight: number; orderLatencyMs: number };
  d1: { msPerOrder: number; trips: RoundTrip[] };
  /** Resources that cannot carry the peak within their limit, worst first. */
  breaks: string[];
  /** Today's ceilings, lowest first. */
  firstToBreakToday: { name: string; ordersPerSecond: number }[];
}

const spare = (n: number, headroom: number) => Math.max(1, Math.ceil(n * headroom));

/** A pool of identical servers sized by load ÷ (per-server capacity × ρ), N+X. */
function pool(
  name: string,
  load: number,
  unit: string,
  perServer: number,
  peak: Peak,
  limits: { max: number; today: number; loadPerOrder: number; note: string; sparesOnlyWhenSplit?: boolean },
): ResourcePlan {
  const n = Math.max(1, Math.ceil(load / (perServer * peak.utilization)));
  // A SKU one object carries is not split for a spare: a bucket holds stock, it is no replica.
  const x = limits.sparesOnlyWhenSplit && n === 1 ? 0 : spare(n, peak.headroom);
  const servers = Math.min(n + x, limits.max);
  return {
    name,
    load,
    unit,
    perServer,
    n,
    x,
    utilization: load / (servers * perServer),
    max: limits.max,
    today: limits.today,
    ceilingToday: (limits.today * perServer) / limits.loadPerOrder,
    ceilingMax: (limits.max * perServer * peak.utilization) / limits.loadPerOrder,
    note: limits.note,
  };
}

export function planFor(peak: Peak): Plan {
  const L = PLATFORM_LIMITS;
  const C = UNIT_COSTS;
  const λ = peak.ordersPerSecond;
  const resources: ResourcePlan[] = [];

  // Order shards: a shard owns whole slots, so the busiest shard owns ⌈1000/N⌉ of them.
  const trips = d1RoundTrips(peak.d1MsPerOrder);
  const d1MsPerOrder = trips.reduce((sum, t) => sum + t.serviceMs, 0);
  const shardOrdersPerSecond = 1000 / d1MsPerOrder;
  const slots = L.orderNumberSlots.value;
  const perSlot = λ / slots;
  const slotsPerShardByLoad = Math.floor((shardOrdersPerSecond * peak.utilization) / perSlot);
  const bytesPerSecond = λ * C.d1.bytesPerOrder.value;
  const storageBytes = bytesPerSecond * peak.retentionHoursAtPeak * 3600;
  // Fill to 80 %: a full database refuses writes, and moving a slot needs room on the target.
  const storageShards = Math.ceil(storageBytes / (L.d1MaxDatabaseBytes.value * 0.8));
  const loadShards = slotsPerShardByLoad >= 1 ? Math.ceil(slots / slotsPerShardByLoad) : Number.POSITIVE_INFINITY;
  const n = Math.max(1, loadShards, storageShards);
  const x = Number.isFinite(n) ? spare(n, peak.headroom) : 0;
  const shards = Math.min(Number.isFinite(n) ? n + x : slots, slots);
  const slotsPerShard = Math.ceil(slots / shards);
  const busiestShard = perSlot * slotsPerShard;
  resources.push({
    name: "order shards (D1)",
    load: λ * C.perOrder.d1RoundTrips.value,
    unit: "round trips/s",
    perServer: shardOrdersPerSecond * C.perOrder.d1RoundTrips.value,
    n: Number.isFinite(n) ? n : slots,
    x,
    utilization: busiestShard / shardOrdersPerSecond,
    max: slots,
    today: 1,
    ceilingToday: shardOrdersPerSecond,
    ceilingMax: slots * shardOrdersPerSecond * peak.utilization,
    note:
      `${d1MsPerOrder.toFixed(1)} ms of database time per order (${shardOrdersPerSecond.toFixed(0)} orders/s per shard at 100 %); ` +
      `${slotsPerShard} slot(s) per shard; storage alone needs ${storageShards}`,
  });

  // SKU objects: one per SKU; the hottest SKU's lines may need its stock split into buckets.
  const skuPerServer = Math.min(1000 / C.objects.skuMsPerReservation.value, L.objectRequestsPerSecond.value);
  const lines = λ * peak.linesPerOrder;
  const hot = lines * peak.hotSkuShare;
  resources.push(
    pool("hottest SKU (objects/buckets)", hot, "reservations/s", skuPerServer, peak, {
      max: 64,
      today: 1,
      loadPerOrder: peak.linesPerOrder * peak.hotSkuShare,
      sparesOnlyWhenSplit: true,
      note: `${Math.round(lines).toLocaleString("en")} reservations/s over all SKU objects; buckets past 1 mean splitting the SKU's stock (the flash-sale escrow, docs/flash-sales.md, caps K at 64)`,
    }),
  );

  // Order-number machines: each call writes the machine's last (second, sequence).
  const machinePerServer = Math.min(
    1000 / C.objects.rpcFloorMs.value,
    L.objectWritesPerSecond.value,
    L.orderNumbersPerMachineSecond.value,
  );
  resources.push(
    pool("order-number machines (objects)", λ * C.perOrder.orderNumberCalls.value, "calls/s", machinePerServer, peak, {
      max: L.orderNumberMachines.value,
      today: 16,
      loadPerOrder: C.perOrder.orderNumberCalls.value,
      note: "ORDER_NUMBER_MACHINES (default 16, at most 1,000: the number's 3 machine digits)",
    }),
  );

  // Queues: order.created and order.payment_timeout per order, all on order-events today.
  const messages = λ * C.perOrder.queueSends.value;
  resources.push(
    pool("order-events queues", messages, "messages/s", L.queueMessagesPerSecond.value, peak, {
      max: L.queuesPerAccount.value,
      today: 1,
      loadPerOrder: C.perOrder.queueSends.value,
      note: "one queue today; past one, producers pick a queue by slot (slot % queues) and each has its consumer",
    }),
  );

  // Rate limiters: one object per shopper and per IP, so load per object is the shopper's own.
  resources.push({
    name: "rate limiters (objects)",
    load: λ * C.perOrder.rateLimiterCalls.value,
    unit: "calls/s",
    perServer: L.objectWritesPerSecond.value,
    n: 0,
    x: 0,
    utilization: 0,
    max: Number.POSITIVE_INFINITY,
    today: Number.POSITIVE_INFINITY,
    ceilingToday: Number.POSITIVE_INFINITY,
    ceilingMax: Number.POSITIVE_INFINITY,
    note: "one object per shopper and per IP: spread by key, no pool to size (a carrier NAT's IP is the exception)",
  });

  // Workers: no request limit on Workers Paid; CPU is what the peak costs.
  const requestsPerSecond = λ * peak.requestsPerOrder + peak.browseQps;
  const cpuCoresBusy = (λ * C.workers.cpuMsPerOrder.value + peak.browseQps * C.workers.cpuMsPerBrowse.value) / 1000;
  // Latency of one order at the planned utilization: each D1 trip waits ρ/(1−ρ) service times on
  // average (M/M/1), each hop pays the network, and the Worker's own CPU.
  const shardρ = busiestShard / shardOrdersPerSecond;
  // Only the round trips before the answer count (the outbox delete and the sends come after it).
  const answered = C.perOrder.d1RoundTripsAnswered.value;
  const answeredMs = trips.slice(0, answered).reduce((sum, t) => sum + t.serviceMs, 0);
  const hops = answered + 3; // rate limits (together), hold, numbers
  const orderLatencyMs =
    shardρ >= 1
      ? Number.POSITIVE_INFINITY
      : answeredMs / (1 - shardρ) +
        hops * peak.networkMsPerHop +
        C.objects.skuMsPerReservation.value +
        C.objects.rpcFloorMs.value * 2 +
        C.workers.cpuMsPerOrder.value;
  const breaks = resources
    .filter((r) => r.ceilingMax < λ)
    .sort((a, b) => a.ceilingMax - b.ceilingMax)
    .map(
      (r) =>
        `${r.name}: at most ${Math.floor(r.ceilingMax).toLocaleString("en")} orders/s at ρ=${peak.utilization} (${r.max.toLocaleString("en")} units)`,
    );
  const fillHours = (shards * L.d1MaxDatabaseBytes.value) / bytesPerSecond / 3600;
  if (shards * L.d1MaxDatabaseBytes.value > L.d1MaxAccountBytes.value && storageBytes > L.d1MaxAccountBytes.value) {
    breaks.push(
      `D1 account storage: ${(storageBytes / 1e12).toFixed(1)} TB for ${peak.retentionHoursAtPeak} h at peak > 1 TB per account`,
    );
  }
  return {
    peak,
    resources,
    orderShards: { shards, slotsPerShard, busiestShardOrdersPerSecond: busiestShard, bytesPerSecond, fillHours },
    workers: { requestsPerSecond, cpuCoresBusy, ordersInFlight: λ * (orderLatencyMs / 1000), orderLatencyMs },
    d1: { msPerOrder: d1MsPerOrder, trips },
    breaks,
    firstToBreakToday: resources
      .filter((r) => Number.isFinite(r.ceilingToday))
      .map((r) => ({ name: r.name, ordersPerSecond: r.ceilingToday }))
      .sort((a, b) => a.ordersPerSecond - b.ordersPerSecond),
  };
}
