/**
 * Virtual goods end to end (issue #14): the recharge target captured at quote/order time, the
 * top-up through the sandbox service on payment, success completing the order at once, and a
 * decline or a time-out after the retries refunding the whole order (failed_fulfillment) to
 * REFUNDED, the order CANCELLED with payment status REFUNDED and the ledger balanced.
 */
import { env } from "cloudflare:test";
import { afterEach, describe, expect, it } from "vitest";
import { topupServiceOf } from "../../shared/fulfillment/topup-service";
import { startVirtualFulfillment } from "../../shared/fulfillment/virtual-goods";
import { inventoryOf } from "../../shared/inventory/binding";
import { orderStoreOf } from "../../shared/orders/order-store";
import type { PaymentsEnv } from "../../shared/payments/adapters";
import { systemClock } from "../../shared/platform/clock";
import { dbOf } from "../../shared/platform/db";
import { createLogger } from "../../shared/platform/logger";
import type { ListPage, TopupView } from "../../shared/sandbox/schemas";
import { newSeller, postProduct, putOnShelf, SEED_DATA_PACK, type Seller } from "../helpers/catalog";
import { completedEventOf, shopperOrder } from "../helpers/fulfillment";
import { call, json } from "../helpers/http";
import { orderD1 } from "../helpers/order-d1";
import { newShopper, placeOrder, quote, type Shopper, skuOnSale, stockOf } from "../helpers/orders";
import { eventually, ledgerOf, pay, settle, transitionsOf } from "../helpers/payments";
import { refunded } from "../helpers/refunds";
import { act, calm, sandboxApi } from "../helpers/sandbox";

afterEach(async () => {
  await calm();
  await settle();
});

/** A phone number no other test uses, ending in `suffix` (…0002 is declined, …0003 times out). */
function phoneEnding(suffix: string): string {
  const middle = String(Math.floor(Math.random() * 1e6)).padStart(6, "0");
  return `+86137${middle}${suffix}`;
}

/** A fresh seller with the seed's data pack (three SKUs, ¥5 / ¥20 / ¥38) on shelf. */
async function dataPackOnSale(): Promise<{ seller: Seller; skuIds: string[] }> {
  const seller = await newSeller();
  const created = await postProduct(seller, SEED_DATA_PACK);
  expect(created.status, JSON.stringify(created.body)).toBe(201);
  await putOnShelf(seller, created.body.productId);
  return { seller, skuIds: created.body.skuIds };
}

/** A shopper whose account phone is `phone` (null: an account without one). */
async function shopperWithPhone(phone: string | null): Promise<Shopper> {
  const shopper = await newShopper();
  await env.DB.prepare("update users set phone = ? where id = ?").bind(phone, shopper.id).run();
  return { ...shopper, phone: phone ?? "" };
}

interface QuotedLine {
  skuId: string;
  rechargeTarget: string | null;
}

function virtualQuote(shopper: Shopper, items: object[]) {
  return call("POST", "/v1/checkout/quote", { token: shopper.token, body: { items } }).then(
    json<{
      quoteToken: string;
      orders: { kind: string; items: QuotedLine[]; total: { amount: number } }[];
      code?: string;
      errors?: { field: string; reason: string }[];
    }>,
  );
}

/** Quotes and orders `items` (no address: virtual goods ship nowhere), pays, and answers the order. */
async function paidVirtualOrder(shopper: Shopper, items: object[]) {
  const quoted = await virtualQuote(shopper, items);
  expect(quoted.status, JSON.stringify(quoted.body)).toBe(200);
  const placed = await placeOrder(shopper, { quoteToken: quoted.body.quoteToken });
  expect(placed.status, JSON.stringify(placed.body)).toBe(201);
  const orderId = placed.body.orders[0]?.orderId ?? "";
  const started = await pay(shopper, placed.body.payOrderId);
  expect(started.status, JSON.stringify(started.body)).toBe(201);
  await act(started.body.paymentId, "succeed");
  await settle();
  return { orderId, payOrderId: placed.body.payOrderId, payable: placed.body.payable.amount, quoted: quoted.body };
}

/** The order once its status is one of `statuses` (settling the sandbox between looks). */
function orderReaching(shopper: Shopper, orderId: string, statuses: string[]) {
  return eventually(
    async () => {
      await settle();
      return shopperOrder(shopper, orderId);
    },
    (o) => statuses.includes(o.body.status),
    `order ${orderId} reaching ${statuses.join("/")}`,
  );
}

