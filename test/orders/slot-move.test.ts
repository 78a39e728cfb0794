/**
 * Moving an order slot (shared/orders/slot-move.ts): a slot's rows written on shard 0 move to
 * ORDERS_2 with counts verified, the slot table and OrderStore route there, the old home refuses
 * the slot's writes, a crashed move resumes without duplicates, and the purge waits out the
 * isolates' cache and then removes that slot's rows only.
 */
import { env } from "cloudflare:test";
import { count, eq, getTableName, inArray, is } from "drizzle-orm";
import { SQLiteTable } from "drizzle-orm/sqlite-core";
import { beforeAll, describe, expect, it } from "vitest";
import * as schema from "../../db/schema";
import {
  carrierEvents,
  orderDiscounts,
  orderItems,
  orderSagas,
  orderSlotFences,
  orderSnapshots,
  orderStatusLog,
  orders,
  payments,
  payOrders,
  refundItems,
  refunds,
  shipments,
  users,
} from "../../db/schema";
import { formatOrderNumber } from "../../shared/orders/order-numbers";
import { OrderHome, OrderStore, SlotTableCache, slotOfUser, storedShardOf } from "../../shared/orders/order-store";
import {
  COMMERCE_ONLY_TABLES,
  MOVE_LEASE_MS,
  moveSlot,
  ORDER_SIDE_TABLES,
  orderSideTableName,
  PURGE_MARGIN_MS,
  purgeSlot,
  SHARD_LOCAL_TABLES,
  type SlotMoveDeps,
  slotRowsOn,
} from "../../shared/orders/slot-move";
import { ManualClock } from "../../shared/platform/clock";
import { type Db, dbOf } from "../../shared/platform/db";
import { isAppError } from "../../shared/platform/errors";
import { tokenFor } from "../helpers/callers";
import { newSeller, operatorToken } from "../helpers/catalog";
import { createUser } from "../helpers/factories";
import { call, json } from "../helpers/http";
import { placeOrder, SHANGHAI, type Shopper, skuOnSale } from "../helpers/orders";
import { eventually } from "../helpers/payments";
import { slotsAllOnShardZero } from "../helpers/shards";

const commerce = dbOf(env.DB);
const shardDbs = [env.ORDERS_0, env.ORDERS_1, env.ORDERS_2].map((d1) => dbOf(d1));
const CACHE_MS = 5_000;

function depsAt(clock: ManualClock, extra: Partial<SlotMoveDeps> = {}): SlotMoveDeps {
  return { commerce, shards: shardDbs, clock, cacheMs: CACHE_MS, cache: new SlotTableCache(), ...extra };
}

/** A shopper whose id falls in `slot`, stored in the commerce database (orders name their user). */
async function shopperInSlot(slot: number): Promise<string> {
  let id = "";
  for (let i = 0; ; i++) {
    id = `usr_slotmove_${slot}_${i}`;
    if (slotOfUser(id) === slot) break;
  }
  const now = Date.now();
  await commerce
    .insert(users)
    .values({
      id,
      username: `slotmove${slot}${now % 100_000}`,
      email: `slotmove${slot}.${now}@example.test`,
      phone: `+86137${String(now % 10_000_000).padStart(7, "0")}${slot % 10}`,
      passwordHash: "x",
      role: "shopper",
      status: 1,
      createdAt: now,
      updatedAt: now,
    } as never)
    .onConflictDoNothing();
  return id;
}

let second = 1_700_000_000;

/**
 * One shopper's checkout written straight into `db`: a pay order, two orders with an item each
 * (one item's snapshot shared with `sharedSnapshot`'s owners), a discount, the saga, a payment, a
 * refund of one item, a shipment with a carrier callback, and the status log of each.
 */
