/**
 * OrderStore: the one module that knows orders live in several D1 databases (issue #20, SPEC §4.3
 * 订单ID 生成策略). Pay orders, orders, their items, snapshots, discounts, status log, sagas and
 * outbox rows live in order shard `i` (the `ORDERS_<i>` binding) of the shopper's slot,
 * `user_id % 1000`; the order number carries the slot, so the number alone names the database.
 * Catalog, users, promotions' counters, the ledger and platform tables stay in the commerce
 * database (docs/decisions.md says why).
 *
 * Routing: the slot table (`order_slots`, in the commerce database; a slot without a row is on
 * shard 0) is cached per isolate for `ORDER_SLOT_CACHE_MS` (5 s), so routing costs no D1 read on
 * a hot path. A cache may be stale after a slot move; the fence makes that harmless: every write
 * batch of a slot's orders starts with a statement that fails while the shard holds a fence for
 * that slot (`order_slot_fences`, written by the move before it copies anything), so a stale
 * writer is refused with 409 `order_slot_moving` (retryable) and never writes to the old home
 * after the copy. Reads from a stale cache find the old home's copy, which a move keeps until it
 * is purged (shared/orders/slot-move.ts).
 */
import { eq, type SQL, sql } from "drizzle-orm";
import type { BatchItem } from "drizzle-orm/batch";
import type { SQLiteColumn } from "drizzle-orm/sqlite-core";
import { z } from "zod";
import { orderSlots } from "../../db/schema";
import { type BatchRead, batchRead, combineReads, runBatchRead } from "../platform/d1-chunks";
import { type Db, dbOf } from "../platform/db";
import { readEnv } from "../platform/env";
import { AppError } from "../platform/errors";
import { IsolateSnapshot } from "../platform/isolate-snapshot";
import { parseOrderNumber, userSuffix } from "./order-numbers";

/** Slots are `user_id % 1000`. */
export const SLOT_COUNT = 1000;

export const orderStoreEnvSchema = z.object({
  /** How long an isolate trusts the slot table it read (a move's switch is in force within this). */
  ORDER_SLOT_CACHE_MS: z.coerce.number().int().min(0).max(5_000).default(5_000),
});

/** The order shards of a Worker: `ORDERS_0`, `ORDERS_1`, … as bound; without any, the commerce database alone. */
export function orderShardBindings(env: { DB: D1Database }): D1Database[] {
  const named = env as unknown as Record<string, D1Database | undefined>;
  const shards: D1Database[] = [];
  for (let i = 0; named[`ORDERS_${i}`]; i++) shards.push(named[`ORDERS_${i}`] as D1Database);
  return shards.length > 0 ? shards : [env.DB];
}

/** The slot of a shopper's orders. */
export function slotOfUser(userId: string): number {
  return userSuffix(userId);
}

/** The slot an order or pay-order number names, or null when the text is not such a number. */
export function slotOfNumber(orderNumber: string): number | null {
  return parseOrderNumber(orderNumber)?.userSuffix ?? null;
}

/** One isolate's copy of the slot table (isolate-snapshot.ts: no request waits on another's read). */
export class SlotTableCache {
  private readonly table = new IsolateSnapshot<Uint16Array>();

  async shardOf(commerce: Db, slot: number, now: number, ttlMs: number): Promise<number> {
    return (await this.shards(commerce, now, ttlMs))[slot] ?? 0;
  }

  /**
   * The shard of every slot, by slot. A failed read keeps routing by the last table read rather
   * than fail every order: the fences refuse a write to a slot's old home, so a stale table costs
   * a retry, never an order.
   */
  shards(commerce: Db, now: number, ttlMs: number): Promise<Uint16Array> {
    return this.table.current(() => readSlotTable(commerce), now, ttlMs);
  }

  /** Forgets the table (after a move's switch, so this isolate's next request reads it afresh). */
  invalidate(): void {
    this.table.invalidate();
  }
}

async function readSlotTable(commerce: Db): Promise<Uint16Array> {
  const rows = await commerce.select({ slot: orderSlots.slot, shard: orderSlots.shard }).from(orderSlots);
  const shards = new Uint16Array(SLOT_COUNT);
  for (const row of rows) if (row.slot >= 0 && row.slot < SLOT_COUNT) shards[row.slot] = row.shard;
  return shards;
}

/** The cache this isolate's requests share. */
export const isolateSlotTable = new SlotTableCache();

/** What an OrderStore is built from. */
export interface OrderStoreDeps {
  /** The commerce database, where the slot table lives. */
  commerce: Db;
  /** `ORDERS_0` … in index order (orderShardBindings). */
  shards: readonly D1Database[];
  now: () => number;
  /** Defaults to the isolate's cache and 5 s. */
  cache?: SlotTableCache;
  ttlMs?: number;
}

/** A Worker's OrderStore: its commerce database, its `ORDERS_<i>` bindings, the isolate's slot table. */
export function orderStoreOf(env: { DB: D1Database }, clock: { now(): number }): OrderStore {
  return new OrderStore({
    commerce: dbOf(env.DB),
    shards: orderShardBindings(env),
    now: () => clock.now(),
    ttlMs: readEnv(orderStoreEnvSchema, env).ORDER_SLOT_CACHE_MS,
  });
}

/** One order database. */
export interface OrderShard {
  index: number;
  db: Db;
}

export class OrderStore {
  private readonly dbs: Db[];
  private readonly cache: SlotTableCache;
  private readonly ttlMs: number;

  constructor(private readonly deps: OrderStoreDeps) {
    this.dbs = deps.shards.map((d1) => dbOf(d1));
    this.cache = deps.cache ?? isolateSlotTable;
    this.ttlMs = deps.ttlMs ?? 5_000;
  }

