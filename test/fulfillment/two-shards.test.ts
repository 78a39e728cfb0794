/**
 * Fulfillment of orders on the second order shard (issue #20): with the slot table split (slot %
 * 2), a shard-1 shopper's paid order is shipped by its seller, its carrier's callbacks (duplicated,
 * shuffled, early) are stored and applied on shard 1 once each, the order completes by confirmation
 * or by the auto-complete sweep over both shards, the seller's list shows each shard's orders once
 * beside a stale copy, a virtual top-up on shard 1 is delivered, and a fenced slot refuses a ship
 * with 409 `order_slot_moving` and changes nothing.
 */
import { env } from "cloudflare:test";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { orderSlotFences } from "../../db/schema";
import { autoCompleteDelivered } from "../../shared/fulfillment/complete-order";
import { orderStoreOf, slotOfUser } from "../../shared/orders/order-store";
import { ManualClock } from "../../shared/platform/clock";
import { dbOf } from "../../shared/platform/db";
import { newSeller, postProduct, putOnShelf, SEED_DATA_PACK, type Seller } from "../helpers/catalog";
import {
  awaitingShipment,
  callbacksOf,
  carrierReports,
  completedEventOf,
  type OrderView,
  sellerOrder,
  settleCarrier,
  ship,
  shopperOrder,
  trackingNumber,
} from "../helpers/fulfillment";
import { call, json } from "../helpers/http";
import { placeOrder, type Shopper } from "../helpers/orders";
import { eventually, pay, settle, transitionsOf } from "../helpers/payments";
import { act, calm, sandbox } from "../helpers/sandbox";
import { shardsHolding, shopperOnShard, splitSlotsOverTwoShards } from "../helpers/shards";

beforeAll(splitSlotsOverTwoShards);
afterEach(calm);
afterAll(settle);

const CARRIER = "sf-express";
const shardDb = (shard: 0 | 1) => (shard === 0 ? env.ORDERS_0 : env.ORDERS_1);

/** A paid physical order of a shopper on `shard`, awaiting its seller. */
async function awaitingOnShard(shard: 0 | 1, seller?: Seller) {
  const order = await awaitingShipment({ shopper: await shopperOnShard(shard), ...(seller ? { seller } : {}) });
  expect(await shardsHolding("orders", order.orderId)).toEqual([shard]);
  return order;
}

/** Ships `order` with a fresh tracking number and answers it. */
async function shipped(order: { seller: Seller; orderId: string }) {
  const number = trackingNumber();
  const res = await ship(order.seller.token, order.orderId, { carrier: CARRIER, trackingNumber: number });
  expect([res.status, res.body.status], JSON.stringify(res.body)).toEqual([200, "SHIPPED"]);
  return number;
}

async function delivered(number: string) {
  await carrierReports(CARRIER, number, "delivered");
  await settleCarrier();
}

async function count(d1: D1Database, sql: string, ...params: unknown[]): Promise<number> {
  return (
    ((
      await d1
        .prepare(sql)
        .bind(...params)
        .first<{ n: number }>()
    )?.n as number) ?? 0
  );
}

