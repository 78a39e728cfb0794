/**
 * Moving one order slot to another shard (issue #20, resharding): fence, copy, verify, switch,
 * and later purge. docs/capacity.md ("Moving a slot") is the operator's walk-through and
 * docs/decisions.md says why it copies first and switches after.
 *
 * 1. Fence: a `moving` row in the source's `order_slot_fences`; from then on every write batch of
 *    the slot on the source fails (OrderHome puts the fence check first: 409 `order_slot_moving`,
 *    retryable), so the source's rows of the slot stop changing before the copy reads them.
 * 2. Copy, table by table (ORDER_SIDE_TABLES, parents first), in pages read by rowid and written
 *    with INSERT … ON CONFLICT DO NOTHING, so a re-run after a crash adds only what is missing.
 * 3. Verify: the slot's row count per table on source and target must agree.
 * 4. Switch: the slot table names the target, the target's fence (left by an earlier move away
 *    from it) goes, the source's becomes `moved`: it refuses the slot's writes for good, so an
 *    isolate still routing by a cached table (ORDER_SLOT_CACHE_MS) can never write there.
 * 5. Purge, a separate call at least ORDER_SLOT_CACHE_MS + PURGE_MARGIN_MS after the switch: the
 *    old home's rows go (until then a stale cache's reads found them there).
 *
 * One move per slot at a time: a `moving` fence is the move's lease. Its `since` is the move's
 * last progress (refreshed after every page); a call finding one younger than MOVE_LEASE_MS is
 * refused, an older one (the move died) is taken over and resumed.
 */
import { and, eq, getTableColumns, getTableName, type SQL, sql } from "drizzle-orm";
import type { SQLiteTable } from "drizzle-orm/sqlite-core";
import {
  carrierEvents,
  orderDiscounts,
  orderItems,
  orderSagas,
  orderSlotFences,
  orderSlots,
  orderSnapshots,
  orderStatusLog,
  orders,
  payments,
  payOrders,
  refundItems,
  refunds,
  shipments,
} from "../../db/schema";
import type { Clock } from "../platform/clock";
import { chunkList, inChunks } from "../platform/d1-chunks";
import { type Db, dbOf } from "../platform/db";
import { readEnv } from "../platform/env";
import { AppError } from "../platform/errors";
import {
  isolateSlotTable,
  orderShardBindings,
  orderStoreEnvSchema,
  SLOT_COUNT,
  type SlotTableCache,
  slotOfUser,
  storedShardOf,
} from "./order-store";

/** A move that made no progress for this long died; the next call takes it over. */
export const MOVE_LEASE_MS = 30_000;
/** Beyond the slot table's cache time: a request that routed by a stale table may still be reading (a Worker request runs up to 30 s). */
export const PURGE_MARGIN_MS = 30_000;
/** Rows read per page of the copy, the purge and the counts done in code. */
const PAGE = 100;

/** An order-side table and how a shard finds one slot's rows in it. */
export interface OrderSideTable {
  table: SQLiteTable;
  /** The slot's rows, in SQL over this shard's own tables (`slot` is the three digits of an order number). */
  where: (slot: string) => SQL;
  /** Rows SQL cannot tell apart (a saga knows only its shopper): kept when this says so. */
  keep?: (row: Record<string, unknown>, slot: number) => boolean;
}

const slotDigits = (slot: number) => String(slot).padStart(3, "0");
const numberedBy = (column: SQLiteTable["_"]["columns"][string]) => (slot: string) =>
  sql`substr(${column}, 14, 3) = ${slot}`;

/**
 * Every table of a slot's orders, parents first (the copy's order; the purge deletes in reverse).
 * Order and pay-order ids carry the slot in digits 14–16; everything else hangs off one of them.
 * test/orders/slot-move.test.ts fails when db/schema gains a table that is neither here nor in
 * COMMERCE_ONLY_TABLES.
 */