async function writeCheckout(db: Db, userId: string, shopId: string, sharedSnapshot: string) {
  const slot = slotOfUser(userId);
  second += 1;
  const payOrderId = formatOrderNumber(second, 1, slot, 0);
  const orderIds = [formatOrderNumber(second, 1, slot, 1), formatOrderNumber(second, 1, slot, 2)];
  const tag = `${slot}_${second}`;
  const now = Date.now();
  const sagaId = `sga_${tag}`;
  const own = `osn_own_${tag}`;
  await db
    .insert(orderSnapshots)
    .values([
      { id: sharedSnapshot, skuId: "sku_shared", contentHash: `hash_${sharedSnapshot}`, content: "{}", createdAt: now },
      { id: own, skuId: "sku_own", contentHash: `hash_${own}`, content: '{"name":"own"}', createdAt: now },
    ])
    .onConflictDoNothing();
  await db.insert(payOrders).values({
    id: payOrderId,
    userId,
    sagaId,
    currency: "CNY",
    payAmount: 3000,
    cashAmount: 3000,
    paymentStatus: "PAID",
    payBy: now + 900_000,
    createdAt: now,
    updatedAt: now,
  });
  const order = (id: string) => ({
    id,
    payOrderId,
    userId,
    shopId,
    kind: "physical" as const,
    status: "PAID",
    paymentStatus: "PAID",
    fulfillmentStatus: "PENDING",
    refundStatus: "NONE",
    currency: "CNY",
    itemsAmount: 1500,
    shippingFee: 0,
    discountAmount: 0,
    totalAmount: 1500,
    createdAt: now,
    updatedAt: now,
  });
  await db.insert(orders).values(orderIds.map(order));
  const itemIds = [`oit_a_${tag}`, `oit_b_${tag}`];
  await db.insert(orderItems).values(
    itemIds.map((id, i) => ({
      id,
      orderId: orderIds[i] as string,
      skuId: "sku_x",
      productId: "prd_x",
      snapshotId: i === 0 ? sharedSnapshot : own,
      quantity: 1,
      unitPrice: 1500,
      discount: 0,
      paidAmount: 1500,
      reservationId: `res_${tag}_${i}`,
      status: "PAID",
      createdAt: now,
    })),
  );
  await db.insert(orderDiscounts).values({
    id: `odc_${tag}`,
    orderId: orderIds[0] as string,
    sagaId,
    source: "threshold",
    amount: 0,
    lineShares: "{}",
    createdAt: now,
  });
  await db.insert(orderSagas).values({
    id: sagaId,
    userId,
    status: "completed",
    context: "{}",
    leaseUntil: now,
    createdAt: now,
    updatedAt: now,
  });
  const paymentId = `pay_${tag}`;
  await db.insert(payments).values({
    id: paymentId,
    payOrderId,
    userId,
    provider: "sandbox",
    status: "SUCCEEDED",
    amount: 3000,
    currency: "CNY",
    orders: "[]",
    createdAt: now,
    updatedAt: now,
  });
  const refundId = `rfd_${tag}`;
  await db.insert(refunds).values({
    id: refundId,
    orderId: orderIds[1] as string,
    payOrderId,
    paymentId,
    reason: "changed_mind",
    status: "REQUESTED",
    amount: 1500,
    currency: "CNY",
    createdAt: now,
    updatedAt: now,
  });
  await db.insert(refundItems).values({ refundId, orderItemId: itemIds[1] as string, quantity: 1, amount: 1500 });
  const shipmentId = `shm_${tag}`;
  const trackingNumber = `SF${tag}`;
  await db.insert(shipments).values({
    id: shipmentId,
    orderId: orderIds[0] as string,
    shopId,
    warehouseId: "whs_x",
    carrier: "sf",
    trackingNumber,
    status: "SHIPPED",
    createdAt: now,
    updatedAt: now,
  });
  await db.insert(carrierEvents).values({
    carrier: "sf",
    eventId: `evt_${tag}`,
    type: "in_transit",
    trackingNumber,
    payload: "{}",
    status: "applied",
    createdAt: now,
    receivedAt: now,
    updatedAt: now,
  });
  const log = (entityType: "order" | "pay_order" | "refund" | "shipment", entityId: string, i: number) => ({
    id: `osl_${tag}_${entityType}_${i}`,
    entityType,
    entityId,
    field: "status",
    toStatus: "X",
    event: "test",
    actor: "system",
    at: now,
  });
  await db
    .insert(orderStatusLog)
    .values([
      log("pay_order", payOrderId, 0),
      log("order", orderIds[0] as string, 1),
      log("order", orderIds[1] as string, 2),
      log("refund", refundId, 3),
      log("shipment", shipmentId, 4),
    ]);
  return { payOrderId, orderIds };
}

