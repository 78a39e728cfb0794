import { afterEach, describe, expect, it } from "vitest";
import type { RefundView } from "../../shared/refunds/refunds-read";
import { awaitingShipment, ship } from "../helpers/fulfillment";
import { call, json } from "../helpers/http";
import { orderD1 } from "../helpers/order-d1";
import { settle, transitionsOf } from "../helpers/payments";
import { refunded } from "../helpers/refunds";
import { calm } from "../helpers/sandbox";

afterEach(async () => {
  await calm();
  await settle();
});

type Answer = RefundView & { code?: string };

function post(token: string, path: string, body: object) {
  return call("POST", path, { token, body, headers: { "idempotency-key": crypto.randomUUID() } }).then(json<Answer>);
}

async function orderRow(orderId: string) {
  return (await orderD1(orderId))
    .prepare(
      "select status, fulfillment_status as fulfillmentStatus, refund_status as refundStatus, version from orders where id = ?",
    )
    .bind(orderId)
    .first<{ status: string; fulfillmentStatus: string; refundStatus: string; version: number }>();
}

async function itemOf(orderId: string): Promise<string> {
  const row = await (await orderD1(orderId))
    .prepare("select id from order_items where order_id = ?")
    .bind(orderId)
    .first<{ id: string }>();
  return row?.id ?? "";
}

describe("the order's refundStatus", () => {
  it("follows a refund request → approval → payout, while the seller ships the same order at the same moment, then starts over with the next refund", async () => {
    const order = await awaitingShipment({ stock: 5, quantity: 2 });
    const itemId = await itemOf(order.orderId);
    expect(await orderRow(order.orderId)).toMatchObject({ refundStatus: "NONE" });

    const asked = await post(order.shopper.token, `/v1/orders/${order.orderId}/refunds`, {
      items: [{ orderItemId: itemId, quantity: 1 }],
      reason: "只要一个",
    });
    expect(asked.status, JSON.stringify(asked.body)).toBe(201);
    expect(await orderRow(order.orderId)).toMatchObject({ refundStatus: "REQUESTED" });

    // The approval and the shipment both move the order row; neither is lost, neither fails.
    const [approved, shipped] = await Promise.all([
      post(order.seller.token, `/admin/v1/refunds/${asked.body.refundId}/approve`, {}),
      ship(order.seller.token, order.orderId, { carrier: "sf-express", trackingNumber: `SF${Date.now()}` }),
    ]);
    expect(approved.status, JSON.stringify(approved.body)).toBe(200);
    expect(shipped.status, JSON.stringify(shipped.body)).toBe(200);
    expect(await orderRow(order.orderId)).toMatchObject({
      status: "SHIPPED",
      fulfillmentStatus: "SHIPPED",
      refundStatus: "PROCESSING",
    });

    await refunded(asked.body.refundId);
    expect(await orderRow(order.orderId)).toMatchObject({ refundStatus: "REFUNDED" });

    // The next refund (the seller's, decided at once) takes the summary over from REFUNDED.
    const direct = await post(order.seller.token, `/admin/v1/orders/${order.orderId}/refunds`, {
      items: [{ orderItemId: itemId, quantity: 1 }],
      reason: "破损",
    });
    expect(direct.status, JSON.stringify(direct.body)).toBe(201);
    expect(await orderRow(order.orderId)).toMatchObject({ refundStatus: "PROCESSING" });
    await refunded(direct.body.refundId);
    expect(await orderRow(order.orderId)).toMatchObject({ refundStatus: "REFUNDED" });

    const log = await transitionsOf(order.orderId);
    expect(log).toMatchObject({
      "refund_status:REQUESTED": 1,
      "refund_status:APPROVED": 1,
      "refund_status:PROCESSING": 2,
      "refund_status:REFUNDED": 2,
    });
  });

  it("moves once when two refunds of the same order are asked for at once: it follows the one that won, and the other waits its turn", async () => {
    const order = await awaitingShipment({ stock: 5, quantity: 2 });
    const itemId = await itemOf(order.orderId);
    const asks = await Promise.all(
      [1, 2].map(() =>
        post(order.shopper.token, `/v1/orders/${order.orderId}/refunds`, {
          items: [{ orderItemId: itemId, quantity: 1 }],
          reason: "两个都退",
        }),
      ),
    );
    expect(
      asks.map((a) => a.status),
      JSON.stringify(asks.map((a) => a.body)),
    ).toEqual([201, 201]);
    expect(await orderRow(order.orderId)).toMatchObject({ refundStatus: "REQUESTED" });
    expect(await transitionsOf(order.orderId)).toMatchObject({ "refund_status:REQUESTED": 1 });
  });
});
