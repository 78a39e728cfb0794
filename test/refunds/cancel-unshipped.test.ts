/**
 * shared/refunds/cancel-unshipped.ts on its own: when a refund going PROCESSING leaves nothing of
 * a physical order to ship, its statements cancel the pending shipment and move the order
 * CANCELLED (fulfillment CANCELLED); they are empty while units are left, for a virtual order,
 * after shipping, or while another refund of the order may still be rejected; and they lose to a
 * seller shipping between the read and the commit.
 */
import { eq } from "drizzle-orm";
import { afterEach, describe, expect, it } from "vitest";
import { orders } from "../../db/schema";
import { newChange, type OrderRow } from "../../shared/fulfillment/status-writes";
import { SYSTEM_ACTOR } from "../../shared/platform/actor";
import { dbOf, isAssertionFailure, runBatch } from "../../shared/platform/db";
import { cancelUnshippedStatements } from "../../shared/refunds/cancel-unshipped";
import { awaitingShipment, sellerOrder, ship, trackingNumber } from "../helpers/fulfillment";
import { call, json } from "../helpers/http";
import { orderD1 } from "../helpers/order-d1";
import { settle, transitionsOf } from "../helpers/payments";
import { orderRefundState } from "../helpers/refunds";
import { calm } from "../helpers/sandbox";

afterEach(async () => {
  await calm();
  await settle();
});

/** The order's shard, where the statements read and run. */
const db = async (orderId: string) => dbOf(await orderD1(orderId));
const change = () => newChange(SYSTEM_ACTOR, Date.now());

async function orderRow(orderId: string): Promise<OrderRow> {
  const row = await (await db(orderId)).query.orders.findFirst({ where: eq(orders.id, orderId) });
  if (!row) throw new Error(`no order ${orderId}`);
  return row;
}

describe("cancelUnshippedStatements", () => {
  it("cancels the pending shipment and the order when the refund empties it, with status-log rows", async () => {
    const order = await awaitingShipment({ stock: 3, quantity: 1 });
    const statements = await cancelUnshippedStatements(
      await db(order.orderId),
      await orderRow(order.orderId),
      { refundId: "rfd_not_in_d1", emptied: true },
      change(),
    );
    expect(statements.length).toBeGreaterThan(0);
    await runBatch(await db(order.orderId), statements);
    const view = await sellerOrder(order.seller, order.orderId);
    expect(view.body).toMatchObject({ status: "CANCELLED", fulfillmentStatus: "CANCELLED" });
    expect(view.body.shipments.map((s) => s.status)).toEqual(["CANCELLED"]);
    expect(await transitionsOf(order.orderId)).toMatchObject({
      "status:CANCELLED": 1,
      "fulfillment_status:CANCELLED": 1,
    });
    const shipment = view.body.shipments[0]?.shipmentId ?? "";
    expect(await transitionsOf(shipment)).toMatchObject({ "status:CANCELLED": 1 });
  });

  it("is empty while units are left, for a virtual order and after shipping", async () => {
    const order = await awaitingShipment({ stock: 3, quantity: 1 });
    const row = await orderRow(order.orderId);
    const input = { refundId: "rfd_not_in_d1", emptied: true };
    expect(
      await cancelUnshippedStatements(await db(order.orderId), row, { ...input, emptied: false }, change()),
    ).toEqual([]);
    expect(
      await cancelUnshippedStatements(await db(order.orderId), { ...row, kind: "virtual" }, input, change()),
    ).toEqual([]);
    const shipped = await ship(order.seller.token, order.orderId, {
      carrier: "sf-express",
      trackingNumber: trackingNumber(),
    });
    expect(shipped.status, JSON.stringify(shipped.body)).toBe(200);
    expect(
      await cancelUnshippedStatements(await db(order.orderId), await orderRow(order.orderId), input, change()),
    ).toEqual([]);
  });

  it("keeps the shipment while another refund of the order is still REQUESTED (it may be rejected)", async () => {
    const order = await awaitingShipment({ stock: 3, quantity: 2 });
    const itemId = (await orderRefundState(order.orderId)).items[0]?.id ?? "";
    const asked = await call("POST", `/v1/orders/${order.orderId}/refunds`, {
      token: order.shopper.token,
      body: { items: [{ orderItemId: itemId, quantity: 1 }], reason: "一件就够", returnGoods: false },
      headers: { "idempotency-key": crypto.randomUUID() },
    }).then(json<{ refundId: string }>);
    expect(asked.status, JSON.stringify(asked.body)).toBe(201);
    const row = await orderRow(order.orderId);
    expect(
      await cancelUnshippedStatements(await db(order.orderId), row, { refundId: "rfd_other", emptied: true }, change()),
    ).toEqual([]);
    // The same refund deciding itself does not count as "another".
    const own = await cancelUnshippedStatements(
      await db(order.orderId),
      row,
      { refundId: asked.body.refundId, emptied: true },
      change(),
    );
    expect(own.length).toBeGreaterThan(0);
  });

  it("loses to a seller shipping between the read and the commit: the batch fails and nothing is cancelled", async () => {
    const order = await awaitingShipment({ stock: 3, quantity: 1 });
    const statements = await cancelUnshippedStatements(
      await db(order.orderId),
      await orderRow(order.orderId),
      { refundId: "rfd_not_in_d1", emptied: true },
      change(),
    );
    const shipped = await ship(order.seller.token, order.orderId, {
      carrier: "sf-express",
      trackingNumber: trackingNumber(),
    });
    expect(shipped.status, JSON.stringify(shipped.body)).toBe(200);
    const failure = await runBatch(await db(order.orderId), statements).then(
      () => null,
      (err: unknown) => err,
    );
    expect(isAssertionFailure(failure), String(failure)).toBe(true);
    const view = await sellerOrder(order.seller, order.orderId);
    expect(view.body).toMatchObject({ status: "SHIPPED", fulfillmentStatus: "SHIPPED" });
    expect(view.body.shipments.map((s) => s.status)).toEqual(["SHIPPED"]);
  });
});
