/**
 * Sales reports (数据统计) read from the orders' own facts, never from metrics: per period (UTC day
 * or month) and currency,
 * - `orders`: orders placed in the period;
 * - `paidOrders` and `gmv`: of those, the ones paid and their totals (goods − discounts + shipping).
 *   An order cancelled before its payment arrived (refunded automatically, `paid_after_cancel`) was
 *   never a sale and is not counted;
 * - `refunded`: money of refunds that reached REFUNDED in the period (by when they did), for the
 *   shop's orders, whatever the period the order was placed in; automatic refunds of payments that
 *   were never a sale (`paid_after_cancel`, `duplicate_payment`) are not sales refunds;
 * - `netSales` = gmv − refunded, and `averageOrderValue` = gmv ÷ paidOrders (rounded to a minor unit).
 * Periods without orders or refunds answer zeros, so a chart has every day.
 *
 * Orders and refunds live on the order shards (issue #20): the report runs its two aggregates on
 * every shard the slot table routes slots to, each restricted to its routed slots (so a moved
 * slot's copy awaiting its purge is not counted twice), and sums the cells, which are additive
 * (counts and sums per period and currency). A refund lives with its order, so the joins and the
 * `paid_after_cancel` check stay shard-local.
 */
import { z } from "@hono/zod-openapi";
import { type SQL, sql } from "drizzle-orm";
import { inSlots, type OrderStore } from "../orders/order-store";
import type { Db } from "../platform/db";
import { type Currency, DEFAULT_CURRENCY, moneySchema } from "../platform/money";
import { invalidField } from "../platform/validation";

const DAY_MS = 86_400_000;
/** The longest range one report covers. */
export const MAX_REPORT_DAYS = 366;
const PAID = ["PAID", "PARTIALLY_REFUNDED", "REFUNDED"];
const NOT_SALES_REFUNDS = ["paid_after_cancel", "duplicate_payment"];

const isoDate = z.string().regex(/^\d{4}-\d{2}-\d{2}$/, "must be a date YYYY-MM-DD");

export const salesReportQuerySchema = z.object({
  from: isoDate.openapi({ description: "First day (UTC), inclusive", example: "2026-12-01" }),
  to: isoDate.openapi({ description: "Last day (UTC), inclusive", example: "2026-12-02" }),
  granularity: z.enum(["day", "month"]).default("day").openapi({ example: "day" }),
  shopId: z
    .string()
    .min(1)
    .max(64)
    .optional()
    .openapi({ description: "Operators: one shop (default all); sellers: their own" }),
});
export type SalesReportQuery = z.infer<typeof salesReportQuerySchema>;

const periodSchema = z.object({
  period: z.string().openapi({ description: "`2026-12-02` (day) or `2026-12` (month), UTC" }),
  currency: z.string(),
  orders: z.number().int(),
  paidOrders: z.number().int(),
  gmv: moneySchema,
  refunded: moneySchema,
  refunds: z.number().int().openapi({ description: "Refunds that reached REFUNDED in the period" }),
  netSales: moneySchema,
  averageOrderValue: moneySchema.nullable(),
});

export const salesReportSchema = z
  .object({
    from: z.string(),
    to: z.string(),
    granularity: z.enum(["day", "month"]),
    shopId: z.string().nullable().openapi({ description: "The shop reported on; null for all shops" }),
    periods: z.array(periodSchema),
    totals: z.array(periodSchema.omit({ period: true })).openapi({ description: "The whole range, per currency" }),
  })
  .openapi("SalesReport");
export type SalesReport = z.infer<typeof salesReportSchema>;

interface Cell {
  orders: number;
  paidOrders: number;
  gmv: number;
  refunded: number;
  refunds: number;
}

function rangeOf(query: SalesReportQuery): { fromMs: number; toMs: number } {
  const fromMs = Date.parse(`${query.from}T00:00:00Z`);
  const toMs = Date.parse(`${query.to}T00:00:00Z`) + DAY_MS;
  if (Number.isNaN(fromMs)) throw invalidField("query.from", "must be a real date");
  if (Number.isNaN(toMs)) throw invalidField("query.to", "must be a real date");
  if (toMs <= fromMs) throw invalidField("query.to", "must not be before from");
  if ((toMs - fromMs) / DAY_MS > MAX_REPORT_DAYS) {
    throw invalidField("query.to", `must be at most ${MAX_REPORT_DAYS} days after from`);
  }
  return { fromMs, toMs };
}

/** The period label of a UTC instant. */
function periodOf(ms: number, granularity: "day" | "month"): string {
  const iso = new Date(ms).toISOString();
  return granularity === "day" ? iso.slice(0, 10) : iso.slice(0, 7);
}

/** Every period label from `fromMs` up to (not including) `toMs`. */
function periodsBetween(fromMs: number, toMs: number, granularity: "day" | "month"): string[] {
  const labels: string[] = [];
  for (let t = fromMs; t < toMs; t += DAY_MS) {
    const label = periodOf(t, granularity);
    if (labels.at(-1) !== label) labels.push(label);
  }
  return labels;
}

const money = (amount: number, currency: string) => ({ amount, currency: currency as Currency });

