/**
 * Shipping a paid physical order end to end (issue #14): order.paid makes a shipment await the
 * seller; the seller ships; the sandbox carrier's signed callbacks go through the webhook Worker,
 * its inbox and the fulfillment-events consumer, duplicated and out of order; the shopper confirms
 * receipt, or the cron completes the order; a failed delivery is shipped again. Every check reads
 * the platform's own answers and tables.
 */
import { env } from "cloudflare:test";
import { afterEach, describe, expect, it } from "vitest";
import { signPayload } from "../../shared/payments/signature";
import { ManualClock } from "../../shared/platform/clock";
import { runHousekeeping } from "../../workers/events/worker";
import { newSeller, operatorToken } from "../helpers/catalog";
import {
  awaitingShipment,
  callbacksOf,
  carrierReports,
  completedEventOf,
  sellerOrder,
  settleCarrier,
  ship,
  shopperOrder,
  trackingNumber,
} from "../helpers/fulfillment";
import { call, json } from "../helpers/http";
import { countOnShards, orderShard } from "../helpers/order-d1";
import { eventually, transitionsOf, unpaidOrder } from "../helpers/payments";
import { calm, SANDBOX_CARRIER_SECRET, sandbox } from "../helpers/sandbox";

afterEach(async () => {
  await calm();
  await settleCarrier();
});

const CARRIER = "sf-express";
const DAY = 86_400_000;

const confirm = (token: string, orderId: string) =>
  call("POST", `/v1/orders/${orderId}/confirm-receipt`, { token }).then(json<{ status: string; code?: string }>);

/** A shipped order (SHIPPED, one parcel) with its tracking number. */
async function shippedOrder() {
  const order = await awaitingShipment();
  const tn = trackingNumber();
  const shipped = await ship(order.seller.token, order.orderId, { carrier: CARRIER, trackingNumber: tn });
  expect(shipped.status, JSON.stringify(shipped.body)).toBe(200);
  return { ...order, tn };
}

async function deliveredOrder() {
  const order = await shippedOrder();
  await carrierReports(CARRIER, order.tn, "delivered");
  await settleCarrier();
  const delivered = await sellerOrder(order.seller, order.orderId);
  expect(delivered.body.status).toBe("DELIVERED");
  return order;
}