describe("fulfillment on two order shards", () => {
  it("ships a shard-1 order there: its shipment and status log only on shard 1, the parcel claimed in commerce", async () => {
    const order = await awaitingOnShard(1);
    const [pending] = (await sellerOrder(order.seller, order.orderId)).body.shipments;
    expect(await shardsHolding("shipments", pending?.shipmentId ?? "")).toEqual([1]);
    const number = await shipped(order);
    expect(await shardsHolding("shipments", pending?.shipmentId ?? "")).toEqual([1]);
    const logSql = "select count(*) as n from order_status_log where entity_type = 'shipment' and entity_id = ?";
    expect(await count(env.ORDERS_1, logSql, pending?.shipmentId)).toBe(2);
    expect(await count(env.ORDERS_0, logSql, pending?.shipmentId)).toBe(0);
    expect(await transitionsOf(order.orderId, env.ORDERS_1)).toMatchObject({
      "status:SHIPPED": 1,
      "fulfillment_status:SHIPPED": 1,
    });
    expect(await transitionsOf(order.orderId, env.ORDERS_0)).toEqual({});
    const claim = await env.DB.prepare(
      "select order_id as orderId from parcels where carrier = ? and tracking_number = ?",
    )
      .bind(CARRIER, number)
      .first<{ orderId: string }>();
    expect(claim?.orderId).toBe(order.orderId);
    // A shard-0 order cannot ship the same parcel: the claim is unique across shards.
    const other = await awaitingOnShard(0);
    const taken = await ship(other.seller.token, other.orderId, { carrier: CARRIER, trackingNumber: number });
    expect([taken.status, taken.body.code]).toEqual([409, "tracking_number_taken"]);
  });

  it("applies in_transit and delivered, each delivered twice and shuffled, once on shard 1; the shopper confirms and earns coins once", async () => {
    const order = await awaitingOnShard(1);
    const number = await shipped(order);
    expect((await sandbox("POST", "/chaos", { duplicates: 1, delayMs: 0, shuffle: true })).status).toBe(200);
    await carrierReports(CARRIER, number, "in_transit");
    await carrierReports(CARRIER, number, "delivered");
    await settleCarrier();
    const stored = await callbacksOf(CARRIER, number, 1);
    expect(stored.map((c) => [c.type, c.status]).sort()).toEqual([
      ["shipment.delivered", "applied"],
      ["shipment.in_transit", "applied"],
    ]);
    expect(await callbacksOf(CARRIER, number, 0)).toEqual([]);
    const view = await sellerOrder(order.seller, order.orderId);
    expect(view.body).toMatchObject({ status: "DELIVERED", fulfillmentStatus: "DELIVERED" });
    expect(view.body.shipments).toMatchObject([{ status: "DELIVERED", trackingNumber: number }]);
    const shipmentId = view.body.shipments[0]?.shipmentId ?? "";
    expect((await transitionsOf(shipmentId, env.ORDERS_1))["status:DELIVERED"]).toBe(1);
    expect((await transitionsOf(order.orderId, env.ORDERS_1))["status:DELIVERED"]).toBe(1);

    const confirms = await Promise.all(
      [1, 2].map(() =>
        call("POST", `/v1/orders/${order.orderId}/confirm-receipt`, { token: order.shopper.token }).then(
          json<OrderView & { code?: string }>,
        ),
      ),
    );
    expect(confirms.map((c) => c.status).sort()).toEqual([200, 409]);
    expect((await shopperOrder(order.shopper, order.orderId)).body.status).toBe("COMPLETED");
    expect((await transitionsOf(order.orderId, env.ORDERS_1))["status:COMPLETED"]).toBe(1);
    expect(await completedEventOf(order.orderId)).toEqual({ handled: 1, inOutbox: 0 });
    const earned = await count(
      env.DB,
      "select count(*) as n from ledger_transactions where idempotency_key = ?",
      `coins:earn:${order.orderId}`,
    );
    expect(earned).toBe(1);
  });

  it("parks a callback that comes before its parcel ships, then applies it on shard 1 once the seller ships", async () => {
    const order = await awaitingOnShard(1);
    const number = trackingNumber();
    await carrierReports(CARRIER, number, "in_transit");
    await settleCarrier();
    expect((await callbacksOf(CARRIER, number, 0)).map((c) => c.status)).toEqual(["parked"]);
    const res = await ship(order.seller.token, order.orderId, { carrier: CARRIER, trackingNumber: number });
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    await settleCarrier();
    await eventually(
      () => sellerOrder(order.seller, order.orderId),
      (v) => v.body.shipments[0]?.status === "IN_TRANSIT",
      "the early callback applied",
    );
    expect((await callbacksOf(CARRIER, number, 1)).map((c) => c.status)).toEqual(["applied"]);
    expect((await callbacksOf(CARRIER, number, 0)).map((c) => c.status)).toEqual(["applied"]);
  });

  it("auto-completes delivered orders on both shards once their days are up", async () => {
    const orders = [await awaitingOnShard(0), await awaitingOnShard(1)];
    for (const order of orders) await delivered(await shipped(order));
    const clock = new ManualClock(Date.now());
    const deps = { db: dbOf(env.DB), orders: orderStoreOf(env, clock), clock, producers: env };
    const settings = { autoCompleteMs: 7 * 86_400_000 };
    expect(await autoCompleteDelivered(deps, settings)).toBe(0);
    clock.advance(settings.autoCompleteMs + 1);
    expect(await autoCompleteDelivered(deps, settings)).toBeGreaterThanOrEqual(2);
    for (const [shard, order] of orders.entries()) {
      expect((await shopperOrder(order.shopper, order.orderId)).body.status).toBe("COMPLETED");
      expect((await transitionsOf(order.orderId, shardDb(shard as 0 | 1)))["status:COMPLETED"]).toBe(1);
    }
    expect(await autoCompleteDelivered(deps, settings)).toBe(0);
    await settle();
  });

  it("lists a seller's shipped orders of both shards once each, with their shipments, beside a stale copy", async () => {
    const first = await awaitingOnShard(0);
    const second = await awaitingOnShard(1, first.seller);
    const numbers = [await shipped(first), await shipped(second)];
    // A stale copy of the shard-1 order, its pay order and shipment on shard 0 (a moved slot awaiting its purge).
    for (const [table, column] of [
      ["pay_orders", "id"],
      ["orders", "id"],
      ["shipments", "order_id"],
    ] as const) {
      const id = table === "pay_orders" ? second.payOrderId : second.orderId;
      const rows = await env.ORDERS_1.prepare(`select * from ${table} where ${column} = ?`).bind(id).all();
      for (const row of rows.results) {
        const keys = Object.keys(row);
        await env.ORDERS_0.prepare(
          `insert into ${table} (${keys.join(", ")}) values (${keys.map(() => "?").join(", ")})`,
        )
          .bind(...keys.map((k) => row[k]))
          .run();
      }
    }
    const seen: OrderView[] = [];
    let cursor: string | null = null;
    do {
      const page: { status: number; body: { items: OrderView[]; nextCursor: string | null } } = await json(
        await call("GET", `/admin/v1/orders?status=SHIPPED&limit=1${cursor ? `&cursor=${cursor}` : ""}`, {
          token: first.seller.token,
        }),
      );
      expect(page.status).toBe(200);
      seen.push(...page.body.items);
      cursor = page.body.nextCursor;
    } while (cursor);
    expect(seen.map((o) => o.orderId).sort()).toEqual([first.orderId, second.orderId].sort());
    expect(seen.flatMap((o) => o.shipments.map((s) => s.trackingNumber)).sort()).toEqual([...numbers].sort());
    // Its delivery goes to the shard its slot is routed to; the stale copy is left as it was.
    await delivered(numbers[1] as string);
    expect((await sellerOrder(second.seller, second.orderId)).body.status).toBe("DELIVERED");
    const stale = await env.ORDERS_0.prepare("select status from orders where id = ?")
      .bind(second.orderId)
      .first<{ status: string }>();
    expect(stale?.status).toBe("SHIPPED");
  });

  it("delivers a virtual top-up order of a shard-1 shopper", async () => {
    const seller = await newSeller();
    const created = await postProduct(seller, SEED_DATA_PACK);
    expect(created.status, JSON.stringify(created.body)).toBe(201);
    await putOnShelf(seller, created.body.productId);
    const shopper: Shopper = await shopperOnShard(1);
    const phone = `+86137${String(Math.floor(Math.random() * 1e6)).padStart(6, "0")}4321`;
    await env.DB.prepare("update users set phone = ? where id = ?").bind(phone, shopper.id).run();
    const quoted = await json<{ quoteToken: string }>(
      await call("POST", "/v1/checkout/quote", {
        token: shopper.token,
        body: { items: [{ skuId: created.body.skuIds[0], quantity: 1 }] },
      }),
    );
    expect(quoted.status, JSON.stringify(quoted.body)).toBe(200);
    const placed = await placeOrder(shopper, { quoteToken: quoted.body.quoteToken });
    expect(placed.status, JSON.stringify(placed.body)).toBe(201);
    const orderId = placed.body.orders[0]?.orderId ?? "";
    expect(await shardsHolding("orders", orderId)).toEqual([1]);
    const started = await pay(shopper, placed.body.payOrderId);
    expect(started.status, JSON.stringify(started.body)).toBe(201);
    await act(started.body.paymentId, "succeed");
    const done = await eventually(
      async () => {
        await settle();
        return shopperOrder(shopper, orderId);
      },
      (o) => ["COMPLETED", "CANCELLED"].includes(o.body.status),
      "virtual order delivered",
    );
    expect(done.body).toMatchObject({ status: "COMPLETED", fulfillmentStatus: "DELIVERED" });
    expect(await transitionsOf(orderId, env.ORDERS_1)).toMatchObject({
      "status:FULFILLING": 1,
      "status:COMPLETED": 1,
      "fulfillment_status:DELIVERED": 1,
    });
    expect(await transitionsOf(orderId, env.ORDERS_0)).toEqual({});
    expect(await completedEventOf(orderId)).toEqual({ handled: 1, inOutbox: 0 });
  });

  it("refuses shipping while the slot is fenced with 409 order_slot_moving, and changes nothing", async () => {
    const order = await awaitingOnShard(1);
    const slot = slotOfUser(order.shopper.id);
    const before = (await sellerOrder(order.seller, order.orderId)).body;
    const number = trackingNumber();
    await dbOf(env.ORDERS_1).insert(orderSlotFences).values({ slot, state: "moving", toShard: 2, since: Date.now() });
    try {
      const refused = await ship(order.seller.token, order.orderId, { carrier: CARRIER, trackingNumber: number });
      expect([refused.status, refused.body.code]).toEqual([409, "order_slot_moving"]);
      const after = (await sellerOrder(order.seller, order.orderId)).body;
      expect(after).toEqual(before);
      expect(after.shipments).toMatchObject([{ status: "PENDING", trackingNumber: null }]);
      expect(await count(env.DB, "select count(*) as n from parcels where tracking_number = ?", number)).toBe(0);
    } finally {
      await env.ORDERS_1.prepare("delete from order_slot_fences where slot = ?").bind(slot).run();
    }
    // The fence lifted, the same request ships it.
    const res = await ship(order.seller.token, order.orderId, { carrier: CARRIER, trackingNumber: number });
    expect([res.status, res.body.status]).toEqual([200, "SHIPPED"]);
  });
});