/** A slot's rows per table on `db`, by table name. */
async function rowsOf(db: Db, slot: number): Promise<Record<string, number>> {
  return Object.fromEntries((await slotRowsOn(db, slot)).map((c) => [c.table, c.rows]));
}

/** What one `writeCheckout` leaves per table. */
const ONE_CHECKOUT = {
  pay_orders: 1,
  orders: 2,
  order_snapshots: 2,
  order_items: 2,
  order_discounts: 1,
  order_sagas: 1,
  payments: 1,
  refunds: 1,
  refund_items: 1,
  shipments: 1,
  carrier_events: 1,
  order_status_log: 5,
};

const twice = Object.fromEntries(
  Object.entries(ONE_CHECKOUT).map(([t, n]) => [t, t === "order_snapshots" ? 3 : 2 * n]),
);

async function seller() {
  const user = await createUser("seller");
  return user.shopId as string;
}

// These tests read and change the slot table itself: they start from the default (every slot on shard 0).
beforeAll(slotsAllOnShardZero);

describe("the order-side table list", () => {
  it("names every table of db/schema as order-side, commerce-only or shard-local, once", () => {
    const names = (Object.values(schema) as unknown[]).flatMap((v) => (is(v, SQLiteTable) ? [getTableName(v)] : []));
    const orderSide = ORDER_SIDE_TABLES.map(orderSideTableName);
    const classified = [...orderSide, ...COMMERCE_ONLY_TABLES, ...SHARD_LOCAL_TABLES];
    expect(
      names.filter((n) => !classified.includes(n)),
      "add each new table to ORDER_SIDE_TABLES (with how a shard finds a slot's rows) or COMMERCE_ONLY_TABLES",
    ).toEqual([]);
    expect(classified.filter((n, i) => classified.indexOf(n) !== i)).toEqual([]);
    expect(classified.filter((n) => !names.includes(n))).toEqual([]);
  });
});

