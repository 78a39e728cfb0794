/**
 * Refunds of orders on the second order shard (issue #20): a refund, its items and its status log
 * are written to the shard its order's number names and nowhere else, the ledger and promotions
 * to the commerce database once each, the stock back once in the SKU objects, whatever the
 * redeliveries, their order, or a consumer stopped between the ledger's posting and the shard's
 * batch; a fenced slot refuses a refund with 409 `order_slot_moving` and changes nothing.
 */
import { env } from "cloudflare:test";
import { eq } from "drizzle-orm";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { orderSlotFences } from "../../db/schema";
import { inventoryOf } from "../../shared/inventory/binding";
import { orderStoreOf, slotOfNumber } from "../../shared/orders/order-store";
import { applyProviderEvent } from "../../shared/payments/apply-provider-event";
import { SYSTEM_ACTOR } from "../../shared/platform/actor";
import { systemClock } from "../../shared/platform/clock";
import { dbOf } from "../../shared/platform/db";
import { newId } from "../../shared/platform/ids";
import { createLogger } from "../../shared/platform/logger";
import { refundWholeOrder } from "../../shared/refunds/place-refund";
import type { RefundView } from "../../shared/refunds/refunds-read";
import { DEMO, tokenFor } from "../helpers/callers";
import { newSeller } from "../helpers/catalog";
import {
  awaitingShipment,
  carrierReports,
  settleCarrier,
  ship,
  shopperOrder,
  trackingNumber,
} from "../helpers/fulfillment";
import { call, json } from "../helpers/http";
import { placeOrder, type Shopper, skuOnSale, stockOf } from "../helpers/orders";
import {
  eventually,
  inboxStatus,
  ledgerOf,
  pay,
  payOrderOf,
  settle,
  transitionsOf,
  unpaidOrder,
} from "../helpers/payments";
import { coinsOf, grantCoins, newVoucher } from "../helpers/promotions";
import { paidOrder, refundDeps, refunded, refundStatusOf, replayRefundUpdate } from "../helpers/refunds";
import { act, calm, sandbox } from "../helpers/sandbox";
import { shardsHolding, shopperOnShard, splitSlotsOverTwoShards } from "../helpers/shards";

beforeAll(splitSlotsOverTwoShards);
afterAll(settle);

afterEach(async () => {
  await calm();
  await settle();
});

type Answer = RefundView & { code?: string };

const post = (token: string, path: string, body: object = {}) =>
  call("POST", path, { token, body, headers: { "idempotency-key": crypto.randomUUID() } }).then(json<Answer>);

/** The order's items and payment status as shard `d1` holds them. */
async function orderOnShard(orderId: string, d1: D1Database = env.ORDERS_1) {
  const order = await d1
    .prepare("select payment_status as paymentStatus, status, refund_status as refundStatus from orders where id = ?")
    .bind(orderId)
    .first<{ paymentStatus: string; status: string; refundStatus: string }>();
  const items = await d1
    .prepare("select id, quantity, refund_held_quantity as held from order_items where order_id = ? order by id")
    .bind(orderId)
    .all<{ id: string; quantity: number; held: number }>();
  return { ...order, items: items.results };
}

/** How many rows of a refund each shard holds: the refund, its items, its status-log rows. */
async function refundRowsByShard(refundId: string) {
  return Promise.all(
    [env.ORDERS_0, env.ORDERS_1].map(async (d1) => {
      const count = async (sql: string) => (await d1.prepare(sql).bind(refundId).first<{ n: number }>())?.n ?? 0;
      return {
        refunds: await count("select count(*) as n from refunds where id = ?"),
        items: await count("select count(*) as n from refund_items where refund_id = ?"),
        log: await count("select count(*) as n from order_status_log where entity_type = 'refund' and entity_id = ?"),
      };
    }),
  );
}

/**
 * Stores the provider's success of refund `refundId`'s payout in the inbox directly (no queue
 * message: the test is the consumer), with `metadata` as the provider refund carries it.
 */
