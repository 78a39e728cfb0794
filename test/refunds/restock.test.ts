/**
 * Units refunded before they shipped go back to available stock (shared/refunds/restock.ts; the
 * rule is in docs/decisions.md): a partial and a whole refund of an unshipped physical order,
 * each unit once however often `refund.requested` is delivered or the decision is retried; after
 * shipping, a refund without goods restocks nothing. Regression for the gap where an emptied
 * unshipped order was cancelled but its units stayed sold (medusa #11703).
 */
import { env } from "cloudflare:test";
import { afterEach, describe, expect, it } from "vitest";
import { inventoryOf } from "../../shared/inventory/binding";
import { orderStoreOf } from "../../shared/orders/order-store";
import { systemClock } from "../../shared/platform/clock";
import type { RefundView } from "../../shared/refunds/refunds-read";
import { restockRefundedUnits } from "../../shared/refunds/restock";
import { awaitingShipment, sellerOrder, ship, trackingNumber } from "../helpers/fulfillment";
import { call, json } from "../helpers/http";
import { orderD1 } from "../helpers/order-d1";
import { stockOf } from "../helpers/orders";
import { settle } from "../helpers/payments";
import { orderRefundState, refunded } from "../helpers/refunds";
import { calm } from "../helpers/sandbox";

afterEach(async () => {
  await calm();
  await settle();
});

type Answer = RefundView & { code?: string };

function post(token: string, path: string, body: object = {}) {
  return call("POST", path, { token, body, headers: { "idempotency-key": crypto.randomUUID() } }).then(json<Answer>);
}

async function itemOf(orderId: string): Promise<string> {
  return (await orderRefundState(orderId)).items[0]?.id ?? "";
}

/** The SKU's movements, newest first. */
async function movementsOf(token: string, skuId: string) {
  const res = await json<{ items: { kind: string; quantity: number; reason: string }[] }>(
    await call("GET", `/admin/v1/skus/${skuId}/stock/movements`, { token }),
  );
  return res.body.items;
}

const restockDeps = () => ({ orders: orderStoreOf(env, systemClock), clock: systemClock, inventory: inventoryOf(env) });