export const ORDER_SIDE_TABLES: readonly OrderSideTable[] = [
  { table: payOrders, where: numberedBy(payOrders.id) },
  { table: orders, where: numberedBy(orders.id) },
  {
    // Content-addressed and shared by every order that bought the same content: the snapshots
    // the slot's items name (the purge keeps those another slot's items still name).
    table: orderSnapshots,
    where: (slot) =>
      sql`${orderSnapshots.id} IN (SELECT ${orderItems.snapshotId} FROM ${orderItems} WHERE substr(${orderItems.orderId}, 14, 3) = ${slot})`,
  },
  { table: orderItems, where: numberedBy(orderItems.orderId) },
  { table: orderDiscounts, where: numberedBy(orderDiscounts.orderId) },
  {
    // A saga has only its shopper's id (its pay order may not exist yet); sagas are purged after
    // 7 days, so reading a shard's sagas whole stays small.
    table: orderSagas,
    where: () => sql`1 = 1`,
    keep: (row, slot) => slotOfUser(String(row.userId)) === slot,
  },
  { table: payments, where: numberedBy(payments.payOrderId) },
  { table: refunds, where: numberedBy(refunds.orderId) },
  {
    table: refundItems,
    where: (slot) =>
      sql`${refundItems.refundId} IN (SELECT ${refunds.id} FROM ${refunds} WHERE substr(${refunds.orderId}, 14, 3) = ${slot})`,
  },
  { table: shipments, where: numberedBy(shipments.orderId) },
  {
    // The carrier's callbacks about the slot's parcels (parked ones naming no parcel stay put).
    table: carrierEvents,
    where: (slot) =>
      sql`(${carrierEvents.carrier}, ${carrierEvents.trackingNumber}) IN (SELECT ${shipments.carrier}, ${shipments.trackingNumber} FROM ${shipments} WHERE substr(${shipments.orderId}, 14, 3) = ${slot} AND ${shipments.trackingNumber} IS NOT NULL)`,
  },
  {
    // Entity ids are order and pay-order numbers, or refund and shipment ids: follow each.
    table: orderStatusLog,
    where: (slot) => sql`(
      (${orderStatusLog.entityType} IN ('order', 'pay_order') AND substr(${orderStatusLog.entityId}, 14, 3) = ${slot})
      OR (${orderStatusLog.entityType} = 'refund' AND ${orderStatusLog.entityId} IN (SELECT ${refunds.id} FROM ${refunds} WHERE substr(${refunds.orderId}, 14, 3) = ${slot}))
      OR (${orderStatusLog.entityType} = 'shipment' AND ${orderStatusLog.entityId} IN (SELECT ${shipments.id} FROM ${shipments} WHERE substr(${shipments.orderId}, 14, 3) = ${slot})))`,
  },
];

/**
 * Tables of the commerce database alone: catalog, users, carts, promotions' counters (their
 * holds are per checkout, not per shopper's shard), the ledger (one balanced book across every
 * order: docs/decisions.md), the payment provider's inbox and reconciliation, and the platform's.
 */
export const COMMERCE_ONLY_TABLES: readonly string[] = [
  // catalog and search
  "categories",
  "category_attributes",
  "attributes",
  "brands",
  "tags",
  "products",
  "product_tags",
  "product_attribute_values",
  "product_images",
  "product_revisions",
  "product_snapshots",
  "skus",
  "sku_attribute_values",
  "prices",
  "warehouses",
  "sku_stock",
  "stock_alerts",
  "search_documents",
  "search_meta",
  "search_facet_counts",
  "search_rebuild_jobs",
  "bulk_jobs",
  "bulk_job_rows",
  "feeds",
  "feed_runs",
  "import_category_mappings",
  // discovery and reviews
  "home_pages",
  "product_views",
  "co_purchases",
  "co_purchase_orders",
  "product_ratings",
  "reviews",
  "experiments",
  "experiment_exposures",
  "experiment_conversions",
  // users and shops
  "users",
  "shops",
  "shop_members",
  "user_login_logs",
  "login_throttles",
  "refresh_families",
  "refresh_tokens",
  "addresses",
  "api_keys",
  "carts",
  "cart_items",
  "shipping_templates",
  // a tracking number's claim, unique across every shard (the slot's shipments move, their claims stay)
  "parcels",
  // promotions and flash sales
  "threshold_discounts",
  "vouchers",
  "voucher_codes",
  "voucher_claims",
  "voucher_uses",
  "promotion_releases",
  "flash_sale_campaigns",
  // money
  "ledger_transactions",
  "ledger_entries",
  "payment_provider_events",
  "payment_discrepancies",
  "reconciliation_runs",
  // platform
  "idempotency_keys",
  "processed_events",
  "dead_letters",
  "event_canaries",
  "operation_logs",
  "metric_counts",
  "feature_switches",
  "feature_switch_flips",
  "order_slots",
];

