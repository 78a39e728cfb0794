/**
 * Orders across two order shards (issue #20): with the slot table split (slot % 2), an order is
 * written to the shard its number names and nowhere else, and creating, reading, listing,
 * cancelling, timing out, replaying and sweeping all find it there; a fenced slot refuses new
 * orders with 409 `order_slot_moving` and changes nothing.
 */
import { env } from "cloudflare:test";
import { eq } from "drizzle-orm";
import { beforeAll, describe, expect, it } from "vitest";
import { orderSlotFences, orders, payOrders } from "../../db/schema";
import { inventoryOf } from "../../shared/inventory/binding";
import { createOrder } from "../../shared/orders/create-order";
import { slotOfNumber, slotOfUser } from "../../shared/orders/order-store";
import { expireUnpaid } from "../../shared/orders/orders";
import { SimulatedCrash } from "../../shared/orders/saga";
import { SAGA_LEASE_MS } from "../../shared/orders/settings";
import { sweepStaleSagas } from "../../shared/orders/sweeper";
import { ManualClock } from "../../shared/platform/clock";
import { dbOf } from "../../shared/platform/db";
import { call, json } from "../helpers/http";
import { type CreatedOrders, orderDepsFor, placeOrder, skuOnSale } from "../helpers/orders";
import { settle } from "../helpers/payments";
import { shardsHolding, shopperOnShard, splitSlotsOverTwoShards } from "../helpers/shards";

beforeAll(splitSlotsOverTwoShards);

async function stockOf(skuId: string) {
  const view = await inventoryOf(env).getByName(skuId).view();
  return { available: view.available, reserved: view.reserved };
}

