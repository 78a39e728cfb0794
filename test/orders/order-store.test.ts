/**
 * OrderStore's routing and fences (shared/orders/order-store.ts): the slot table sends a slot to
 * its shard, the order number alone names it, an isolate's cached table is trusted for its TTL
 * only, and a fenced slot's writes are refused atomically with 409 `order_slot_moving`.
 */
import { env } from "cloudflare:test";
import { eq, sql } from "drizzle-orm";
import { beforeAll, describe, expect, it } from "vitest";
import { orderSlotFences, orderSlots } from "../../db/schema";
import { formatOrderNumber, userSuffix } from "../../shared/orders/order-numbers";
import {
  OrderStore,
  orderShardBindings,
  SlotTableCache,
  slotOfNumber,
  slotOfUser,
} from "../../shared/orders/order-store";
import { dbOf } from "../../shared/platform/db";
import { isAppError } from "../../shared/platform/errors";
import { slotsAllOnShardZero } from "../helpers/shards";

const commerce = dbOf(env.DB);

function storeAt(now: { t: number }, cache = new SlotTableCache()) {
  return new OrderStore({ commerce, shards: orderShardBindings(env), now: () => now.t, cache, ttlMs: 5_000 });
}

// These tests read and change the slot table itself: they start from the default (every slot on shard 0).
beforeAll(slotsAllOnShardZero);

describe("OrderStore", () => {
  it("binds every ORDERS_<i>, and ORDERS_0 is the commerce database itself", async () => {
    expect(orderShardBindings(env)).toHaveLength(3);
    await env.DB.exec("CREATE TABLE IF NOT EXISTS shard_probe (v INTEGER)");
    await env.DB.prepare("INSERT INTO shard_probe (v) VALUES (7)").run();
    const seen = await env.ORDERS_0.prepare("SELECT v FROM shard_probe").first<{ v: number }>();
    expect(seen?.v).toBe(7);
    const elsewhere = await env.ORDERS_1.prepare(
      "SELECT count(*) AS n FROM sqlite_master WHERE name = 'shard_probe'",
    ).first<{ n: number }>();
    expect(elsewhere?.n).toBe(0);
  });

  it("falls back to the commerce database when a Worker binds no shard", () => {
    expect(orderShardBindings({ DB: env.DB })).toEqual([env.DB]);
  });

  it("reads the slot from a shopper's id and from an order number alike", () => {
    const slot = slotOfUser("usr_slot_probe");
    expect(slot).toBe(userSuffix("usr_slot_probe"));
    expect(slotOfNumber(formatOrderNumber(1_700_000_000, 3, slot, 9))).toBe(slot);
    expect(slotOfNumber("not-a-number")).toBeNull();
  });

  it("routes a slot without a row to shard 0 and a slot with one to its shard, trusting the cache for its TTL", async () => {
    const now = { t: 1_000_000 };
    const store = storeAt(now);
    expect((await store.homeOfSlot(901)).shard).toBe(0);
    await commerce.insert(orderSlots).values({ slot: 901, shard: 1, updatedAt: now.t });
    expect((await store.homeOfSlot(901)).shard).toBe(0); // the isolate still trusts what it read
    now.t += 5_000;
    const home = await store.homeOfSlot(901);
    expect(home.shard).toBe(1);
    const number = formatOrderNumber(1_700_000_000, 0, 901, 1);
    expect((await store.homeOfNumber(number))?.shard).toBe(1);
    expect(await store.homeOfNumber("42")).toBeNull();
  });

  it("refuses a fenced slot's write batch as a whole with 409 order_slot_moving, and only that slot's", async () => {
    const store = storeAt({ t: 2_000_000 });
    const fenced = await store.homeOfSlot(902);
    const open = await store.homeOfSlot(903);
    const shard = dbOf(env.ORDERS_0);
    await shard.insert(orderSlotFences).values({ slot: 902, state: "moving", toShard: 1, since: 2_000_000 });
    const probe = (slot: number) => shard.insert(orderSlots).values({ slot: 1_000_000 + slot, shard: 0, updatedAt: 0 }); // any write will do
    const refused = await fenced.batch([probe(902)]).catch((err: unknown) => err);
    expect(isAppError(refused) && refused.code).toBe("order_slot_moving");
    expect(isAppError(refused) && refused.retryable).toBe(true);
    expect(await shard.select().from(orderSlots).where(eq(orderSlots.slot, 1_000_902))).toHaveLength(0);
    await open.batch([probe(903)]);
    expect(await shard.select().from(orderSlots).where(eq(orderSlots.slot, 1_000_903))).toHaveLength(1);
    const read = await fenced.db.select({ n: sql<number>`count(*)` }).from(orderSlots);
    expect(read[0]?.n).toBeGreaterThan(0); // reads are never fenced
  });
});
