/**
 * A refund of goods already delivered (issue #14, with fulfillment's shipments): the seller ships,
 * the carrier reports delivered, the shopper sends one unit back, the seller receives it sellable;
 * the money goes back and the order keeps its delivery while its payment status follows.
 */
import { afterEach, describe, expect, it } from "vitest";
import {
  awaitingShipment,
  carrierReports,
  settleCarrier,
  ship,
  shopperOrder,
  trackingNumber,
} from "../helpers/fulfillment";
import { call, json } from "../helpers/http";
import { stockOf } from "../helpers/orders";
import { ledgerOf, settle } from "../helpers/payments";
import { orderRefundState, refunded } from "../helpers/refunds";
import { calm } from "../helpers/sandbox";

afterEach(async () => {
  await calm();
  await settle();
});

const post = (token: string, path: string, body: object) =>
  call("POST", path, { token, body, headers: { "idempotency-key": crypto.randomUUID() } }).then(
    json<{ refundId: string; status: string; amount: { amount: number }; code?: string }>,
  );

describe("a refund after delivery", () => {
  it("takes one delivered unit back to stock and the money back; the order stays DELIVERED, PARTIALLY_REFUNDED", async () => {
    const order = await awaitingShipment({ stock: 4, quantity: 2 });
    const tn = trackingNumber("RF");
    const shipped = await ship(order.seller.token, order.orderId, { carrier: "sandbox", trackingNumber: tn });
    expect(shipped.status, JSON.stringify(shipped.body)).toBe(200);
    await carrierReports("sandbox", tn, "delivered");
    await settleCarrier();
    expect((await shopperOrder(order.shopper, order.orderId)).body.status).toBe("DELIVERED");

    const itemId = (await orderRefundState(order.orderId)).items[0]?.id ?? "";
    const asked = await post(order.shopper.token, `/v1/orders/${order.orderId}/refunds`, {
      items: [{ orderItemId: itemId, quantity: 1 }],
      reason: "颜色不对",
      returnGoods: true,
    });
    expect(asked.status, JSON.stringify(asked.body)).toBe(201);
    expect((await post(order.seller.token, `/admin/v1/refunds/${asked.body.refundId}/approve`, {})).body.status).toBe(
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

    const view = await shopperOrder(order.shopper, order.orderId);
    expect(view.body).toMatchObject({ status: "DELIVERED", paymentStatus: "PARTIALLY_REFUNDED" });
    expect((await stockOf(order.seller, order.skuId)).body).toMatchObject({ available: 3, sold: 1 });
    expect((await ledgerOf(asked.body.refundId)).map((t) => [t.kind, t.sum])).toEqual([
      ["refund_owed", 0],
      ["refund_paid", 0],
    ]);
  });
});
