/**
 * The automatic refunds of shared/payments. A success after the pay order closed
 * (paid_after_cancel) returns the cancelled order's own payment: the order's refundStatus follows
 * it like any other refund (PROCESSING in the batch that writes it, REFUNDED when the provider paid
 * it out, one status-log row each). A second success for a paid pay order (duplicate_payment)
 * returns a payment that is not the order's: the paid order's refundStatus and paymentStatus stay
 * as they are (regression: its payout used to turn the paid order's paymentStatus REFUNDED).
 */
import { afterEach, describe, expect, it } from "vitest";
import { call, json } from "../helpers/http";
import { orderD1, rowsOnShards } from "../helpers/order-d1";
import { eventually, pay, payOrderOf, settle, transitionsOf, unpaidOrder } from "../helpers/payments";
import { act, calm, sandbox } from "../helpers/sandbox";

afterEach(async () => {
  await calm();
  await settle();
});

async function refundsOf(paymentId: string) {
  return rowsOnShards<{ id: string; reason: string; status: string; orderId: string }>(
    "select id, reason, status, order_id as orderId from refunds where payment_id = ?",
    paymentId,
  );
}

async function refundStatusOf(orderId: string) {
  const row = await (await orderD1(orderId))
    .prepare("select refund_status as refundStatus from orders where id = ?")
    .bind(orderId)
    .first<{ refundStatus: string }>();
  return row?.refundStatus;
}

describe("automatic refunds and the order's refundStatus", () => {
  it("follows a paid_after_cancel refund to REFUNDED on the cancelled order", async () => {
    const order = await unpaidOrder({ stock: 3, quantity: 1 });
    const orderId = order.orderIds[0] ?? "";
    const started = await pay(order.shopper, order.payOrderId);
    // The provider's success is slow to arrive; the shopper cancels meanwhile.
    expect((await sandbox("POST", "/chaos", { delayMs: 60_000 })).status).toBe(200);
    await act(started.body.paymentId, "succeed");
    const cancel = await call("POST", `/v1/orders/${orderId}/cancel`, { token: order.shopper.token }).then(
      json<{ status: string }>,
    );
    expect(cancel.body.status).toBe("CANCELLED");
    expect(await refundStatusOf(orderId)).toBe("NONE");
    await calm();
    await settle();
    const refunds = await eventually(
      () => refundsOf(started.body.paymentId),
      (rows) => rows[0]?.status === "REFUNDED",
      "refund",
    );
    expect(refunds.map((r) => [r.reason, r.orderId])).toEqual([["paid_after_cancel", orderId]]);
    expect(await refundStatusOf(orderId)).toBe("REFUNDED");
    expect(await transitionsOf(orderId)).toMatchObject({
      "refund_status:PROCESSING": 1,
      "refund_status:REFUNDED": 1,
    });
  });

  it("leaves the paid order's refundStatus and paymentStatus alone for a duplicate_payment refund", async () => {
    const order = await unpaidOrder({ stock: 3, quantity: 1 });
    const orderId = order.orderIds[0] ?? "";
    const first = await pay(order.shopper, order.payOrderId);
    await act(first.body.paymentId, "fail");
    await settle();
    await eventually(
      () => payOrderOf(order.shopper, order.payOrderId),
      (v) => v.body.paymentStatus === "FAILED",
      "declined",
    );
    const second = await pay(order.shopper, order.payOrderId);
    expect(second.status, JSON.stringify(second.body)).toBe(201);
    // Both go through at the provider before either success is applied: one pays, one is refunded.
    await act(second.body.paymentId, "succeed");
    await act(first.body.paymentId, "succeed");
    await settle();
    const refunds = await eventually(
      async () => [...(await refundsOf(first.body.paymentId)), ...(await refundsOf(second.body.paymentId))],
      (rows) => rows.length === 1 && rows[0]?.status === "REFUNDED",
      "duplicate refunded",
    );
    expect(refunds.map((r) => [r.reason, r.orderId])).toEqual([["duplicate_payment", orderId]]);
    expect(await refundStatusOf(orderId)).toBe("NONE");
    const transitions = await transitionsOf(orderId);
    expect(Object.keys(transitions).filter((t) => t.startsWith("refund_status:"))).toEqual([]);
    expect(transitions["payment_status:REFUNDED"]).toBeUndefined();
    const view = await payOrderOf(order.shopper, order.payOrderId);
    expect(view.body).toMatchObject({ paymentStatus: "PAID", orders: [{ orderId, paymentStatus: "PAID" }] });
  });
});