/** The top-ups the sandbox service made for an order item (its reference). */
async function topupsOf(orderItemId: string): Promise<TopupView[]> {
  const res = await sandboxApi<ListPage<TopupView>>("GET", `/topups?reference=${orderItemId}`);
  expect(res.status, JSON.stringify(res.body)).toBe(200);
  return res.body.data;
}

async function orderItemIdsOf(orderId: string): Promise<string[]> {
  const rows = await (await orderD1(orderId))
    .prepare("select id from order_items where order_id = ? order by id")
    .bind(orderId)
    .all<{ id: string }>();
  return rows.results.map((r) => r.id);
}

async function refundsOf(orderId: string) {
  const rows = await (await orderD1(orderId))
    .prepare("select id, reason, status, amount from refunds where order_id = ?")
    .bind(orderId)
    .all<{ id: string; reason: string; status: string; amount: number }>();
  return rows.results;
}

/** A failed top-up's aftermath: one failed_fulfillment refund REFUNDED, the order CANCELLED and REFUNDED, books balanced. */
async function expectRefundedInFull(
  shopper: Shopper,
  order: { orderId: string; payOrderId: string; payable: number },
  stock: { seller: Seller; skuId: string },
) {
  await orderReaching(shopper, order.orderId, ["CANCELLED"]);
  const [refund] = await refundsOf(order.orderId);
  expect(refund).toMatchObject({ reason: "failed_fulfillment", amount: order.payable });
  await refunded(refund?.id ?? "");
  const view = await eventually(
    () => shopperOrder(shopper, order.orderId),
    (o) => o.body.paymentStatus === "REFUNDED",
    "payment status REFUNDED",
  );
  expect(view.body).toMatchObject({ status: "CANCELLED", paymentStatus: "REFUNDED", fulfillmentStatus: "FAILED" });
  expect(await refundsOf(order.orderId)).toEqual([
    { id: refund?.id, reason: "failed_fulfillment", status: "REFUNDED", amount: order.payable },
  ]);
  // The money came in and went back out: every transaction balances, and escrow's share nets to zero.
  const capture = await ledgerOf(order.payOrderId);
  const refundTxs = await ledgerOf(refund?.id ?? "");
  expect(capture.map((t) => [t.kind, t.sum])).toEqual([["payment_captured", 0]]);
  expect(refundTxs.map((t) => [t.kind, t.sum])).toEqual([
    ["refund_owed", 0],
    ["refund_paid", 0],
  ]);
  const escrow = await env.DB.prepare(
    `select coalesce(sum(e.amount), 0) as net from ledger_entries e join ledger_transactions t on t.id = e.transaction_id
      where t.ref in (?, ?) and e.account = 'platform_escrow'`,
  )
    .bind(order.payOrderId, refund?.id ?? "")
    .first<{ net: number }>();
  expect(escrow?.net).toBe(0);
  const transitions = await transitionsOf(order.orderId);
  expect(transitions).toMatchObject({
    "status:FULFILLING": 1,
    "fulfillment_status:PROCESSING": 1,
    "status:CANCELLED": 1,
    "fulfillment_status:FAILED": 1,
    "payment_status:REFUNDED": 1,
  });
  expect(transitions["status:COMPLETED"]).toBeUndefined();
  // Nothing was delivered: the unit sold is back on sale.
  const onSale = await eventually(
    () => stockOf(stock.seller, stock.skuId),
    (s) => s.body.sold === 0,
    "unit back on sale",
  );
  expect(onSale.body).toMatchObject({ available: 9999, reserved: 0, sold: 0 });
}

