/**
 * The order shard a test's direct reads go to: the one the slot table names for an order number or
 * a shopper, as the Workers route, so a helper reading order rows straight from D1 reads where the
 * order lives however the slots are split.
 */
import { env } from "cloudflare:test";
import {
  orderShardBindings,
  SLOT_COUNT,
  slotOfNumber,
  slotOfUser,
  storedShardOf,
} from "../../shared/orders/order-store";
import { dbOf } from "../../shared/platform/db";

/** The index of the shard the slot table puts `slot` on. */
function shardOfSlot(slot: number): Promise<number> {
  return storedShardOf(dbOf(env.DB), slot);
}

async function shardD1(slot: number): Promise<D1Database> {
  const shard = await shardOfSlot(slot);
  const d1 = orderShardBindings(env)[shard];
  if (!d1) throw new Error(`slot ${slot} is on shard ${shard}, which is not bound`);
  return d1;
}

/** The index of the shard holding order or pay order `orderNumber`. */
export async function orderShard(orderNumber: string): Promise<number> {
  const slot = slotOfNumber(orderNumber);
  if (slot === null) throw new Error(`${orderNumber} is no order number`);
  return shardOfSlot(slot);
}

/** The shard holding order or pay order `orderNumber`; the commerce database for text that is no order number. */
export async function orderD1(orderNumber: string): Promise<D1Database> {
  const slot = slotOfNumber(orderNumber);
  return slot === null ? env.DB : shardD1(slot);
}

/** The shard holding shopper `userId`'s orders. */
export async function shopperD1(userId: string): Promise<D1Database> {
  return shardD1(slotOfUser(userId) % SLOT_COUNT);
}

/**
 * A `select count(*) as n …` over order tables summed over every shard, for counts that span
 * shoppers (a SKU's order lines, a voucher's discounted orders). Rows are on one shard each outside
 * a slot move, which tests of moves count themselves.
 */
export async function countOnShards(query: string, ...params: unknown[]): Promise<number> {
  const counts = await rowsOnShards<{ n: number }>(query, ...params);
  return counts.reduce((n, row) => n + row.n, 0);
}

/** The rows of a query over order tables from every shard, concatenated (see countOnShards). */
export async function rowsOnShards<T>(query: string, ...params: unknown[]): Promise<T[]> {
  const found = await Promise.all(
    orderShardBindings(env).map((d1) =>
      d1
        .prepare(query)
        .bind(...params)
        .all<T>(),
    ),
  );
  return found.flatMap((r) => r.results);
}

/** A `select <key> as k, count(*) as n … group by k` over order tables, summed per key over every shard. */
export async function tallyOnShards(query: string, ...params: unknown[]): Promise<Record<string, number>> {
  const tally: Record<string, number> = {};
  for (const row of await rowsOnShards<{ k: string; n: number }>(query, ...params)) {
    tally[row.k] = (tally[row.k] ?? 0) + row.n;
  }
  return tally;
}