  /** Every shard, for reads that fan out (a seller's orders, reports) and sweeps. */
  all(): OrderShard[] {
    return this.dbs.map((db, index) => ({ index, db }));
  }

  /**
   * Every shard with the slots the slot table gives it ("all" when it has every one), for fan-out
   * reads that must see each order once: a shard may hold a moved slot's old copy (until its purge)
   * or a copy being made, and only the slot's routed shard counts.
   */
  async routed(): Promise<{ shard: OrderShard; slots: number[] | "all" }[]> {
    const table = await this.cache.shards(this.deps.commerce, this.deps.now(), this.ttlMs);
    return this.all().map((shard) => {
      const slots: number[] = [];
      for (let slot = 0; slot < SLOT_COUNT; slot++) if (table[slot] === shard.index) slots.push(slot);
      return { shard, slots: slots.length === SLOT_COUNT ? "all" : slots };
    });
  }

  /** Shard `index`'s database (a slot move's source or target). */
  shard(index: number): Db {
    const db = this.dbs[index];
    if (!db) throw new Error(`no order shard ${index}: bind ORDERS_${index}`);
    return db;
  }

  /** Where a shopper's orders live (new ones are written there). */
  async homeOfUser(userId: string): Promise<OrderHome> {
    return this.homeOfSlot(slotOfUser(userId));
  }

  /** Where the order or pay order of this number lives; null when the text is not such a number. */
  async homeOfNumber(orderNumber: string): Promise<OrderHome | null> {
    const slot = slotOfNumber(orderNumber);
    return slot === null ? null : this.homeOfSlot(slot);
  }

  /** Where order or pay order `orderNumber` lives; 404 when the text cannot be such a number. */
  async homeOfOrder(orderNumber: string): Promise<OrderHome> {
    const home = await this.homeOfNumber(orderNumber);
    if (!home) throw new AppError("not_found", { detail: `No order ${orderNumber}` });
    return home;
  }

  async homeOfSlot(slot: number): Promise<OrderHome> {
    const index = await this.cache.shardOf(this.deps.commerce, slot, this.deps.now(), this.ttlMs);
    return new OrderHome(slot, index, this.shard(index));
  }
}

/**
 * The shard that is the commerce database: `ORDERS_0` binds the same database as `DB` (a
 * deployment starts as one database and grows by moving slots away), so a batch on shard 0 may
 * read and write commerce tables too.
 */
export const COMMERCE_SHARD = 0;

/**
 * A slot's shard: reads go to `db`; writes go through `batch` or `run`, which put the slot's fence
 * check first in the same atomic batch.
 */
export class OrderHome {
  constructor(
    readonly slot: number,
    readonly shard: number,
    readonly db: Db,
  ) {}

  /** Whether this shard is the commerce database itself: shard 0 (`ORDERS_0` binds it). */
  get isCommerce(): boolean {
    return this.shard === COMMERCE_SHARD;
  }

  /** Fails its batch (SQLite's integer overflow, a failure no other statement of ours raises) while the slot is fenced here. */
  fence() {
    return this.db
      .select({
        open: sql<number>`CASE WHEN EXISTS (SELECT 1 FROM order_slot_fences WHERE slot = ${this.slot}) THEN abs(-9223372036854775807 - 1) ELSE 1 END`,
      })
      .from(sql`(SELECT 1)`);
  }

  /** Runs `statements` as one atomic batch behind the fence; answers their results (the fence's left out). */
  async batch(statements: readonly BatchItem<"sqlite">[]): Promise<unknown[]> {
    try {
      const results = await this.db.batch([this.fence(), ...statements] as [
        BatchItem<"sqlite">,
        ...BatchItem<"sqlite">[],
      ]);
      return (results as unknown[]).slice(1);
    } catch (err) {
      throw isFenced(err) ? slotMoving(this.slot) : err;
    }
  }

  /** Runs a `BatchRead` (reads and writes a domain lends) as one batch behind the fence. */
  async run<T>(read: BatchRead<T>): Promise<T> {
    const fenced = combineReads({ fence: batchRead([[this.fence()]], () => null), read }, (v) => v.read as T);
    try {
      return await runBatchRead(this.db, fenced);
    } catch (err) {
      throw isFenced(err) ? slotMoving(this.slot) : err;
    }
  }
}

/** Whether a batch failed on a slot fence. */
export function isFenced(err: unknown): boolean {
  return /integer overflow/i.test(`${String(err)} ${String((err as { cause?: unknown })?.cause ?? "")}`);
}

function slotMoving(slot: number): AppError {
  return new AppError("order_slot_moving", {
    detail: `This shopper's orders (slot ${slot}) are being moved to another database; retry in a second`,
    headers: { "Retry-After": "1" },
    retryable: true,
  });
}

/**
 * Rows whose pay-order or order number `column` names one of `slots` (digits 14–16), for a fan-out
 * read that must see each row once: only a slot's routed shard counts (`routed()`), not a
 * moved slot's copy awaiting its purge. One bound parameter however many slots. `column` may be an
 * SQL chunk (sql`o.id`) for raw statements that alias their tables.
 */
export function inSlots(column: SQLiteColumn | SQL, slots: number[] | "all"): SQL | undefined {
  if (slots === "all") return undefined;
  return sql`CAST(substr(${column}, 14, 3) AS INTEGER) IN (SELECT value FROM json_each(${JSON.stringify(slots)}))`;
}

/** Where the slot table puts `slot` (read from D1, never from the cache): for moves and their tests. */
export async function storedShardOf(commerce: Db, slot: number): Promise<number> {
  const [row] = await commerce.select({ shard: orderSlots.shard }).from(orderSlots).where(eq(orderSlots.slot, slot));
  return row?.shard ?? 0;
}