/**
 * In every shard but never moved: the outbox (the events cron drains every shard's, so a slot's
 * unsent events go out from where they were written) and the fences (each shard's own).
 */
export const SHARD_LOCAL_TABLES: readonly string[] = ["outbox", "order_slot_fences"];

export function orderSideTableName(t: OrderSideTable): string {
  return getTableName(t.table);
}

/** What a move, purge or overview needs. */
export interface SlotMoveDeps {
  /** The commerce database (the slot table). */
  commerce: Db;
  /** `ORDERS_0` … in index order. */
  shards: readonly Db[];
  clock: Clock;
  /** The slot table's cache time in every isolate (ORDER_SLOT_CACHE_MS). */
  cacheMs: number;
  leaseMs?: number;
  /** This isolate's slot table, forgotten at the switch. */
  cache?: SlotTableCache;
  /** Called after each table is copied (tests crash a move here). */
  afterTable?: (table: string) => void | Promise<void>;
}

/** A Worker's move dependencies: its commerce database and `ORDERS_<i>` bindings. */
export function slotMoveDepsOf(env: { DB: D1Database }, clock: Clock): SlotMoveDeps {
  return {
    commerce: dbOf(env.DB),
    shards: orderShardBindings(env).map((d1) => dbOf(d1)),
    clock,
    cacheMs: readEnv(orderStoreEnvSchema, env).ORDER_SLOT_CACHE_MS,
  };
}

export interface TableCount {
  table: string;
  /** The slot's rows on the source (= on the target: verified). */
  rows: number;
  /** Rows this call wrote to the target (fewer on a re-run: the rest were already there). */
  copied: number;
}

export interface SlotMoveResult {
  slot: number;
  fromShard: number;
  toShard: number;
  /** Whether this call took over a move that had died. */
  resumed: boolean;
  tables: TableCount[];
  switchedAt: number;
  /** The earliest a purge of the old home is accepted. */
  purgeAfter: number;
}

type Fence = typeof orderSlotFences.$inferSelect;

interface FenceAt extends Fence {
  shard: number;
}

async function fencesOf(deps: SlotMoveDeps, slot: number): Promise<FenceAt[]> {
  const rows = await Promise.all(
    deps.shards.map((db) => db.select().from(orderSlotFences).where(eq(orderSlotFences.slot, slot))),
  );
  return rows.flatMap((r, shard) => r.map((f) => ({ ...f, shard })));
}

function inProgress(slot: number, fence: FenceAt, leaseMs: number): AppError {
  return new AppError("order_slot_move_in_progress", {
    detail: `Slot ${slot} is being moved from shard ${fence.shard} to shard ${fence.toShard}; if that move died, call again after ${new Date(fence.since + leaseMs).toISOString()} to resume it`,
    extensions: {
      slot,
      fromShard: fence.shard,
      toShard: fence.toShard,
      leaseUntil: new Date(fence.since + leaseMs).toISOString(),
    },
  });
}