async function storedRefundSuccess(
  refund: { providerRefundId: string; amount: number },
  metadata: Record<string, string>,
) {
  const eventId = `evt_${newId("event").slice(4)}`;
  const payload = JSON.stringify({
    id: eventId,
    object: "event",
    type: "refund.updated",
    created: Math.floor(Date.now() / 1000),
    data: {
      object: {
        id: refund.providerRefundId,
        object: "refund",
        amount: refund.amount,
        currency: "cny",
        status: "succeeded",
        metadata,
      },
    },
  });
  const now = Date.now();
  await env.DB.prepare(
    `insert into payment_provider_events (provider, event_id, type, payload, status, created_at, received_at, updated_at)
     values ('sandbox', ?, 'refund.updated', ?, 'received', ?, ?, ?)`,
  )
    .bind(eventId, payload, now, now, now)
    .run();
  return { provider: "sandbox" as const, providerEventId: eventId };
}

/** A seller's direct refund of a shard-1 order's unit, asked of the provider, whose own news is held back. */
async function payoutAsked() {
  const order = await paidOnShard1({ stock: 4, quantity: 1 });
  const itemId = (await orderOnShard(order.orderId)).items[0]?.id ?? "";
  expect((await sandbox("POST", "/chaos", { delayMs: 60_000 })).status).toBe(200);
  const direct = await post(order.seller.token, `/admin/v1/orders/${order.orderId}/refunds`, {
    items: [{ orderItemId: itemId, quantity: 1 }],
    reason: "缺货",
  });
  expect(direct.status, JSON.stringify(direct.body)).toBe(201);
  const asked = await eventually(
    () =>
      env.ORDERS_1.prepare("select provider_refund_id as p, amount from refunds where id = ?")
        .bind(direct.body.refundId)
        .first<{ p: string | null; amount: number }>(),
    (r) => r?.p != null,
    "payout asked of the provider",
  );
  return { order, refundId: direct.body.refundId, providerRefundId: asked?.p ?? "", amount: asked?.amount ?? 0 };
}

const applyDeps = () => ({
  db: dbOf(env.DB),
  orders: orderStoreOf(env, systemClock),
  clock: systemClock,
  log: createLogger({ test: "refunds-two-shards" }),
  producers: env,
  inventory: inventoryOf(env),
});

/** A shard-1 shopper's paid order of `quantity` units of a fresh SKU (stock `stock`). */
async function paidOnShard1(options: { stock: number; quantity: number }) {
  const order = await paidOrder({ ...options, shopper: await shopperOnShard(1) });
  expect((slotOfNumber(order.orderId) ?? 0) % 2).toBe(1);
  expect(await shardsHolding("orders", order.orderId)).toEqual([1]);
  return order;
}

