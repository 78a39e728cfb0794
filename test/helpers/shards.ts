/** Two order shards in a test file: the slot table split between ORDERS_0 and ORDERS_1, shoppers on either. */
import { env } from "cloudflare:test";
import { sql } from "drizzle-orm";
import { orderSlots } from "../../db/schema";
import { isolateSlotTable, orderShardBindings, SLOT_COUNT, slotOfUser } from "../../shared/orders/order-store";
import { inChunks, runChunks } from "../../shared/platform/d1-chunks";
import { dbOf } from "../../shared/platform/db";
import { newShopper, type Shopper } from "./orders";

/** Gives shard `slot % 2` every slot (the first slot table of two shards), and makes this isolate read it. */
export async function splitSlotsOverTwoShards(): Promise<void> {
  const db = dbOf(env.DB);
  const rows = Array.from({ length: SLOT_COUNT }, (_, slot) => ({ slot, shard: slot % 2, updatedAt: Date.now() }));
  await runChunks(
    db,
    inChunks(rows, (chunk) =>
      db
        .insert(orderSlots)
        .values(chunk)
        .onConflictDoUpdate({ target: orderSlots.slot, set: { shard: sql`excluded.shard` } }),
    ),
  );
  isolateSlotTable.invalidate();
}

/**
 * Every slot on shard 0 again (no slot table rows: the default), for files about the slot table
 * itself that `npm run test:shards` started split.
 */
export async function slotsAllOnShardZero(): Promise<void> {
  await dbOf(env.DB).delete(orderSlots);
  isolateSlotTable.invalidate();
}

/** A fresh shopper whose slot is on `shard` under the split (about two tries). */
export async function shopperOnShard(shard: 0 | 1): Promise<Shopper> {
  for (;;) {
    const shopper = await newShopper();
    if (slotOfUser(shopper.id) % 2 === shard) return shopper;
  }
}

/** Which shards hold a row of `table` with this id (ORDERS_0 is the commerce database itself). */
export async function shardsHolding(table: string, id: string): Promise<number[]> {
  const found = await Promise.all(
    orderShardBindings(env).map((d1) => d1.prepare(`SELECT 1 AS x FROM ${table} WHERE id = ?`).bind(id).first()),
  );
  return found.flatMap((row, i) => (row ? [i] : []));
}