describe("moving a slot", () => {
  it("copies a slot's rows from shard 0 to ORDERS_2, verified, switches the slot table and fences the old home", async () => {
    const clock = new ManualClock(Date.UTC(2026, 5, 1));
    const shopId = await seller();
    const mover = await shopperInSlot(411);
    const stayer = await shopperInSlot(412);
    const shared = "osn_shared_411";
    const mine = [await writeCheckout(shardDbs[0] as Db, mover, shopId, shared)];
    mine.push(await writeCheckout(shardDbs[0] as Db, mover, shopId, shared));
    await writeCheckout(shardDbs[0] as Db, stayer, shopId, shared);

    const result = await moveSlot(depsAt(clock), 411, 2);
    expect(result).toMatchObject({ slot: 411, fromShard: 0, toShard: 2, resumed: false });
    expect(Object.fromEntries(result.tables.map((t) => [t.table, t.rows]))).toEqual(twice);
    expect(Object.fromEntries(result.tables.map((t) => [t.table, t.copied]))).toEqual(twice);
    expect(await rowsOf(shardDbs[2] as Db, 411)).toEqual(twice);
    expect(await rowsOf(shardDbs[2] as Db, 412)).toEqual(Object.fromEntries(Object.keys(twice).map((t) => [t, 0])));
    expect(await storedShardOf(commerce, 411)).toBe(2);
    expect(await storedShardOf(commerce, 412)).toBe(0);

    const store = new OrderStore({
      commerce,
      shards: [env.ORDERS_0, env.ORDERS_1, env.ORDERS_2],
      now: () => clock.now(),
      cache: new SlotTableCache(),
    });
    const firstOrder = mine[0]?.orderIds[0] as string;
    const home = await store.homeOfNumber(firstOrder);
    if (!home) throw new Error("not an order number");
    expect(home.shard).toBe(2);
    const [copied] = await home.db.select().from(orders).where(eq(orders.id, firstOrder));
    expect(copied).toMatchObject({ userId: mover, shopId, totalAmount: 1500 });

    // An isolate still routing slot 411 to shard 0 is refused there, for good.
    const stale = new OrderHome(411, 0, shardDbs[0] as Db);
    const write = stale.batch([
      (shardDbs[0] as Db).update(orders).set({ status: "CANCELLED" }).where(eq(orders.id, firstOrder)),
    ]);
    const refused = await write.catch((err: unknown) => err);
    expect(isAppError(refused) && refused.code).toBe("order_slot_moving");
    expect(isAppError(refused) && refused.status).toBe(409);
    const [fence] = await (shardDbs[0] as Db).select().from(orderSlotFences).where(eq(orderSlotFences.slot, 411));
    expect(fence).toMatchObject({ state: "moved", toShard: 2 });
    // The new home takes the slot's writes.
    await home.batch([home.db.update(orders).set({ status: "CANCELLED" }).where(eq(orders.id, firstOrder))]);
  });

  it("refuses a move to the shard the slot is on, to an unbound shard, and of a slot already moving", async () => {
    const clock = new ManualClock(Date.UTC(2026, 5, 2));
    const deps = depsAt(clock);
    const code = (p: Promise<unknown>) =>
      p.then(
        () => "moved",
        (err: unknown) => (isAppError(err) ? `${err.status} ${err.code}` : String(err)),
      );
    expect(await code(moveSlot(deps, 421, 0))).toBe("409 order_slot_same_shard");
    expect(await code(moveSlot(deps, 421, 3))).toBe("422 order_shard_unknown");
    await (shardDbs[0] as Db)
      .insert(orderSlotFences)
      .values({ slot: 421, state: "moving", toShard: 1, since: clock.now() });
    expect(await code(moveSlot(deps, 421, 1))).toBe("409 order_slot_move_in_progress");
    expect(await code(moveSlot(deps, 421, 2))).toBe("409 order_slot_move_in_progress");
    expect(await code(purgeSlot(deps, 421))).toBe("409 order_slot_move_in_progress");
  });

  it("resumes a move that died halfway, without duplicating what it had copied", async () => {
    const clock = new ManualClock(Date.UTC(2026, 5, 3));
    const shopId = await seller();
    const mover = await shopperInSlot(431);
    await writeCheckout(shardDbs[0] as Db, mover, shopId, "osn_shared_431");
    await writeCheckout(shardDbs[0] as Db, mover, shopId, "osn_shared_431");
    const crash = new Error("the Worker died");
    const died = await moveSlot(
      depsAt(clock, {
        afterTable: (table) => {
          if (table === "orders") throw crash;
        },
      }),
      431,
      2,
    ).catch((err: unknown) => err);
    expect(died).toBe(crash);
    expect(await storedShardOf(commerce, 431)).toBe(0);
    expect((await rowsOf(shardDbs[2] as Db, 431)).orders).toBe(4);
    // Writes stay refused on the source while the move is unfinished.
    const refused = await new OrderHome(431, 0, shardDbs[0] as Db).batch([]).catch((err: unknown) => err);
    expect(isAppError(refused) && refused.code).toBe("order_slot_moving");

    // Within its lease, the dead move still holds the slot.
    const early = await moveSlot(depsAt(clock), 431, 2).catch((err: unknown) => err);
    expect(isAppError(early) && early.code).toBe("order_slot_move_in_progress");
    clock.advance(MOVE_LEASE_MS);
    const resumed = await moveSlot(depsAt(clock), 431, 2);
    expect(resumed.resumed).toBe(true);
    const copied = Object.fromEntries(resumed.tables.map((t) => [t.table, t.copied]));
    expect(copied.pay_orders).toBe(0);
    expect(copied.orders).toBe(0);
    expect(copied.order_items).toBe(4);
    expect(await rowsOf(shardDbs[2] as Db, 431)).toEqual(twice);
    const [all] = await (shardDbs[2] as Db).select({ n: count() }).from(orders).where(eq(orders.userId, mover));
    expect(all?.n).toBe(4);
    expect(await storedShardOf(commerce, 431)).toBe(2);
  });

  it("purges the old home only after the isolates' cache ran out, and only that slot's rows", async () => {
    const clock = new ManualClock(Date.UTC(2026, 5, 4));
    const shopId = await seller();
    const mover = await shopperInSlot(441);
    const stayer = await shopperInSlot(442);
    await writeCheckout(shardDbs[0] as Db, mover, shopId, "osn_shared_441");
    await writeCheckout(shardDbs[0] as Db, mover, shopId, "osn_shared_441");
    await writeCheckout(shardDbs[0] as Db, stayer, shopId, "osn_shared_441");
    const before = await rowsOf(shardDbs[0] as Db, 442);
    const moved = await moveSlot(depsAt(clock), 441, 2);

    clock.set(moved.switchedAt + CACHE_MS + PURGE_MARGIN_MS - 1);
    const early = await purgeSlot(depsAt(clock), 441).catch((err: unknown) => err);
    expect(isAppError(early) && early.code).toBe("order_slot_purge_too_early");
    expect(await rowsOf(shardDbs[0] as Db, 441)).toEqual(twice);

    clock.set(moved.purgeAfter);
    const purged = await purgeSlot(depsAt(clock), 441);
    expect(purged.shards.map((s) => s.shard)).toEqual([0]);
    const deleted = Object.fromEntries((purged.shards[0]?.tables ?? []).map((t) => [t.table, t.deleted]));
    // The snapshot slot 442's item still names stays.
    expect(deleted).toEqual({ ...twice, order_snapshots: 2 });
    expect(await rowsOf(shardDbs[0] as Db, 441)).toEqual(Object.fromEntries(Object.keys(twice).map((t) => [t, 0])));
    expect(await rowsOf(shardDbs[0] as Db, 442)).toEqual(before);
    expect(await rowsOf(shardDbs[2] as Db, 441)).toEqual(twice);
    const [fence] = await (shardDbs[0] as Db).select().from(orderSlotFences).where(eq(orderSlotFences.slot, 441));
    expect(fence?.state).toBe("moved");
    // Nothing left to purge: a second call deletes nothing.
    const again = await purgeSlot(depsAt(clock), 441);
    expect(again.shards.flatMap((s) => s.tables).every((t) => t.deleted === 0)).toBe(true);
  });

  it("moves a slot back to its old home once purged, and refuses it before", async () => {
    const clock = new ManualClock(Date.UTC(2026, 5, 5));
    const shopId = await seller();
    const mover = await shopperInSlot(451);
    await writeCheckout(shardDbs[0] as Db, mover, shopId, "osn_shared_451");
    const there = await moveSlot(depsAt(clock), 451, 2);
    const refused = await moveSlot(depsAt(clock), 451, 0).catch((err: unknown) => err);
    expect(isAppError(refused) && refused.code).toBe("order_slot_not_purged");
    clock.set(there.purgeAfter);
    await purgeSlot(depsAt(clock), 451);
    const back = await moveSlot(depsAt(clock), 451, 0);
    expect(Object.fromEntries(back.tables.map((t) => [t.table, t.rows]))).toEqual(ONE_CHECKOUT);
    expect(await storedShardOf(commerce, 451)).toBe(0);
    expect(await (shardDbs[0] as Db).select().from(orderSlotFences).where(eq(orderSlotFences.slot, 451))).toEqual([]);
    const [fence2] = await (shardDbs[2] as Db).select().from(orderSlotFences).where(eq(orderSlotFences.slot, 451));
    expect(fence2).toMatchObject({ state: "moved", toShard: 0 });
  });
});