describe("refunding an order on the second shard", () => {
  it("before fulfillment: the refund, its items and log only on shard 1, owed and paid posted once, the unit back on sale once", async () => {
    const order = await paidOnShard1({ stock: 5, quantity: 2 });
    const itemId = (await orderOnShard(order.orderId)).items[0]?.id ?? "";
    const asked = await post(order.shopper.token, `/v1/orders/${order.orderId}/refunds`, {
      items: [{ orderItemId: itemId, quantity: 1 }],
      reason: "不想要了",
    });
    expect(asked.status, JSON.stringify(asked.body)).toBe(201);
    expect(asked.body.status).toBe("REQUESTED");
    // The shopper and the seller both find it (the seller's by looking on every shard).
    expect(
      (await json<Answer>(await call("GET", `/v1/refunds/${asked.body.refundId}`, { token: order.shopper.token }))).body
        .status,
    ).toBe("REQUESTED");
    const approved = await post(order.seller.token, `/admin/v1/refunds/${asked.body.refundId}/approve`);
    expect(approved.status, JSON.stringify(approved.body)).toBe(200);
    expect(approved.body.status).toBe("PROCESSING");
    await refunded(asked.body.refundId);

    expect(await refundRowsByShard(asked.body.refundId)).toEqual([
      { refunds: 0, items: 0, log: 0 },
      { refunds: 1, items: 1, log: 4 },
    ]);
    expect(await orderOnShard(order.orderId)).toMatchObject({
      paymentStatus: "PARTIALLY_REFUNDED",
      refundStatus: "REFUNDED",
      items: [{ quantity: 2, held: 1 }],
    });
    expect((await ledgerOf(asked.body.refundId)).map((t) => [t.kind, t.sum])).toEqual([
      ["refund_owed", 0],
      ["refund_paid", 0],
    ]);
    expect((await stockOf(order.seller, order.skuId)).body).toMatchObject({ available: 4, sold: 1 });
    // The order's views and lists show it from its shard.
    const listed = await json<{ items: Answer[] }>(
      await call("GET", `/v1/orders/${order.orderId}/refunds`, { token: order.shopper.token }),
    );
    expect(listed.body.items.map((r) => [r.refundId, r.status])).toEqual([[asked.body.refundId, "REFUNDED"]]);
    const operator = await tokenFor(DEMO.operator);
    const all = await json<{ items: Answer[] }>(await call("GET", "/admin/v1/refunds?limit=100", { token: operator }));
    expect(all.body.items.filter((r) => r.refundId === asked.body.refundId)).toHaveLength(1);
    const mine = await json<{ items: Answer[] }>(await call("GET", "/admin/v1/refunds", { token: order.seller.token }));
    expect(mine.body.items.map((r) => r.refundId)).toEqual([asked.body.refundId]);
  });

  it("after delivery: the goods come back and the money goes out, the order stays DELIVERED on shard 1", async () => {
    const order = await awaitingShipment({ stock: 4, quantity: 2, shopper: await shopperOnShard(1) });
    const orderId = order.orderId;
    expect(await shardsHolding("orders", orderId)).toEqual([1]);
    const tn = trackingNumber("RF");
    const shipped = await ship(order.seller.token, orderId, { carrier: "sandbox", trackingNumber: tn });
    expect(shipped.status, JSON.stringify(shipped.body)).toBe(200);
    await carrierReports("sandbox", tn, "delivered");
    await settleCarrier();
    expect((await shopperOrder(order.shopper, orderId)).body.status).toBe("DELIVERED");

    const itemId = (await orderOnShard(orderId)).items[0]?.id ?? "";
    const asked = await post(order.shopper.token, `/v1/orders/${orderId}/refunds`, {
      items: [{ orderItemId: itemId, quantity: 1 }],
      reason: "颜色不对",
      returnGoods: true,
    });
    expect(asked.status, JSON.stringify(asked.body)).toBe(201);
    expect((await post(order.seller.token, `/admin/v1/refunds/${asked.body.refundId}/approve`)).body.status).toBe(
      "AWAITING_RETURN",
    );
    const back = await post(order.shopper.token, `/v1/refunds/${asked.body.refundId}/return-shipment`, {
      carrier: "sandbox",
      trackingNumber: trackingNumber("RT"),
    });
    expect(back.body.status).toBe("RETURN_SHIPPED");
    const received = await post(order.seller.token, `/admin/v1/refunds/${asked.body.refundId}/receive`, {
      condition: "sellable",
    });
    expect(received.status, JSON.stringify(received.body)).toBe(200);
    await refunded(asked.body.refundId);

    expect(await orderOnShard(orderId)).toMatchObject({ status: "DELIVERED", paymentStatus: "PARTIALLY_REFUNDED" });
    expect((await refundRowsByShard(asked.body.refundId))[0]).toEqual({ refunds: 0, items: 0, log: 0 });
    expect((await stockOf(order.seller, order.skuId)).body).toMatchObject({ available: 3, sold: 1 });
    expect((await ledgerOf(asked.body.refundId)).map((t) => [t.kind, t.sum])).toEqual([
      ["refund_owed", 0],
      ["refund_paid", 0],
    ]);
  });

  it("a whole-order refund gives the coins and both voucher uses back once, however often it runs", async () => {
    const GRANTED = 100_000;
    const seller = await newSeller();
    const { skuId } = await skuOnSale(seller, { price: 33, stock: 8 });
    const shopVoucher = await newVoucher({ value: { amount: 500, currency: "CNY" } }, seller);
    const platform = await newVoucher({
      kind: "percent",
      value: 10,
      maxDiscount: { amount: 100_000, currency: "CNY" },
    });
    const shopper: Shopper = await shopperOnShard(1);
    await grantCoins(shopper.id, GRANTED);
    const placed = await placeOrder(shopper, {
      items: [{ skuId, quantity: 3 }],
      addressId: shopper.addressId,
      voucherCodes: [shopVoucher.code, platform.code],
      coins: 1001,
    });
    expect(placed.status, JSON.stringify(placed.body)).toBe(201);
    const started = await pay(shopper, placed.body.payOrderId);
    await act(started.body.paymentId, "succeed");
    await settle();
    await eventually(
      () => payOrderOf(shopper, placed.body.payOrderId),
      (v) => v.body.paymentStatus === "PAID",
      "paid",
    );
    const orderId = placed.body.orders[0]?.orderId ?? "";
    expect(await coinsOf(shopper.token)).toBe(GRANTED - 1001);

    const input = { orderId, reason: "failed_fulfillment", actor: SYSTEM_ACTOR };
    const first = await refundWholeOrder(refundDeps(), input);
    const again = await refundWholeOrder(refundDeps(), input);
    expect([first.created, again.created]).toEqual([true, false]);
    expect(first.refund).toMatchObject({ amount: { amount: placed.body.payable.amount }, coins: 1001 });
    await refunded(first.refund.refundId);

    expect(await coinsOf(shopper.token)).toBe(GRANTED);
    for (const voucherId of [shopVoucher.voucherId, platform.voucherId]) {
      const row = await env.DB.prepare("select taken, budget_taken as budgetTaken from vouchers where id = ?")
        .bind(voucherId)
        .first();
      const uses = await env.DB.prepare("select status from voucher_uses where voucher_id = ?").bind(voucherId).all();
      expect({ ...row, uses: uses.results.map((u) => u.status) }).toEqual({
        taken: 0,
        budgetTaken: 0,
        uses: ["returned"],
      });
    }
    const keyed = await env.DB.prepare("select count(*) as n from ledger_transactions where idempotency_key = ?")
      .bind(`coins:refund:${first.refund.refundId}`)
      .first<{ n: number }>();
    expect(keyed?.n).toBe(1);
    expect(await orderOnShard(orderId)).toMatchObject({ paymentStatus: "REFUNDED" });
    expect((await refundRowsByShard(first.refund.refundId))[0]).toEqual({ refunds: 0, items: 0, log: 0 });
  });

  it("the provider's refund webhook twice and out of order, with late contrary news: one REFUNDED, one refund_paid", async () => {
    const order = await paidOnShard1({ stock: 4, quantity: 1 });
    const itemId = (await orderOnShard(order.orderId)).items[0]?.id ?? "";
    expect((await sandbox("POST", "/chaos", { duplicates: 2, delayMs: 0, shuffle: true })).status).toBe(200);
    const direct = await post(order.seller.token, `/admin/v1/orders/${order.orderId}/refunds`, {
      items: [{ orderItemId: itemId, quantity: 1 }],
      reason: "缺货",
    });
    expect(direct.status, JSON.stringify(direct.body)).toBe(201);
    await refunded(direct.body.refundId);
    const row = await env.ORDERS_1.prepare("select provider_refund_id as p from refunds where id = ?")
      .bind(direct.body.refundId)
      .first<{ p: string }>();
    // The provider refund names the order, so its events go straight to the order's shard.
    const stored = await env.DB.prepare(
      "select payload from payment_provider_events where type = 'refund.updated' and payload like ? limit 1",
    )
      .bind(`%${direct.body.refundId}%`)
      .first<{ payload: string }>();
    expect(JSON.parse(stored?.payload ?? "{}").data.object.metadata).toMatchObject({
      refundId: direct.body.refundId,
      orderId: order.orderId,
    });
    await calm();
    // A failure of the same payout, arriving after its success: nothing changes.
    const late = await replayRefundUpdate(row?.p ?? "", "failed");
    expect(late?.status).toBe("applied");
    expect(await refundStatusOf(direct.body.refundId)).toBe("REFUNDED");
    expect((await ledgerOf(direct.body.refundId)).map((t) => t.kind)).toEqual(["refund_owed", "refund_paid"]);
    expect(await transitionsOf(direct.body.refundId, env.ORDERS_1)).toMatchObject({ "status:REFUNDED": 1 });
    expect(await transitionsOf(order.orderId, env.ORDERS_1)).toMatchObject({ "payment_status:REFUNDED": 1 });
    const parked = await env.DB.prepare(
      "select count(*) as n from payment_provider_events where status = 'parked' and payload like ?",
    )
      .bind(`%${direct.body.refundId}%`)
      .first<{ n: number }>();
    expect(parked?.n).toBe(0);
  });

  it("the automatic refund of a success after the cancel reaches REFUNDED on shard 1 (its event not parked)", async () => {
    const order = await unpaidOrder({ stock: 3, quantity: 1, shopper: await shopperOnShard(1) });
    const orderId = order.orderIds[0] ?? "";
    const started = await pay(order.shopper, order.payOrderId);
    expect((await sandbox("POST", "/chaos", { delayMs: 60_000 })).status).toBe(200);
    await act(started.body.paymentId, "succeed");
    const cancel = await json<{ status: string }>(
      await call("POST", `/v1/orders/${orderId}/cancel`, { token: order.shopper.token }),
    );
    expect(cancel.body.status).toBe("CANCELLED");
    await calm();
    await settle();
    const refunds = await eventually(
      async () =>
        (
          await env.ORDERS_1.prepare("select id, status, reason from refunds where payment_id = ?")
            .bind(started.body.paymentId)
            .all<{ id: string; status: string; reason: string }>()
        ).results,
      (rows) => rows[0]?.status === "REFUNDED",
      "automatic refund paid out",
    );
    expect(refunds).toMatchObject([{ reason: "paid_after_cancel", status: "REFUNDED" }]);
    const refundId = refunds[0]?.id ?? "";
    expect(await shardsHolding("refunds", refundId)).toEqual([1]);
    expect((await ledgerOf(refundId)).map((t) => t.kind)).toEqual(["refund_owed", "refund_paid"]);
    expect(await orderOnShard(orderId)).toMatchObject({ status: "CANCELLED", refundStatus: "REFUNDED" });
    const parked = await env.DB.prepare(
      "select count(*) as n from payment_provider_events where status = 'parked' and payload like ?",
    )
      .bind(`%${refundId}%`)
      .first<{ n: number }>();
    expect(parked?.n).toBe(0);
  });
});