describe("orders on two shards", () => {
  it("writes each order, its pay order, items, saga and status log to the shard its number names, and only there", async () => {
    const { skuId } = await skuOnSale(undefined, { stock: 10 });
    for (const shard of [0, 1] as const) {
      const shopper = await shopperOnShard(shard);
      const placed = await placeOrder(shopper, { items: [{ skuId, quantity: 1 }], addressId: shopper.addressId });
      expect(placed.status, JSON.stringify(placed.body)).toBe(201);
      const orderId = placed.body.orders[0]?.orderId as string;
      expect(slotOfNumber(orderId)).toBe(slotOfUser(shopper.id));
      expect((slotOfNumber(orderId) ?? -1) % 2).toBe(shard);
      expect(await shardsHolding("orders", orderId)).toEqual([shard]);
      expect(await shardsHolding("pay_orders", placed.body.payOrderId)).toEqual([shard]);
      const d1 = shard === 0 ? env.ORDERS_0 : env.ORDERS_1;
      const other = shard === 0 ? env.ORDERS_1 : env.ORDERS_0;
      for (const [db, expected] of [
        [d1, 1],
        [other, 0],
      ] as const) {
        const items = await db
          .prepare("SELECT count(*) AS n FROM order_items WHERE order_id = ?")
          .bind(orderId)
          .first();
        const sagas = await db
          .prepare("SELECT count(*) AS n FROM order_sagas WHERE user_id = ?")
          .bind(shopper.id)
          .first();
        const log = await db
          .prepare("SELECT count(*) AS n FROM order_status_log WHERE entity_id = ?")
          .bind(orderId)
          .first();
        expect([items?.n, sagas?.n, log?.n]).toEqual([expected, expected, expected]);
      }
    }
  });

  it("answers a shopper's order, list and cancel from the shopper's shard", async () => {
    const { skuId } = await skuOnSale(undefined, { stock: 10 });
    const shopper = await shopperOnShard(1);
    const placed = await placeOrder(shopper, { items: [{ skuId, quantity: 2 }], addressId: shopper.addressId });
    expect(placed.status).toBe(201);
    const orderId = placed.body.orders[0]?.orderId as string;
    const one = await json<{ orderId: string; status: string }>(
      await call("GET", `/v1/orders/${orderId}`, { token: shopper.token }),
    );
    expect([one.status, one.body.orderId, one.body.status]).toEqual([200, orderId, "CREATED"]);
    const list = await json<{ items: { orderId: string }[] }>(
      await call("GET", "/v1/orders", { token: shopper.token }),
    );
    expect(list.body.items.map((o) => o.orderId)).toEqual([orderId]);
    // Another shopper (on the other shard) sees nothing of it.
    const stranger = await shopperOnShard(0);
    expect((await call("GET", `/v1/orders/${orderId}`, { token: stranger.token })).status).toBe(404);
    const cancelled = await json<{ status: string }>(
      await call("POST", `/v1/orders/${orderId}/cancel`, { token: shopper.token, body: {} }),
    );
    expect([cancelled.status, cancelled.body.status]).toEqual([200, "CANCELLED"]);
    await settle();
    expect(await stockOf(skuId)).toEqual({ available: 10, reserved: 0 });
  });

  it("never oversells when shoppers of both shards order one SKU at once", async () => {
    const { skuId } = await skuOnSale(undefined, { stock: 5 });
    const shoppers = [];
    for (let i = 0; i < 12; i++) shoppers.push(await shopperOnShard((i % 2) as 0 | 1));
    const results = await Promise.all(
      shoppers.map((s) => placeOrder(s, { items: [{ skuId, quantity: 1 }], addressId: s.addressId })),
    );
    const placed = results.filter((r) => r.status === 201);
    expect(placed).toHaveLength(5);
    expect(results.filter((r) => r.status !== 201).every((r) => r.body.code === "out_of_stock")).toBe(true);
    for (const r of placed) {
      const orderId = r.body.orders[0]?.orderId as string;
      expect(await shardsHolding("orders", orderId)).toEqual([(slotOfNumber(orderId) ?? 0) % 2]);
    }
    expect(await stockOf(skuId)).toEqual({ available: 0, reserved: 5 });
  });

  it("answers a replayed Idempotency-Key with the one order on the shopper's shard", async () => {
    const { skuId } = await skuOnSale(undefined, { stock: 10 });
    const shopper = await shopperOnShard(1);
    const body = { items: [{ skuId, quantity: 1 }], addressId: shopper.addressId };
    const key = { "Idempotency-Key": `two-shards-${shopper.id}` };
    const [a, b] = await Promise.all([placeOrder(shopper, body, key), placeOrder(shopper, body, key)]);
    const again = await placeOrder(shopper, body, key);
    const ok = [a, b, again].filter((r) => r.status === 201);
    expect(ok.length).toBeGreaterThanOrEqual(2);
    expect(new Set(ok.map((r) => (r.body as CreatedOrders).payOrderId)).size).toBe(1);
    const orders = await env.ORDERS_1.prepare("SELECT count(*) AS n FROM orders WHERE user_id = ?")
      .bind(shopper.id)
      .first();
    expect(orders?.n).toBe(1);
  });

  it("times out an unpaid order on the second shard, from its pay-order number alone", async () => {
    const { skuId } = await skuOnSale(undefined, { stock: 10 });
    const shopper = await shopperOnShard(1);
    const clock = new ManualClock(Date.now());
    const deps = orderDepsFor(clock);
    const created = await createOrder(deps, {
      userId: shopper.id,
      ip: "10.20.0.1",
      body: { items: [{ skuId, quantity: 3 }], addressId: shopper.addressId },
    });
    clock.set(Date.parse(created.payBy) + 1);
    expect(await expireUnpaid(deps, created.payOrderId)).toBe(1);
    const row = await env.ORDERS_1.prepare("SELECT status FROM orders WHERE pay_order_id = ?")
      .bind(created.payOrderId)
      .first<{ status: string }>();
    expect(row?.status).toBe("CANCELLED");
    expect(await stockOf(skuId)).toEqual({ available: 10, reserved: 0 });
  });

  it("sweeps a crashed checkout's saga on the second shard and gives its stock back", async () => {
    const { skuId } = await skuOnSale(undefined, { stock: 10 });
    const shopper = await shopperOnShard(1);
    const clock = new ManualClock(Date.now());
    const deps = orderDepsFor(clock, {
      hooks: {
        afterStep: (step) => {
          if (step === "reserve_stock") throw new SimulatedCrash(step);
        },
      },
    });
    await expect(
      createOrder(deps, {
        userId: shopper.id,
        ip: "10.20.0.2",
        body: { items: [{ skuId, quantity: 4 }], addressId: shopper.addressId },
      }),
    ).rejects.toBeInstanceOf(SimulatedCrash);
    expect(await stockOf(skuId)).toEqual({ available: 6, reserved: 4 });
    clock.advance(SAGA_LEASE_MS + 1);
    expect((await sweepStaleSagas(deps)).compensated).toBe(1);
    expect(await stockOf(skuId)).toEqual({ available: 10, reserved: 0 });
    const saga = await env.ORDERS_1.prepare("SELECT status FROM order_sagas WHERE user_id = ?")
      .bind(shopper.id)
      .first<{ status: string }>();
    expect(saga?.status).toBe("compensated");
  });

  it("refuses a fenced slot's new orders with 409 order_slot_moving, holding nothing and writing nothing", async () => {
    const { skuId } = await skuOnSale(undefined, { stock: 10 });
    const shopper = await shopperOnShard(1);
    const slot = slotOfUser(shopper.id);
    await dbOf(env.ORDERS_1).insert(orderSlotFences).values({ slot, state: "moving", toShard: 2, since: Date.now() });
    const refused = await placeOrder(shopper, { items: [{ skuId, quantity: 1 }], addressId: shopper.addressId });
    expect([refused.status, refused.body.code]).toEqual([409, "order_slot_moving"]);
    expect(await stockOf(skuId)).toEqual({ available: 10, reserved: 0 });
    const sagas = await env.ORDERS_1.prepare("SELECT count(*) AS n FROM order_sagas WHERE user_id = ?")
      .bind(shopper.id)
      .first();
    expect(sagas?.n).toBe(0);
  });

  it("lists a shop's orders from both shards newest first, each once, with a cursor that loses none", async () => {
    const { skuId, seller } = await skuOnSale(undefined, { stock: 20 });
    const placed: string[] = [];
    for (let i = 0; i < 6; i++) {
      const shopper = await shopperOnShard((i % 2) as 0 | 1);
      const r = await placeOrder(shopper, { items: [{ skuId, quantity: 1 }], addressId: shopper.addressId });
      expect(r.status).toBe(201);
      placed.push(r.body.orders[0]?.orderId as string);
    }
    // A stale copy of one order on a shard its slot is not routed to (a moved slot awaiting its purge).
    const copied = placed[1] as string;
    for (const table of [payOrders, orders] as const) {
      const id =
        table === orders
          ? copied
          : ((await dbOf(env.ORDERS_1).select().from(orders).where(eq(orders.id, copied)))[0]?.payOrderId as string);
      const [row] = await dbOf(env.ORDERS_1).select().from(table).where(eq(table.id, id));
      await dbOf(env.ORDERS_2)
        .insert(table)
        .values(row as never);
    }
    const seen: { orderId: string; createdAt: string }[] = [];
    let cursor: string | null = null;
    do {
      const page: {
        status: number;
        body: { items: { orderId: string; createdAt: string }[]; nextCursor: string | null };
      } = await json(
        await call("GET", `/admin/v1/orders?limit=2${cursor ? `&cursor=${cursor}` : ""}`, { token: seller.token }),
      );
      expect(page.status).toBe(200);
      expect(page.body.items.length).toBeLessThanOrEqual(2);
      seen.push(...page.body.items);
      cursor = page.body.nextCursor;
    } while (cursor);
    expect(seen.map((o) => o.orderId).sort()).toEqual([...placed].sort());
    const keys = seen.map((o) => [Date.parse(o.createdAt), o.orderId] as const);
    const sorted = [...keys].sort((a, b) => b[0] - a[0] || (a[1] < b[1] ? 1 : -1));
    expect(keys).toEqual(sorted);
    // One order read through the admin API from its shard.
    const one = await call("GET", `/admin/v1/orders/${copied}`, { token: seller.token });
    expect(one.status).toBe(200);
  });
});