/** Moves `slot` to shard `toShard`, or resumes its move there that died. */
export async function moveSlot(deps: SlotMoveDeps, slot: number, toShard: number): Promise<SlotMoveResult> {
  const leaseMs = deps.leaseMs ?? MOVE_LEASE_MS;
  if (!deps.shards[toShard]) {
    throw new AppError("order_shard_unknown", {
      detail: `There is no order shard ${toShard}: this Worker binds ORDERS_0 to ORDERS_${deps.shards.length - 1}`,
      extensions: { toShard, shards: deps.shards.length },
    });
  }
  const [fences, current] = await Promise.all([fencesOf(deps, slot), storedShardOf(deps.commerce, slot)]);
  const moving = fences.find((f) => f.state === "moving");
  const now = deps.clock.now();
  let lease: Lease;
  if (moving) {
    if (moving.toShard !== toShard || now - moving.since < leaseMs) throw inProgress(slot, moving, leaseMs);
    lease = await takeOver(deps, slot, moving, now, leaseMs);
  } else {
    if (toShard === current) {
      throw new AppError("order_slot_same_shard", {
        detail: `Slot ${slot} already lives on shard ${toShard}`,
        extensions: { slot, shard: toShard },
      });
    }
    const left = await slotRowsOn(deps.shards[toShard] as Db, slot);
    const held = left.filter((c) => c.rows > 0);
    if (held.length > 0) {
      throw new AppError("order_slot_not_purged", {
        detail: `Shard ${toShard} still holds rows of slot ${slot} from an earlier move (${held.map((c) => `${c.table}: ${c.rows}`).join(", ")}); purge it first (POST /admin/v1/order-slots/${slot}/purge)`,
        extensions: { slot, shard: toShard },
      });
    }
    lease = await fence(deps, slot, current, toShard, now, leaseMs);
  }
  const source = deps.shards[lease.from] as Db;
  const target = deps.shards[lease.to] as Db;
  const tables: TableCount[] = [];
  // A move that died after the slot table switched only has the switch to finish: the target
  // may have taken the slot's new orders since, so its counts no longer match the source's.
  if (current !== lease.to) {
    for (const t of ORDER_SIDE_TABLES) {
      const copied = await copyTable(t, source, target, slot, lease);
      tables.push({ table: orderSideTableName(t), rows: 0, copied });
      await deps.afterTable?.(orderSideTableName(t));
    }
    const [from, to] = await Promise.all([slotRowsOn(source, slot), slotRowsOn(target, slot)]);
    for (const [i, entry] of tables.entries()) {
      const a = from[i]?.rows ?? 0;
      const b = to[i]?.rows ?? 0;
      if (a !== b) {
        throw new AppError("order_slot_verify_failed", {
          detail: `Slot ${slot}'s ${entry.table} rows: ${a} on shard ${lease.from}, ${b} on shard ${lease.to}; the slot stays on shard ${lease.from} (fenced) until a move verifies`,
          extensions: { slot, table: entry.table, source: a, target: b },
        });
      }
      entry.rows = a;
    }
  }
  const switchedAt = deps.clock.now();
  await deps.commerce
    .insert(orderSlots)
    .values({ slot, shard: lease.to, updatedAt: switchedAt })
    .onConflictDoUpdate({ target: orderSlots.slot, set: { shard: lease.to, updatedAt: switchedAt } });
  await target.delete(orderSlotFences).where(eq(orderSlotFences.slot, slot));
  await source
    .update(orderSlotFences)
    .set({ state: "moved", since: switchedAt })
    .where(and(eq(orderSlotFences.slot, slot), eq(orderSlotFences.state, "moving")));
  (deps.cache ?? isolateSlotTable).invalidate();
  return {
    slot,
    fromShard: lease.from,
    toShard: lease.to,
    resumed: lease.resumed,
    tables,
    switchedAt,
    purgeAfter: switchedAt + deps.cacheMs + PURGE_MARGIN_MS,
  };
}

/** A move's hold on its slot: the source's `moving` fence as this call last wrote it. */
interface Lease {
  slot: number;
  from: number;
  to: number;
  since: number;
  resumed: boolean;
  deps: SlotMoveDeps;
  leaseMs: number;
}

async function fence(
  deps: SlotMoveDeps,
  slot: number,
  from: number,
  to: number,
  now: number,
  leaseMs: number,
): Promise<Lease> {
  const source = deps.shards[from] as Db;
  const [row] = await source
    .insert(orderSlotFences)
    .values({ slot, state: "moving", toShard: to, since: now })
    .onConflictDoNothing()
    .returning();
  if (!row) {
    const [other] = await source.select().from(orderSlotFences).where(eq(orderSlotFences.slot, slot));
    throw inProgress(slot, { ...(other ?? { slot, state: "moving", toShard: to, since: now }), shard: from }, leaseMs);
  }
  return { slot, from, to, since: now, resumed: false, deps, leaseMs };
}

async function takeOver(deps: SlotMoveDeps, slot: number, dead: FenceAt, now: number, leaseMs: number): Promise<Lease> {
  const lease: Lease = { slot, from: dead.shard, to: dead.toShard, since: dead.since, resumed: true, deps, leaseMs };
  await renew(lease, now);
  return lease;
}