describe("the admin refund list across shards", () => {
  it("lists a shop's refunds from both shards newest first, each once, paged by 1 with a cursor that loses none", async () => {
    const seller = await newSeller();
    const made: string[] = [];
    for (const shard of [0, 1, 1, 0] as const) {
      const order = await paidOrder({ stock: 2, quantity: 1, seller, shopper: await shopperOnShard(shard) });
      const itemId = (await orderOnShard(order.orderId, shard === 1 ? env.ORDERS_1 : env.ORDERS_0)).items[0]?.id ?? "";
      const asked = await post(order.shopper.token, `/v1/orders/${order.orderId}/refunds`, {
        items: [{ orderItemId: itemId, quantity: 1 }],
        reason: "不想要了",
      });
      expect(asked.status, JSON.stringify(asked.body)).toBe(201);
      expect(await shardsHolding("refunds", asked.body.refundId)).toEqual([shard]);
      made.push(asked.body.refundId);
    }
    const seen: string[] = [];
    let cursor: string | null = null;
    for (let page = 0; page < 6; page++) {
      const query: string = `/admin/v1/refunds?status=REQUESTED&limit=1${cursor ? `&cursor=${cursor}` : ""}`;
      const res = await json<{ items: Answer[]; nextCursor: string | null }>(
        await call("GET", query, { token: seller.token }),
      );
      expect(res.status, JSON.stringify(res.body)).toBe(200);
      seen.push(...res.body.items.map((r) => r.refundId));
      cursor = res.body.nextCursor;
      if (!cursor) break;
    }
    expect(seen).toEqual([...made].reverse());
  });
});

