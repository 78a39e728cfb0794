/**
 * Refunds decided while a paid physical order's fulfillment is still NONE (order.paid not applied
 * yet): a refund emptying the order moves its fulfillment NONE → CANCELLED (logged), so a later or
 * redelivered order.paid creates no shipment; a partial one leaves the order to ship, and the
 * shipment order.paid creates then carries only the units that were not refunded.
 *
 * The moment before order.paid is applied is set up by taking an order awaiting its seller back
 * to it (its pending shipment removed, fulfillment NONE): the fulfillment consumer runs as soon as
 * the payment lands, so the window cannot be hit through the router alone.
 */
import { env } from "cloudflare:test";
import { afterEach, describe, expect, it } from "vitest";
import { awaitSeller } from "../../shared/fulfillment/await-seller";
import { inventoryOf } from "../../shared/inventory/binding";
import { orderStoreOf } from "../../shared/orders/order-store";
import { systemClock } from "../../shared/platform/clock";
import { createLogger } from "../../shared/platform/logger";
import type { RefundView } from "../../shared/refunds/refunds-read";
import { awaitingShipment, sellerOrder, ship, trackingNumber } from "../helpers/fulfillment";
import { call, json } from "../helpers/http";
import { orderD1 } from "../helpers/order-d1";
import { stockOf } from "../helpers/orders";
import { settle, transitionsOf } from "../helpers/payments";
import { orderRefundState, refunded } from "../helpers/refunds";
import { calm } from "../helpers/sandbox";

afterEach(async () => {
  await calm();
  await settle();
});

/** A paid order of `quantity` units as it stands before order.paid is applied: PAID, fulfillment NONE. */
async function paidNotYetFulfilling(quantity: number) {
  const order = await awaitingShipment({ stock: 5, quantity });
  const shard = await orderD1(order.orderId);
  await shard.batch([
    shard.prepare("delete from shipments where order_id = ?").bind(order.orderId),
    shard
      .prepare(
        "update orders set fulfillment_status = 'NONE', version = version + 1 where id = ? and fulfillment_status = 'PENDING'",
      )
      .bind(order.orderId),
  ]);
  const view = await sellerOrder(order.seller, order.orderId);
  expect(view.body).toMatchObject({ status: "PAID", fulfillmentStatus: "NONE", shipments: [] });
  return order;
}

/** order.paid delivered (again) to the physical branch. */
const orderPaidAgain = (orderId: string) =>
  awaitSeller(
    {
      orders: orderStoreOf(env, systemClock),
      clock: systemClock,
      inventory: inventoryOf(env),
      log: createLogger({ test: "refunds" }),
    },
    orderId,
  );

function refundDirectly(token: string, orderId: string, items: { orderItemId: string; quantity: number }[]) {
  return call("POST", `/admin/v1/orders/${orderId}/refunds`, {
    token,
    body: { items, reason: "缺货" },
    headers: { "idempotency-key": crypto.randomUUID() },
  }).then(json<RefundView & { code?: string }>);
}

describe("a refund decided before order.paid is applied", () => {
  it("emptying the order cancels its fulfillment (NONE → CANCELLED, logged) and a later order.paid ships nothing", async () => {
    const order = await paidNotYetFulfilling(2);
    const itemId = (await orderRefundState(order.orderId)).items[0]?.id ?? "";
    const refund = await refundDirectly(order.seller.token, order.orderId, [{ orderItemId: itemId, quantity: 2 }]);
    expect(refund.status, JSON.stringify(refund.body)).toBe(201);
    await refunded(refund.body.refundId);

    await orderPaidAgain(order.orderId);
    await orderPaidAgain(order.orderId);
    const view = await sellerOrder(order.seller, order.orderId);
    expect(view.body).toMatchObject({ status: "CANCELLED", fulfillmentStatus: "CANCELLED", paymentStatus: "REFUNDED" });
    expect(view.body.shipments).toEqual([]);
    expect(await transitionsOf(order.orderId)).toMatchObject({
      "fulfillment_status:CANCELLED": 1,
      "status:CANCELLED": 1,
    });
    // Both units back on sale, once.
    expect((await stockOf(order.seller, order.skuId)).body).toMatchObject({ available: 5, reserved: 0, sold: 0 });
    const shipped = await ship(order.seller.token, order.orderId, {
      carrier: "sf-express",
      trackingNumber: trackingNumber(),
    });
    expect(shipped.status).toBe(409);
    expect(shipped.body.code).toBe("invalid_transition");
  });

  it("refunding 1 of 3 units leaves a shipment carrying the other 2, which the seller ships", async () => {
    const order = await paidNotYetFulfilling(3);
    const itemId = (await orderRefundState(order.orderId)).items[0]?.id ?? "";
    const refund = await refundDirectly(order.seller.token, order.orderId, [{ orderItemId: itemId, quantity: 1 }]);
    expect(refund.status, JSON.stringify(refund.body)).toBe(201);
    await refunded(refund.body.refundId);
    expect((await stockOf(order.seller, order.skuId)).body).toMatchObject({ available: 3, sold: 2 });

    await orderPaidAgain(order.orderId);
    const pending = await sellerOrder(order.seller, order.orderId);
    expect(pending.body).toMatchObject({ status: "PAID", fulfillmentStatus: "PENDING" });
    expect(pending.body.shipments).toEqual([
      expect.objectContaining({ status: "PENDING", items: [{ orderItemId: itemId, quantity: 2 }] }),
    ]);
    const shipped = await ship(order.seller.token, order.orderId, {
      carrier: "sf-express",
      trackingNumber: trackingNumber(),
    });
    expect(shipped.status, JSON.stringify(shipped.body)).toBe(200);
    expect(shipped.body.shipments).toEqual([
      expect.objectContaining({ status: "SHIPPED", items: [{ orderItemId: itemId, quantity: 2 }] }),
    ]);
  });
});