describe("the recharge target at quote and order time", () => {
  it("defaults to the account's phone, shows it in the quote, and stores it on the order item", async () => {
    const { skuIds } = await dataPackOnSale();
    const phone = phoneEnding("1234");
    const shopper = await shopperWithPhone(phone);
    const quoted = await virtualQuote(shopper, [{ skuId: skuIds[0], quantity: 1 }]);
    expect(quoted.status, JSON.stringify(quoted.body)).toBe(200);
    expect(quoted.body.orders).toMatchObject([{ kind: "virtual", items: [{ rechargeTarget: phone }] }]);
    const placed = await placeOrder(shopper, { quoteToken: quoted.body.quoteToken });
    expect(placed.status, JSON.stringify(placed.body)).toBe(201);
    const order = await shopperOrder(shopper, placed.body.orders[0]?.orderId ?? "");
    expect(order.body).toMatchObject({ kind: "virtual", items: [{ rechargeTarget: phone }] });
  });

  it("keeps the target given for each line, also when ordering without a quote token", async () => {
    const { skuIds } = await dataPackOnSale();
    const shopper = await shopperWithPhone(phoneEnding("1111"));
    const target = phoneEnding("2222");
    // Spaces and dashes are dropped: the number is stored as the top-up service is called with it.
    const spaced = `${target.slice(0, 3)} ${target.slice(3, 6)}-${target.slice(6)}`;
    const placed = await placeOrder(shopper, { items: [{ skuId: skuIds[1], quantity: 2, rechargeTarget: spaced }] });
    expect(placed.status, JSON.stringify(placed.body)).toBe(201);
    const order = await shopperOrder(shopper, placed.body.orders[0]?.orderId ?? "");
    expect(order.body).toMatchObject({ items: [{ quantity: 2, rechargeTarget: target }] });
  });

  it("refuses a target that is not a phone number, naming the field", async () => {
    const { skuIds } = await dataPackOnSale();
    const shopper = await shopperWithPhone(phoneEnding("1234"));
    const res = await virtualQuote(shopper, [{ skuId: skuIds[0], quantity: 1, rechargeTarget: "call-me" }]);
    expect(res.status, JSON.stringify(res.body)).toBe(400);
    expect(res.body.code).toBe("validation_failed");
    expect(res.body.errors).toEqual([
      { field: "items.0.rechargeTarget", reason: "must be in international format, e.g. +8613800000000" },
    ]);
  });

  it("requires a target for virtual goods when the account has no phone, and refuses one for goods that ship", async () => {
    const { skuIds } = await dataPackOnSale();
    const { skuId: tshirt } = await skuOnSale();
    const shopper = await shopperWithPhone(null);
    const missing = await virtualQuote(shopper, [{ skuId: skuIds[0], quantity: 1 }]);
    expect(missing.status, JSON.stringify(missing.body)).toBe(400);
    expect(missing.body.errors).toEqual([
      {
        field: "items.0.rechargeTarget",
        reason: "is required for virtual goods: the phone number to top up (the account has no phone to default to)",
      },
    ]);
    const shipped = await quote(shopper, [
      { skuId: tshirt, quantity: 1, rechargeTarget: phoneEnding("1234") },
    ] as never);
    expect(shipped.status, JSON.stringify(shipped.body)).toBe(400);
    expect((shipped.body as unknown as { errors: unknown }).errors).toEqual([
      { field: "items.0.rechargeTarget", reason: "is only for virtual goods" },
    ]);
    // With a target of its own the same account checks out.
    const given = await virtualQuote(shopper, [{ skuId: skuIds[0], quantity: 1, rechargeTarget: phoneEnding("4321") }]);
    expect(given.status, JSON.stringify(given.body)).toBe(200);
  });
});