describe("a payout applied across the ledger and a shard", () => {
  it("posted to the ledger but refused by the shard (its slot fenced): the redelivery makes it REFUNDED, posting nothing twice", async () => {
    // The provider's own news is slow: the test delivers its own copy first.
    const { order, refundId, ...asked } = await payoutAsked();
    const eventId = (await storedRefundSuccess(asked, { refundId, orderId: order.orderId })).providerEventId;
    const ref = { provider: "sandbox" as const, providerEventId: eventId };
    const deps = applyDeps();
    const slot = slotOfNumber(order.orderId) ?? -1;
    const shard1 = dbOf(env.ORDERS_1);
    await shard1.insert(orderSlotFences).values({ slot, state: "moving", toShard: 2, since: Date.now() });
    try {
      await expect(applyProviderEvent(deps, ref)).rejects.toMatchObject({ code: "order_slot_moving" });
    } finally {
      await shard1.delete(orderSlotFences).where(eq(orderSlotFences.slot, slot));
    }
    // The ledger leads the refund by this one delivery; the event is not done.
    expect((await ledgerOf(refundId)).map((t) => t.kind)).toEqual(["refund_owed", "refund_paid"]);
    expect(await refundStatusOf(refundId)).toBe("PROCESSING");
    expect(await inboxStatus(eventId)).toBe("received");

    const outcomes = await Promise.allSettled([1, 2, 3].map(() => applyProviderEvent(deps, ref)));
    for (const o of outcomes) {
      if (o.status === "rejected") expect(o.reason).toMatchObject({ code: "version_conflict", retryable: true });
    }
    await applyProviderEvent(deps, ref);
    expect(await inboxStatus(eventId)).toBe("applied");
    expect(await refundStatusOf(refundId)).toBe("REFUNDED");
    await calm();
    await settle();
    expect((await ledgerOf(refundId)).map((t) => t.kind)).toEqual(["refund_owed", "refund_paid"]);
    expect(await transitionsOf(refundId, env.ORDERS_1)).toMatchObject({ "status:REFUNDED": 1 });
    expect(await orderOnShard(order.orderId)).toMatchObject({ paymentStatus: "REFUNDED" });
  });

  it("finds a payout's refund without metadata.orderId (asked before it was set) on its shard, by looking on every shard", async () => {
    const { order, refundId, ...asked } = await payoutAsked();
    const ref = await storedRefundSuccess(asked, { refundId });
    expect(await applyProviderEvent(applyDeps(), ref)).toEqual({ status: "applied" });
    expect(await refundStatusOf(refundId)).toBe("REFUNDED");
    expect(await orderOnShard(order.orderId)).toMatchObject({ paymentStatus: "REFUNDED" });
    await calm();
    await settle();
    expect((await ledgerOf(refundId)).map((t) => t.kind)).toEqual(["refund_owed", "refund_paid"]);
  });

  it("refuses a refund while the order's slot is fenced with 409 order_slot_moving, writing nothing anywhere", async () => {
    const order = await paidOnShard1({ stock: 4, quantity: 2 });
    const itemId = (await orderOnShard(order.orderId)).items[0]?.id ?? "";
    const slot = slotOfNumber(order.orderId) ?? -1;
    const shard1 = dbOf(env.ORDERS_1);
    const since = Date.now();
    await shard1.insert(orderSlotFences).values({ slot, state: "moving", toShard: 2, since: Date.now() });
    try {
      const asked = await post(order.shopper.token, `/v1/orders/${order.orderId}/refunds`, {
        items: [{ orderItemId: itemId, quantity: 1 }],
        reason: "不想要了",
      });
      expect([asked.status, asked.body.code]).toEqual([409, "order_slot_moving"]);
      const direct = await post(order.seller.token, `/admin/v1/orders/${order.orderId}/refunds`, {
        items: [{ orderItemId: itemId, quantity: 1 }],
        reason: "缺货",
      });
      expect([direct.status, direct.body.code]).toEqual([409, "order_slot_moving"]);
    } finally {
      await shard1.delete(orderSlotFences).where(eq(orderSlotFences.slot, slot));
    }
    for (const d1 of [env.ORDERS_0, env.ORDERS_1]) {
      const n = await d1.prepare("select count(*) as n from refunds where order_id = ?").bind(order.orderId).first();
      expect(n?.n).toBe(0);
    }
    expect(await orderOnShard(order.orderId)).toMatchObject({ refundStatus: "NONE", items: [{ held: 0 }] });
    const owed = await env.DB.prepare(
      "select count(*) as n from ledger_transactions where kind = 'refund_owed' and created_at >= ?",
    )
      .bind(since)
      .first<{ n: number }>();
    expect(owed?.n).toBe(0);
    expect((await stockOf(order.seller, order.skuId)).body).toMatchObject({ available: 2, sold: 2 });
  });
});
