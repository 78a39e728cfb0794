/**
 * `npm run capacity -- --orders-per-second 583000 --browse-qps 2000000`: prints the plan for a
 * peak (bench/capacity/model.ts; method and figures in docs/capacity.md). Other options:
 * --utilization 0.7 --headroom 0.2 --hot-sku-share 0.01 --lines-per-order 1 --requests-per-order 1
 * --retention-hours 1 --network-ms 2, and --d1-ms-per-order (what if an order took that much D1
 * time instead of the measured figure: the order path's work in issue #21 plugs in here).
 */
import { readPeak } from "./args.ts";
import { type Plan, planFor } from "./model.ts";
import { UNIT_COSTS } from "./unit-costs.ts";

const int = (x: number) => (Number.isFinite(x) ? Math.round(x).toLocaleString("en") : "∞");
const pct = (x: number) => `${Math.round(x * 100)} %`;

export function describePlan(plan: Plan): string {
  const p = plan.peak;
  const lines = [
    `peak: ${int(p.ordersPerSecond)} orders/s, ${int(p.browseQps)} browse requests/s ` +
      `(ρ=${p.utilization}, X=${pct(p.headroom)} of N, hottest SKU ${pct(p.hotSkuShare)} of lines, ` +
      `${p.linesPerOrder} line(s)/order, ${p.retentionHoursAtPeak} h of orders kept, ${p.networkMsPerHop} ms/hop assumed)`,
    `per order (measured, bench/capacity/unit-costs.ts): ${UNIT_COSTS.perOrder.d1RoundTrips.value} D1 round trips = ` +
      `${plan.d1.msPerOrder.toFixed(1)} ms of database time${p.d1MsPerOrder > 0 ? " (what-if, --d1-ms-per-order)" : ""}, ${UNIT_COSTS.workers.cpuMsPerOrder.value} ms CPU, ` +
      `${UNIT_COSTS.perOrder.rateLimiterCalls.value + UNIT_COSTS.perOrder.orderNumberCalls.value + UNIT_COSTS.perOrder.skuObjectCalls.value} object RPCs, ` +
      `${UNIT_COSTS.perOrder.queueSends.value} queue messages, ${UNIT_COSTS.d1.bytesPerOrder.value} bytes`,
    "",
    "resource                          load                     per unit      N+X         busiest   today -> breaks at",
  ];
  for (const r of plan.resources) {
    const units = r.n === 0 ? "by key" : `${int(r.n)}+${int(r.x)}`;
    lines.push(
      `${r.name.padEnd(33)} ${`${int(r.load)} ${r.unit}`.padEnd(24)} ${int(r.perServer).padStart(8)}/s  ${units.padEnd(11)} ` +
        `${(r.n === 0 ? "-" : pct(r.utilization)).padStart(7)}   ` +
        (Number.isFinite(r.today) ? `${int(r.today)} -> ${int(r.ceilingToday)} orders/s` : "per key"),
    );
    lines.push(`${"".padEnd(35)}${r.note}`);
  }
  const s = plan.orderShards;
  const w = plan.workers;
  lines.push(
    "",
    `order shards: ${int(s.shards)} D1 databases (ORDERS_0..ORDERS_${int(s.shards - 1)}), ${s.slotsPerShard} of the 1,000 user_id % 1000 slots each ` +
      `(shard i holds slots i, i+${int(s.shards)}, ...), busiest ${int(s.busiestShardOrdersPerSecond)} orders/s; ` +
      `${(s.bytesPerSecond / 1e6).toFixed(1)} MB/s of orders, the shards full in ${s.fillHours.toFixed(1)} h at peak`,
    `workers: ${int(w.requestsPerSecond)} requests/s, ${int(w.cpuCoresBusy)} CPU cores busy; ` +
      (Number.isFinite(w.orderLatencyMs)
        ? `order latency ≈ ${w.orderLatencyMs.toFixed(0)} ms, so ${int(w.ordersInFlight)} orders in flight (Little's law, L = λW)`
        : "order latency unbounded: the busiest shard gets more than it serves, so orders in flight grow without limit"),
    "",
    `first to break today (1 database, 16 machines, 1 queue, 1 object per SKU): ${plan.firstToBreakToday
      .map((r) => `${r.name} at ${int(r.ordersPerSecond)} orders/s`)
      .join("; ")}`,
    plan.breaks.length === 0
      ? "the plan carries the peak within every limit"
      : `breaks even with the plan: ${plan.breaks.join("; ")}`,
  );
  return lines.join("\n");
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const { peak } = readPeak(process.argv.slice(2), {});
  console.log(describePlan(planFor(peak)));
}