describe("topping up a paid virtual order", () => {
  it("succeeds: the order is COMPLETED and DELIVERED at once, with one top-up of the item's face value", async () => {
    const { skuIds } = await dataPackOnSale();
    const shopper = await shopperWithPhone(phoneEnding("5678"));
    const order = await paidVirtualOrder(shopper, [{ skuId: skuIds[1], quantity: 2 }]);
    const done = await orderReaching(shopper, order.orderId, ["COMPLETED", "CANCELLED"]);
    expect(done.body).toMatchObject({ status: "COMPLETED", paymentStatus: "PAID", fulfillmentStatus: "DELIVERED" });
    const [itemId] = await orderItemIdsOf(order.orderId);
    expect(await topupsOf(itemId ?? "")).toMatchObject([
      { status: "succeeded", target: shopper.phone, amount: 4000, currency: "cny" },
    ]);
    expect(await refundsOf(order.orderId)).toEqual([]);
    expect(await transitionsOf(order.orderId)).toMatchObject({
      "status:PAID": 1,
      "status:FULFILLING": 1,
      "status:COMPLETED": 1,
      "fulfillment_status:PROCESSING": 1,
      "fulfillment_status:DELIVERED": 1,
    });
    expect(await completedEventOf(order.orderId)).toEqual({ handled: 1, inOutbox: 0 });
  });

  it("tops up once however often it is delivered: a redelivered order.paid, and deliveries racing after a crash", async () => {
    const { skuIds } = await dataPackOnSale();
    const shopper = await shopperWithPhone(phoneEnding("6789"));
    const order = await paidVirtualOrder(shopper, [{ skuId: skuIds[0], quantity: 1 }]);
    await orderReaching(shopper, order.orderId, ["COMPLETED"]);
    const [itemId] = await orderItemIdsOf(order.orderId);
    // A late redelivery of order.paid, under a new message id so the inbox lets it in: the order
    // is COMPLETED, so nothing is topped up again.
    await env.FULFILLMENT_EVENTS.send({
      id: `evt_redelivered_${order.orderId}`,
      type: "order.paid",
      occurredAt: Date.now(),
      data: {
        orderId: order.orderId,
        payOrderId: order.payOrderId,
        paymentId: "pay_redelivered",
        userId: shopper.id,
        shopId: "shp_any",
        kind: "virtual",
        total: { amount: order.payable, currency: "CNY" },
      },
    });
    await eventually(
      () =>
        env.DB.prepare("select count(*) as n from processed_events where event_id = ?")
          .bind(`evt_redelivered_${order.orderId}`)
          .first<{ n: number }>(),
      (row) => row?.n === 1,
      "redelivered order.paid handled",
    );
    expect(await topupsOf(itemId ?? "")).toHaveLength(1);
    // As if the delivery had crashed after its top-up and before completing the order: four
    // deliveries race from PROCESSING. Each asks the provider under the item's key, so it answers
    // the first top-up again; one completes the order, the others lose the compare-and-set.
    await (await orderD1(order.orderId))
      .prepare(
        "update orders set status = 'FULFILLING', fulfillment_status = 'PROCESSING', version = version + 1 where id = ?",
      )
      .bind(order.orderId)
      .run();
    const deps = {
      db: dbOf(env.DB),
      orders: orderStoreOf(env, systemClock),
      clock: systemClock,
      log: createLogger({ test: "virtual-goods" }),
      producers: env,
      inventory: inventoryOf(env),
      topups: topupServiceOf(env as unknown as PaymentsEnv),
    };
    const runs = await Promise.allSettled([1, 2, 3, 4].map(() => startVirtualFulfillment(deps, order.orderId)));
    expect(runs.some((r) => r.status === "fulfilled")).toBe(true);
    for (const r of runs) if (r.status === "rejected") expect(String(r.reason)).toContain("changed meanwhile");
    expect((await shopperOrder(shopper, order.orderId)).body).toMatchObject({
      status: "COMPLETED",
      fulfillmentStatus: "DELIVERED",
    });
    expect(await topupsOf(itemId ?? "")).toMatchObject([{ status: "succeeded" }]);
    // Completed once by the first delivery and once by exactly one of the four.
    expect(await transitionsOf(order.orderId)).toMatchObject({
      "status:COMPLETED": 2,
      "fulfillment_status:DELIVERED": 2,
    });
  });

  it("is declined (…0002): the whole order is refunded (failed_fulfillment) to REFUNDED, the order CANCELLED", async () => {
    const { seller, skuIds } = await dataPackOnSale();
    const shopper = await shopperWithPhone(phoneEnding("1234"));
    const order = await paidVirtualOrder(shopper, [
      { skuId: skuIds[0], quantity: 1, rechargeTarget: phoneEnding("0002") },
    ]);
    await expectRefundedInFull(shopper, order, { seller, skuId: skuIds[0] ?? "" });
    const [itemId] = await orderItemIdsOf(order.orderId);
    expect(await topupsOf(itemId ?? "")).toMatchObject([{ status: "failed", failure_code: "declined" }]);
  });

  it("times out (…0003) on every attempt: retried with backoff, then refunded in full", async () => {
    const { seller, skuIds } = await dataPackOnSale();
    const shopper = await shopperWithPhone(phoneEnding("1234"));
    const started = Date.now();
    const order = await paidVirtualOrder(shopper, [
      { skuId: skuIds[2], quantity: 1, rechargeTarget: phoneEnding("0003") },
    ]);
    await expectRefundedInFull(shopper, order, { seller, skuId: skuIds[2] ?? "" });
    // Three attempts (TOPUP_MAX_ATTEMPTS in the test config) 1 s and 2 s apart: at least 3 s.
    expect(Date.now() - started).toBeGreaterThanOrEqual(3000);
    const retries = await env.DB.prepare(
      "select count(*) as n from processed_events where consumer = 'fulfillment-events' and event_id like ?",
    )
      .bind(`evt_topup_${order.orderId}_%`)
      .first<{ n: number }>();
    expect(retries?.n).toBe(2);
    // One top-up at the provider, asked for three times under one idempotency key; still pending there.
    const [itemId] = await orderItemIdsOf(order.orderId);
    expect(await topupsOf(itemId ?? "")).toMatchObject([{ status: "pending" }]);
  });
});