describe("the operators' routes", () => {
  it("list the shards, move a slot and refuse early purges, for operators only", async () => {
    const operator = await operatorToken();
    const sellerToken = (await newSeller()).token;
    const shopId = await seller();
    const mover = await shopperInSlot(461);
    await writeCheckout(shardDbs[0] as Db, mover, shopId, "osn_shared_461");

    const before = await json<{ slots: number; shards: { shard: number; slots: number }[] }>(
      await call("GET", "/admin/v1/order-slots", { token: operator }),
    );
    expect(before.status, JSON.stringify(before.body)).toBe(200);
    expect(before.body.slots).toBe(1000);
    expect(before.body.shards.map((s) => s.shard)).toEqual([0, 1, 2]);
    expect(before.body.shards.reduce((n, s) => n + s.slots, 0)).toBe(1000);

    const move = (slot: number, toShard: number, token = operator) =>
      call("POST", `/admin/v1/order-slots/${slot}/move`, { token, body: { toShard } });
    expect((await move(461, 2, sellerToken)).status).toBe(403);
    expect((await call("GET", "/admin/v1/order-slots", { token: sellerToken })).status).toBe(403);
    expect((await call("POST", "/admin/v1/order-slots/461/purge", { token: sellerToken })).status).toBe(403);

    const same = await json(await move(461, 0));
    expect(same.body).toMatchObject({ status: 409, code: "order_slot_same_shard", slot: 461 });
    const unbound = await json(await move(461, 9));
    expect(unbound.body).toMatchObject({ status: 422, code: "order_shard_unknown", toShard: 9 });

    const moved = await json<{ toShard: number; tables: { table: string; rows: number; copied: number }[] }>(
      await move(461, 2),
    );
    expect(moved.status, JSON.stringify(moved.body)).toBe(200);
    expect(Object.fromEntries(moved.body.tables.map((t) => [t.table, t.rows]))).toEqual(ONE_CHECKOUT);
    expect(await storedShardOf(commerce, 461)).toBe(2);

    const after = await json<{ shards: { shard: number; fenced: { slot: number; state: string }[] }[] }>(
      await call("GET", "/admin/v1/order-slots", { token: operator }),
    );
    expect(after.body.shards[0]?.fenced).toContainEqual(expect.objectContaining({ slot: 461, state: "moved" }));

    const early = await json(await call("POST", "/admin/v1/order-slots/461/purge", { token: operator }));
    expect(early.body).toMatchObject({ status: 409, code: "order_slot_purge_too_early", slot: 461, shard: 0 });
    expect(Number(early.res.headers.get("retry-after"))).toBeGreaterThan(0);
    const again = await json(await move(461, 2));
    expect(again.body).toMatchObject({ status: 409, code: "order_slot_same_shard" });
  });
});