function shaped(cell: Cell, currency: string) {
  return {
    currency,
    orders: cell.orders,
    paidOrders: cell.paidOrders,
    gmv: money(cell.gmv, currency),
    refunded: money(cell.refunded, currency),
    refunds: cell.refunds,
    netSales: money(cell.gmv - cell.refunded, currency),
    averageOrderValue: cell.paidOrders === 0 ? null : money(Math.round(cell.gmv / cell.paidOrders), currency),
  };
}

interface PlacedRow {
  period: string;
  currency: string;
  orders: number;
  paid_orders: number;
  gmv: number;
}

interface RefundedRow {
  period: string;
  currency: string;
  refunds: number;
  amount: number;
}

/** The report's two aggregates on one order shard, over the orders of `slots` only. */
async function shardAggregates(
  db: Db,
  query: SalesReportQuery,
  shopId: string | null,
  slots: number[] | "all",
  { fromMs, toMs }: { fromMs: number; toMs: number },
): Promise<[PlacedRow[], RefundedRow[]]> {
  const shopOrders: SQL = shopId === null ? sql`1 = 1` : sql`o.shop_id = ${shopId}`;
  const paid = sql.join(
    PAID.map((s) => sql`${s}`),
    sql`, `,
  );
  const notSales = sql.join(
    NOT_SALES_REFUNDS.map((s) => sql`${s}`),
    sql`, `,
  );
  const format = query.granularity === "day" ? "%Y-%m-%d" : "%Y-%m";
  const periodOfColumn = (column: SQL) => sql`strftime(${format}, ${column} / 1000, 'unixepoch')`;
  const isSale = sql`o.payment_status IN (${paid}) AND NOT EXISTS (
    SELECT 1 FROM refunds pac WHERE pac.order_id = o.id AND pac.reason = 'paid_after_cancel')`;
  const routedOrders = inSlots(sql`o.id`, slots) ?? sql`1 = 1`;
  return Promise.all([
    db.all<PlacedRow>(sql`
      SELECT ${periodOfColumn(sql`o.created_at`)} AS period, o.currency,
             COUNT(*) AS orders,
             SUM(CASE WHEN ${isSale} THEN 1 ELSE 0 END) AS paid_orders,
             SUM(CASE WHEN ${isSale} THEN o.total_amount ELSE 0 END) AS gmv
        FROM orders o
       WHERE ${shopOrders} AND ${routedOrders} AND o.created_at >= ${fromMs} AND o.created_at < ${toMs}
       GROUP BY period, o.currency`),
    db.all<RefundedRow>(sql`
      SELECT ${periodOfColumn(sql`r.updated_at`)} AS period, r.currency, COUNT(*) AS refunds, SUM(r.amount) AS amount
        FROM refunds r JOIN orders o ON o.id = r.order_id
       WHERE r.status = 'REFUNDED' AND r.reason NOT IN (${notSales}) AND ${shopOrders} AND ${routedOrders}
         AND r.updated_at >= ${fromMs} AND r.updated_at < ${toMs}
       GROUP BY period, r.currency`),
  ]);
}

/** The sales report of one shop (`shopId`) or all shops (null), summed over the order shards. */
export async function salesReport(
  store: OrderStore,
  query: SalesReportQuery,
  shopId: string | null,
): Promise<SalesReport> {
  const range = rangeOf(query);
  const { fromMs, toMs } = range;
  const routed = (await store.routed()).filter((r) => r.slots === "all" || r.slots.length > 0);
  const perShard = await Promise.all(
    routed.map(({ shard, slots }) => shardAggregates(shard.db, query, shopId, slots, range)),
  );
  const placed = perShard.flatMap(([rows]) => rows);
  const refunded = perShard.flatMap(([, rows]) => rows);

  const cells = new Map<string, Cell>(); // `${period}|${currency}`
  const cell = (period: string, currency: string) => {
    const key = `${period}|${currency}`;
    let found = cells.get(key);
    if (!found) {
      found = { orders: 0, paidOrders: 0, gmv: 0, refunded: 0, refunds: 0 };
      cells.set(key, found);
    }
    return found;
  };
  for (const row of placed) {
    const c = cell(row.period, row.currency);
    c.orders += row.orders;
    c.paidOrders += row.paid_orders;
    c.gmv += row.gmv;
  }
  for (const row of refunded) {
    const c = cell(row.period, row.currency);
    c.refunded += row.amount;
    c.refunds += row.refunds;
  }

  const currencies = [...new Set([...cells.keys()].map((k) => k.split("|")[1] ?? DEFAULT_CURRENCY))].sort();
  if (currencies.length === 0) currencies.push(DEFAULT_CURRENCY);
  const periods = periodsBetween(fromMs, toMs, query.granularity).flatMap((period) =>
    currencies.map((currency) => ({ period, ...shaped(cell(period, currency), currency) })),
  );
  const totals = currencies.map((currency) => {
    const sum: Cell = { orders: 0, paidOrders: 0, gmv: 0, refunded: 0, refunds: 0 };
    for (const [key, c] of cells) {
      if (key.split("|")[1] !== currency) continue;
      sum.orders += c.orders;
      sum.paidOrders += c.paidOrders;
      sum.gmv += c.gmv;
      sum.refunded += c.refunded;
      sum.refunds += c.refunds;
    }
    return shaped(sum, currency);
  });
  return { from: query.from, to: query.to, granularity: query.granularity, shopId, periods, totals };
}