/** Moves the lease's `since` to `now`, failing when another call took the move over meanwhile. */
async function renew(lease: Lease, now: number): Promise<void> {
  const source = lease.deps.shards[lease.from] as Db;
  const renewed = await source
    .update(orderSlotFences)
    .set({ since: now })
    .where(
      and(
        eq(orderSlotFences.slot, lease.slot),
        eq(orderSlotFences.state, "moving"),
        eq(orderSlotFences.since, lease.since),
      ),
    )
    .returning({ since: orderSlotFences.since });
  if (renewed.length === 0) {
    throw inProgress(
      lease.slot,
      { slot: lease.slot, state: "moving", toShard: lease.to, since: now, shard: lease.from },
      lease.leaseMs,
    );
  }
  lease.since = now;
}

type Row = Record<string, unknown> & { _rowid: number };

/** One page of the slot's rows of `t` after `after` (by rowid); `last` is the page's last rowid read, kept or not. */
async function pageOf(
  db: Db,
  t: OrderSideTable,
  slot: number,
  after: number,
): Promise<{ rows: Row[]; last: number | null }> {
  const read = (await db
    .select({ ...getTableColumns(t.table), _rowid: sql<number>`rowid` })
    .from(t.table)
    .where(and(t.where(slotDigits(slot)), sql`rowid > ${after}`))
    .orderBy(sql`rowid`)
    .limit(PAGE)) as Row[];
  const last = read.length === PAGE ? (read[read.length - 1]?._rowid ?? null) : null;
  const keep = t.keep;
  return { rows: keep ? read.filter((r) => keep(r, slot)) : read, last };
}

async function copyTable(t: OrderSideTable, source: Db, target: Db, slot: number, lease: Lease): Promise<number> {
  let copied = 0;
  let after = 0;
  for (;;) {
    const page = await pageOf(source, t, slot, after);
    const values = page.rows.map(({ _rowid, ...row }) => row);
    const statements = inChunks(values, (chunk) =>
      target
        .insert(t.table)
        .values(chunk as never)
        .onConflictDoNothing(),
    );
    const [first, ...rest] = statements;
    if (first) {
      const results = (await target.batch([first, ...rest])) as unknown as { meta?: { changes?: number } }[];
      copied += results.reduce((n, r) => n + (r.meta?.changes ?? 0), 0);
    }
    await renew(lease, lease.deps.clock.now());
    if (page.last === null) return copied;
    after = page.last;
  }
}

/** The slot's row count per order-side table on `db`, in ORDER_SIDE_TABLES' order. */
export async function slotRowsOn(db: Db, slot: number): Promise<{ table: string; rows: number }[]> {
  const inSql = ORDER_SIDE_TABLES.filter((t) => !t.keep);
  const [first, ...rest] = inSql.map((t) =>
    db
      .select({ n: sql<number>`count(*)` })
      .from(t.table)
      .where(t.where(slotDigits(slot))),
  );
  const counted = first ? ((await db.batch([first, ...rest])) as { n: number }[][]) : [];
  const bySql = new Map(inSql.map((t, i) => [t, counted[i]?.[0]?.n ?? 0]));
  const out: { table: string; rows: number }[] = [];
  for (const t of ORDER_SIDE_TABLES) {
    out.push({ table: orderSideTableName(t), rows: bySql.get(t) ?? (await rowidsOf(db, t, slot)).length });
  }
  return out;
}

async function rowidsOf(db: Db, t: OrderSideTable, slot: number): Promise<number[]> {
  const ids: number[] = [];
  let after = 0;
  for (;;) {
    const page = await pageOf(db, t, slot, after);
    ids.push(...page.rows.map((r) => r._rowid));
    if (page.last === null) return ids;
    after = page.last;
  }
}

export interface SlotPurgeResult {
  slot: number;
  /** Per old home purged: the rows deleted per table. */
  shards: { shard: number; tables: { table: string; deleted: number }[] }[];
}