describe("refunding units that never shipped", () => {
  it("puts 1 of 3 unshipped units back on sale once, however often its message comes, and the seller ships the rest", async () => {
    const order = await awaitingShipment({ stock: 5, quantity: 3 });
    const itemId = await itemOf(order.orderId);
    expect((await stockOf(order.seller, order.skuId)).body).toMatchObject({ available: 2, reserved: 0, sold: 3 });

    const refund = await post(order.seller.token, `/admin/v1/orders/${order.orderId}/refunds`, {
      items: [{ orderItemId: itemId, quantity: 1 }],
      reason: "缺货一件",
    });
    expect(refund.status, JSON.stringify(refund.body)).toBe(201);
    await refunded(refund.body.refundId);
    expect((await stockOf(order.seller, order.skuId)).body).toMatchObject({ available: 3, reserved: 0, sold: 2 });
    // A redelivered refund.requested (and a second one at the same moment) move nothing more.
    await Promise.all([
      restockRefundedUnits(restockDeps(), { refundId: refund.body.refundId, orderId: order.orderId }),
      restockRefundedUnits(restockDeps(), { refundId: refund.body.refundId, orderId: order.orderId }),
    ]);
    expect((await stockOf(order.seller, order.skuId)).body).toMatchObject({ available: 3, sold: 2 });
    const returns = (await movementsOf(order.seller.token, order.skuId)).filter((m) => m.kind === "return");
    expect(returns).toEqual([
      expect.objectContaining({ quantity: 1, reason: `refund ${refund.body.refundId}: refunded before it shipped` }),
    ]);

    // The order still has two units to send: it stays PAID and the seller ships them.
    const shipped = await ship(order.seller.token, order.orderId, {
      carrier: "sf-express",
      trackingNumber: trackingNumber(),
    });
    expect(shipped.status, JSON.stringify(shipped.body)).toBe(200);
    expect((await stockOf(order.seller, order.skuId)).body).toMatchObject({ available: 3, sold: 2 });
  });

  it("puts every unit of a wholly refunded unshipped order back when the request is approved, and a retried approval moves nothing", async () => {
    const order = await awaitingShipment({ stock: 4, quantity: 2 });
    const itemId = await itemOf(order.orderId);
    const asked = await post(order.shopper.token, `/v1/orders/${order.orderId}/refunds`, {
      items: [{ orderItemId: itemId, quantity: 2 }],
      reason: "不想要了",
      returnGoods: false,
    });
    expect(asked.status, JSON.stringify(asked.body)).toBe(201);
    // Nothing moves while the refund may still be rejected.
    await settle();
    expect((await stockOf(order.seller, order.skuId)).body).toMatchObject({ available: 2, sold: 2 });

    const approvals = await Promise.all(
      [1, 2].map(() => post(order.seller.token, `/admin/v1/refunds/${asked.body.refundId}/approve`)),
    );
    expect(approvals.map((a) => a.status).sort(), JSON.stringify(approvals.map((a) => a.body))).toEqual([200, 409]);
    await refunded(asked.body.refundId);
    const again = await post(order.seller.token, `/admin/v1/refunds/${asked.body.refundId}/approve`);
    expect(again.status).toBe(409);
    await settle();
    expect((await stockOf(order.seller, order.skuId)).body).toMatchObject({ available: 4, reserved: 0, sold: 0 });
    const view = await sellerOrder(order.seller, order.orderId);
    expect(view.body).toMatchObject({ status: "CANCELLED", fulfillmentStatus: "CANCELLED", paymentStatus: "REFUNDED" });
    expect(view.body.shipments.map((s) => s.status)).toEqual(["CANCELLED"]);
  });

  it("restocks nothing when the units had shipped before the refund (they come back only as a return with goods)", async () => {
    const order = await awaitingShipment({ stock: 4, quantity: 2 });
    const itemId = await itemOf(order.orderId);
    const shipped = await ship(order.seller.token, order.orderId, {
      carrier: "sf-express",
      trackingNumber: trackingNumber(),
    });
    expect(shipped.status, JSON.stringify(shipped.body)).toBe(200);
    const refund = await post(order.seller.token, `/admin/v1/orders/${order.orderId}/refunds`, {
      items: [{ orderItemId: itemId, quantity: 1 }],
      reason: "运输破损补偿",
    });
    expect(refund.status, JSON.stringify(refund.body)).toBe(201);
    await refunded(refund.body.refundId);
    expect((await stockOf(order.seller, order.skuId)).body).toMatchObject({ available: 2, sold: 2 });
    expect((await movementsOf(order.seller.token, order.skuId)).filter((m) => m.kind === "return")).toEqual([]);
  });

  it("restocks nothing when the seller's shipment wins the race with the refund", async () => {
    // Ship and refund at the same moment: whichever commits first decides. A refund that committed
    // first restocks its unit; one that lost the race re-reads SHIPPED and restocks none. Either
    // way the stock agrees with the refund's flag.
    const order = await awaitingShipment({ stock: 6, quantity: 3 });
    const itemId = await itemOf(order.orderId);
    const [refund, shipped] = await Promise.all([
      post(order.seller.token, `/admin/v1/orders/${order.orderId}/refunds`, {
        items: [{ orderItemId: itemId, quantity: 1 }],
        reason: "少发一件",
      }),
      ship(order.seller.token, order.orderId, { carrier: "sf-express", trackingNumber: trackingNumber() }),
    ]);
    expect(refund.status, JSON.stringify(refund.body)).toBe(201);
    expect(shipped.status, JSON.stringify(shipped.body)).toBe(200);
    await refunded(refund.body.refundId);
    const row = await (await orderD1(order.orderId))
      .prepare("select restock from refunds where id = ?")
      .bind(refund.body.refundId)
      .first<{ restock: number }>();
    const stock = (await stockOf(order.seller, order.skuId)).body;
    expect(stock).toMatchObject(row?.restock ? { available: 4, sold: 2 } : { available: 3, sold: 3 });
  });
});