describe("physical fulfillment", () => {
  it("pays → ships → applies duplicated, shuffled callbacks once → DELIVERED; a late in_transit changes nothing; the shopper confirms", async () => {
    const order = await awaitingShipment({ quantity: 2 });
    const stock = await call("GET", `/admin/v1/skus/${order.skuId}/stock`, { token: order.seller.token }).then(
      json<{ warehouses: { warehouseId: string; sold: number }[] }>,
    );
    const holding = stock.body.warehouses.find((w) => w.sold === 2)?.warehouseId;
    const pending = await sellerOrder(order.seller, order.orderId);
    expect(pending.body).toMatchObject({ status: "PAID", paymentStatus: "PAID", fulfillmentStatus: "PENDING" });
    expect(pending.body.shipments).toMatchObject([
      { status: "PENDING", carrier: null, trackingNumber: null, warehouseId: holding },
    ]);

    const tn = trackingNumber();
    const shipped = await ship(order.seller.token, order.orderId, { carrier: CARRIER, trackingNumber: tn });
    expect(shipped.status, JSON.stringify(shipped.body)).toBe(200);
    expect(shipped.body).toMatchObject({ status: "SHIPPED", fulfillmentStatus: "SHIPPED" });
    expect(shipped.body.shipments).toMatchObject([{ status: "SHIPPED", carrier: CARRIER, trackingNumber: tn }]);
    // The same parcel posted again (a retried request) answers the order as it is.
    const again = await ship(order.seller.token, order.orderId, { carrier: CARRIER, trackingNumber: tn });
    expect(again.status).toBe(200);
    expect(again.body.version).toBe(shipped.body.version);
    expect((await confirm(order.shopper.token, order.orderId)).body.code).toBe("invalid_transition");

    // Each callback sent three times more, late and shuffled: delivered may land before in_transit.
    expect((await sandbox("POST", "/chaos", { duplicates: 3, delayMs: 0, shuffle: true })).status).toBe(200);
    const transit = await carrierReports(CARRIER, tn, "in_transit");
    const delivered = await carrierReports(CARRIER, tn, "delivered");
    await settleCarrier();
    await calm();

    const view = await shopperOrder(order.shopper, order.orderId);
    expect(view.body).toMatchObject({ status: "DELIVERED", fulfillmentStatus: "DELIVERED" });
    expect(view.body.shipments).toMatchObject([{ status: "DELIVERED", trackingNumber: tn }]);
    const inbox = await callbacksOf(CARRIER, tn);
    expect(inbox.map((r) => r.eventId).sort()).toEqual([transit, delivered].sort());
    expect(inbox.every((r) => r.status === "applied")).toBe(true);
    const orderMoves = await transitionsOf(order.orderId);
    expect(orderMoves).toMatchObject({ "status:SHIPPED": 1, "status:DELIVERED": 1, "fulfillment_status:DELIVERED": 1 });
    expect((await transitionsOf(view.body.shipments[0]?.shipmentId ?? ""))["status:DELIVERED"]).toBe(1);

    // A late in_transit (created after delivery) finds a delivered parcel: stale, nothing moves.
    const late = await carrierReports(CARRIER, tn, "in_transit");
    await settleCarrier();
    expect((await callbacksOf(CARRIER, tn)).find((r) => r.eventId === late)).toMatchObject({
      status: "applied",
      note: "stale: shipment already DELIVERED",
    });
    const still = await shopperOrder(order.shopper, order.orderId);
    expect(still.body).toMatchObject({ status: "DELIVERED", version: view.body.version });
    expect(still.body.shipments[0]?.status).toBe("DELIVERED");

    const done = await confirm(order.shopper.token, order.orderId);
    expect(done.status, JSON.stringify(done.body)).toBe(200);
    expect(done.body.status).toBe("COMPLETED");
    expect(await completedEventOf(order.orderId)).toEqual({ handled: 1, inOutbox: 0 });
    expect((await confirm(order.shopper.token, order.orderId)).body).toMatchObject({
      status: 409,
      code: "invalid_transition",
    });
  });

  it("completes a delivered order AUTO_COMPLETE_DAYS after delivery, not before", async () => {
    const order = await deliveredOrder();
    const early = await runHousekeeping(env, new ManualClock(Date.now() + 6 * DAY));
    expect(early.failed).toEqual([]);
    expect((await sellerOrder(order.seller, order.orderId)).body.status).toBe("DELIVERED");
    const due = await runHousekeeping(env, new ManualClock(Date.now() + 7 * DAY + 60_000));
    expect(due.ordersAutoCompleted).toBeGreaterThanOrEqual(1);
    expect((await shopperOrder(order.shopper, order.orderId)).body.status).toBe("COMPLETED");
    expect(await transitionsOf(order.orderId)).toMatchObject({ "status:COMPLETED": 1 });
    expect(await completedEventOf(order.orderId)).toEqual({ handled: 1, inOutbox: 0 });
    // The shopper confirming afterwards is told it is done.
    expect((await confirm(order.shopper.token, order.orderId)).body.code).toBe("invalid_transition");
  });

  it("keeps a tracking number to one parcel per carrier, even when ships race", async () => {
    const seller = await newSeller();
    const orders = await Promise.all([0, 1, 2, 3].map(() => awaitingShipment({ seller })));
    const tn = trackingNumber();
    const answers = await Promise.all(
      orders.map((o) => ship(seller.token, o.orderId, { carrier: CARRIER, trackingNumber: tn })),
    );
    expect(answers.map((a) => a.status).sort()).toEqual([200, 409, 409, 409]);
    expect(answers.filter((a) => a.status === 409).every((a) => a.body.code === "tracking_number_taken")).toBe(true);
    expect(
      await countOnShards("select count(*) as n from shipments where carrier = ? and tracking_number = ?", CARRIER, tn),
    ).toBe(1);
    // Another carrier may use the same number.
    const loser = orders[answers.findIndex((a) => a.status === 409)];
    const other = await ship(seller.token, loser?.orderId ?? "", { carrier: "yto", trackingNumber: tn });
    expect(other.status, JSON.stringify(other.body)).toBe(200);

    // One order shipped by six requests at once with six parcels: one wins, the rest are refused.
    const one = await awaitingShipment({ seller });
    const racing = await Promise.all(
      [0, 1, 2, 3, 4, 5].map(() =>
        ship(seller.token, one.orderId, { carrier: CARRIER, trackingNumber: trackingNumber() }),
      ),
    );
    expect(racing.filter((r) => r.status === 200)).toHaveLength(1);
    expect(racing.filter((r) => r.status === 409)).toHaveLength(5);
    const view = await sellerOrder(seller, one.orderId);
    expect(view.body.shipments).toHaveLength(1);
    expect(await transitionsOf(one.orderId)).toMatchObject({ "status:SHIPPED": 1 });
    // The losers' numbers were claimed for the order and given back: only the shipped parcel's claim stays.
    const claims = await env.DB.prepare("select tracking_number as n from parcels where order_id = ?")
      .bind(one.orderId)
      .all<{ n: string }>();
    expect(claims.results.map((c) => c.n)).toEqual([view.body.shipments[0]?.trackingNumber]);
  });

  it("hides another shop's orders from its seller (404), lets an operator ship, refuses an unpaid order", async () => {
    const order = await awaitingShipment();
    const stranger = await newSeller();
    const refused = await ship(stranger.token, order.orderId, { carrier: CARRIER, trackingNumber: trackingNumber() });
    expect(refused.body).toMatchObject({ status: 404, code: "not_found" });
    expect((await sellerOrder(stranger, order.orderId)).status).toBe(404);
    const byOperator = await ship(await operatorToken(), order.orderId, {
      carrier: CARRIER,
      trackingNumber: trackingNumber(),
    });
    expect(byOperator.status, JSON.stringify(byOperator.body)).toBe(200);

    const unpaid = await unpaidOrder({ seller: order.seller });
    const early = await ship(order.seller.token, unpaid.orderIds[0] ?? "", {
      carrier: CARRIER,
      trackingNumber: trackingNumber(),
    });
    expect(early.body).toMatchObject({ status: 409, code: "invalid_transition" });
    const malformed = await ship(order.seller.token, unpaid.orderIds[0] ?? "", {
      carrier: "Not A Carrier!",
      trackingNumber: "x",
    });
    expect(malformed.body).toMatchObject({ status: 400, code: "validation_failed" });
  });

  it("hands a failed delivery back to the seller, who ships again with a new number; the old parcel's late news changes nothing", async () => {
    const order = await shippedOrder();
    await carrierReports(CARRIER, order.tn, "failed");
    await settleCarrier();
    const failed = await sellerOrder(order.seller, order.orderId);
    expect(failed.body).toMatchObject({ status: "FULFILLING", fulfillmentStatus: "FAILED" });
    expect(failed.body.shipments).toMatchObject([{ status: "FAILED", trackingNumber: order.tn }]);
    expect((await confirm(order.shopper.token, order.orderId)).body.code).toBe("invalid_transition");

    const sameNumber = await ship(order.seller.token, order.orderId, { carrier: CARRIER, trackingNumber: order.tn });
    expect(sameNumber.body).toMatchObject({ status: 409, code: "tracking_number_taken" });
    const tn2 = trackingNumber();
    const again = await ship(order.seller.token, order.orderId, { carrier: CARRIER, trackingNumber: tn2 });
    expect(again.status, JSON.stringify(again.body)).toBe(200);
    expect(again.body).toMatchObject({ status: "SHIPPED", fulfillmentStatus: "SHIPPED" });
    expect(again.body.shipments).toMatchObject([
      { status: "FAILED", trackingNumber: order.tn },
      { status: "SHIPPED", trackingNumber: tn2 },
    ]);

    await carrierReports(CARRIER, tn2, "delivered");
    await carrierReports(CARRIER, order.tn, "delivered");
    await settleCarrier();
    const view = await shopperOrder(order.shopper, order.orderId);
    expect(view.body).toMatchObject({ status: "DELIVERED", fulfillmentStatus: "DELIVERED" });
    expect(view.body.shipments.map((s) => s.status)).toEqual(["FAILED", "DELIVERED"]);
    expect((await callbacksOf(CARRIER, order.tn)).at(-1)).toMatchObject({ note: "stale: shipment already FAILED" });
  });

  it("stores a callback once, refuses a bad signature storing nothing, parks news of an unknown parcel until it is shipped", async () => {
    const tn = trackingNumber("ZZ");
    const body = JSON.stringify({
      id: `evt_test_${tn}`,
      type: "shipment.in_transit",
      created: Math.floor(Date.now() / 1000),
      data: { carrier: CARRIER, trackingNumber: tn },
    });
    const post = (signature: string) =>
      call("POST", `/webhooks/carriers/${CARRIER}`, { rawBody: body, headers: { "stripe-signature": signature } }).then(
        json<{ duplicate?: boolean; code?: string }>,
      );
    const forged = await post(await signPayload(body, "whsec_not_the_secret", Date.now()));
    expect(forged.body).toMatchObject({ status: 400, code: "invalid_signature" });
    expect(await callbacksOf(CARRIER, tn)).toEqual([]);

    const signature = await signPayload(body, SANDBOX_CARRIER_SECRET, Date.now());
    const [first, second] = await Promise.all([post(signature), post(signature)]);
    expect([first?.status, second?.status]).toEqual([200, 200]);
    expect([first?.body.duplicate, second?.body.duplicate].sort()).toEqual([false, true]);
    await eventually(
      () => callbacksOf(CARRIER, tn),
      (rows) => rows.length === 1 && rows[0]?.status === "parked",
      "parked callback",
    );
    // The seller then ships that parcel: the parked news is queued again and applies to it.
    const order = await awaitingShipment();
    const shipped = await ship(order.seller.token, order.orderId, { carrier: CARRIER, trackingNumber: tn });
    expect(shipped.status, JSON.stringify(shipped.body)).toBe(200);
    await settleCarrier();
    const view = await sellerOrder(order.seller, order.orderId);
    expect(view.body.shipments).toMatchObject([{ status: "IN_TRANSIT", trackingNumber: tn }]);
    expect(view.body.status).toBe("SHIPPED");
    // On the order's shard (the parked row, where the news arrived, is marked applied too).
    expect(await callbacksOf(CARRIER, tn, await orderShard(order.orderId))).toMatchObject([
      { status: "applied", note: null },
    ]);

    const wrongCarrier = await call("POST", "/webhooks/carriers/yto", {
      rawBody: body,
      headers: { "stripe-signature": signature },
    }).then(json<{ code?: string }>);
    expect(wrongCarrier.body).toMatchObject({ status: 400, code: "validation_failed" });
  });
});