/**
 * Deletes the slot's rows from every shard it moved away from, once no isolate can still be
 * reading them there (ORDER_SLOT_CACHE_MS + PURGE_MARGIN_MS after the switch). The `moved`
 * fence stays: the old home refuses the slot's writes for good.
 */
export async function purgeSlot(deps: SlotMoveDeps, slot: number): Promise<SlotPurgeResult> {
  const leaseMs = deps.leaseMs ?? MOVE_LEASE_MS;
  const [fences, current] = await Promise.all([fencesOf(deps, slot), storedShardOf(deps.commerce, slot)]);
  const moving = fences.find((f) => f.state === "moving");
  if (moving) throw inProgress(slot, moving, leaseMs);
  const now = deps.clock.now();
  const oldHomes = fences.filter((f) => f.state === "moved" && f.shard !== current);
  const early = oldHomes.find((f) => now < f.since + deps.cacheMs + PURGE_MARGIN_MS);
  if (early) {
    const at = early.since + deps.cacheMs + PURGE_MARGIN_MS;
    throw new AppError("order_slot_purge_too_early", {
      detail: `Slot ${slot} left shard ${early.shard} at ${new Date(early.since).toISOString()}; isolates may read it there until ${new Date(at).toISOString()}`,
      extensions: { slot, shard: early.shard, purgeAfter: new Date(at).toISOString() },
      headers: { "Retry-After": String(Math.ceil((at - now) / 1000)) },
    });
  }
  const shards: SlotPurgeResult["shards"] = [];
  for (const home of oldHomes) {
    const db = deps.shards[home.shard] as Db;
    // Every table's rowids before any delete: children are found through their parents.
    const found = [];
    for (const t of ORDER_SIDE_TABLES) found.push({ t, ids: await rowidsOf(db, t, slot) });
    const tables: { table: string; deleted: number }[] = [];
    for (const { t, ids } of found.reverse()) {
      let deleted = 0;
      for (const chunk of chunkList(ids, 90)) {
        const shared =
          t.table === orderSnapshots
            ? sql` AND ${orderSnapshots.id} NOT IN (SELECT ${orderItems.snapshotId} FROM ${orderItems})`
            : sql``;
        const result = (await db.run(
          sql`DELETE FROM ${t.table} WHERE rowid IN (${sql.join(
            chunk.map((id) => sql`${id}`),
            sql`, `,
          )})${shared}`,
        )) as unknown as { meta?: { changes?: number } };
        deleted += result.meta?.changes ?? 0;
      }
      tables.push({ table: orderSideTableName(t), deleted });
    }
    shards.push({ shard: home.shard, tables: tables.reverse() });
  }
  return { slot, shards };
}

export interface SlotOverview {
  shards: {
    shard: number;
    slots: number;
    fenced: { slot: number; state: "moving" | "moved"; toShard: number; since: number }[];
  }[];
  moves: { slot: number; fromShard: number; toShard: number; lastProgressAt: number; stalled: boolean }[];
}

/** Per shard: how many slots live there and which slots it fences; and the moves under way. */
export async function slotOverview(deps: SlotMoveDeps): Promise<SlotOverview> {
  const leaseMs = deps.leaseMs ?? MOVE_LEASE_MS;
  const [table, ...fences] = await Promise.all([
    deps.commerce.select({ slot: orderSlots.slot, shard: orderSlots.shard }).from(orderSlots),
    ...deps.shards.map((db) => db.select().from(orderSlotFences).orderBy(orderSlotFences.slot)),
  ]);
  const homes = new Uint16Array(SLOT_COUNT);
  for (const row of table) if (row.slot >= 0 && row.slot < SLOT_COUNT) homes[row.slot] = row.shard;
  const now = deps.clock.now();
  return {
    shards: deps.shards.map((_, shard) => ({
      shard,
      slots: homes.filter((h) => h === shard).length,
      fenced: (fences[shard] ?? []).map((f) => ({ slot: f.slot, state: f.state, toShard: f.toShard, since: f.since })),
    })),
    moves: fences.flatMap((rows, shard) =>
      rows
        .filter((f) => f.state === "moving")
        .map((f) => ({
          slot: f.slot,
          fromShard: shard,
          toShard: f.toShard,
          lastProgressAt: f.since,
          stalled: now - f.since >= leaseMs,
        })),
    ),
  };
}