/** `count` shoppers whose ids fall in `slot`, each signed in with an address (placeOrder's shape). */
async function shoppersInSlot(slot: number, count: number): Promise<Shopper[]> {
  const out: Shopper[] = [];
  for (let i = 0; out.length < count; i++) {
    const id = `usr_slotrace_${slot}_${i}`;
    if (slotOfUser(id) !== slot) continue;
    const now = Date.now();
    await commerce.insert(users).values({
      id,
      username: `slotrace${slot}x${i}`,
      email: `slotrace${slot}x${i}@example.test`,
      phone: `+86136${String(i).padStart(8, "0")}`,
      passwordHash: "x",
      role: "shopper",
      status: 1,
      createdAt: now,
      updatedAt: now,
    } as never);
    const token = await tokenFor({ userId: id, roles: ["shopper"] });
    const address = await json<{ addressId: string }>(
      await call("POST", "/v1/me/addresses", { token, body: SHANGHAI }),
    );
    if (address.status !== 201) throw new Error(`address: ${address.status} ${JSON.stringify(address.body)}`);
    out.push({ id, username: "", email: "", phone: "", password: "", token, addressId: address.body.addressId });
  }
  return out;
}

describe("a slot move under concurrent ordering", () => {
  it("loses no order: every checkout either succeeds or gets 409 order_slot_moving, and every success is on the target", async () => {
    const slot = 471;
    const { skuId } = await skuOnSale(undefined, { stock: 100 });
    const shoppers = await shoppersInSlot(slot, 20);
    // Orders already there give the copy something to do while the others arrive.
    for (const shopper of shoppers.slice(0, 3)) {
      const placed = await placeOrder(shopper, { items: [{ skuId, quantity: 1 }], addressId: shopper.addressId });
      expect(placed.status, JSON.stringify(placed.body)).toBe(201);
    }
    const place = (shopper: Shopper) =>
      placeOrder(shopper, { items: [{ skuId, quantity: 1 }], addressId: shopper.addressId });
    const ids = shoppers.map((s) => s.id);
    const onShard = async (db: Db) =>
      (await db.select({ id: orders.id }).from(orders).where(inArray(orders.userId, ids))).length;
    // 17 checkouts under way; the move starts once a few of them are written, so the rest overlap it.
    const before = shoppers.slice(0, 17).map(place);
    await eventually(
      () => onShard(shardDbs[0] as Db),
      (n) => n >= 3 + 3,
      "orders written before the move",
    );
    // 3 more arrive while the copy runs (the fence is up): these cannot be written anywhere yet.
    let during: Awaited<ReturnType<typeof place>>[] = [];
    const moved = await moveSlot(
      {
        commerce,
        shards: shardDbs,
        clock: { now: () => Date.now() },
        cacheMs: CACHE_MS,
        afterTable: async (table) => {
          if (table === "orders") during = await Promise.all(shoppers.slice(17).map(place));
        },
      },
      slot,
      2,
    );
    const answers = [...(await Promise.all(before)), ...during];
    expect(answers).toHaveLength(20);
    const unexpected = answers.filter(
      (a) => a.status !== 201 && !(a.status === 409 && a.body.code === "order_slot_moving"),
    );
    expect(unexpected.map((a) => `${a.status} ${JSON.stringify(a.body)}`)).toEqual([]);
    expect(during.map((a) => `${a.status} ${a.body.code}`)).toEqual(Array(3).fill("409 order_slot_moving"));
    expect(answers.filter((a) => a.status === 201).length).toBeGreaterThanOrEqual(3);

    const store = new OrderStore({
      commerce,
      shards: [env.ORDERS_0, env.ORDERS_1, env.ORDERS_2],
      now: () => Date.now(),
      cache: new SlotTableCache(),
    });
    const placedIds = answers.filter((a) => a.status === 201).flatMap((a) => a.body.orders.map((o) => o.orderId));
    for (const orderId of placedIds) {
      const home = await store.homeOfNumber(orderId);
      expect(home?.shard).toBe(2);
      const found = await home?.db.select({ id: orders.id }).from(orders).where(eq(orders.id, orderId));
      expect(found, `order ${orderId}`).toHaveLength(1);
    }
    // What the copy carried and what arrived after the switch: the target has every order of the slot.
    expect(await onShard(shardDbs[2] as Db)).toBe(3 + placedIds.length);
    expect(moved.tables.find((t) => t.table === "orders")?.rows).toBeGreaterThanOrEqual(3);
  });
});
