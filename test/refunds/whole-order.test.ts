/**
 * The whole-order refund the platform makes itself (failed fulfillment): everything left of the
 * order, shipping included, decided at once and paid out through the provider to REFUNDED, the
 * order's payment status REFUNDED; a second call for the same reason makes no second refund.
 */
import { afterEach, describe, expect, it } from "vitest";
import { SYSTEM_ACTOR } from "../../shared/platform/actor";
import { refundWholeOrder } from "../../shared/refunds/place-refund";
import { ledgerOf, settle, transitionsOf } from "../helpers/payments";
import { orderRefundState, paidOrder, refundDeps, refunded } from "../helpers/refunds";
import { calm } from "../helpers/sandbox";

afterEach(async () => {
  await calm();
  await settle();
});

describe("refundWholeOrder", () => {
  it("refunds every unit and the shipping of a paid order, once, through the provider to REFUNDED", async () => {
    const order = await paidOrder({ stock: 5, quantity: 3 });
    const input = { orderId: order.orderId, reason: "failed_fulfillment", actor: SYSTEM_ACTOR };
    const [first, again] = [await refundWholeOrder(refundDeps(), input), await refundWholeOrder(refundDeps(), input)];
    expect(first.created).toBe(true);
    expect(first.refund).toMatchObject({
      status: "PROCESSING",
      reason: "failed_fulfillment",
      amount: { amount: order.payable },
    });
    expect(first.refund.items).toEqual([expect.objectContaining({ quantity: 3 })]);
    expect(again).toEqual({ refund: first.refund, created: false });

    await refunded(first.refund.refundId);
    const state = await orderRefundState(order.orderId);
    expect(state.paymentStatus).toBe("REFUNDED");
    expect(state.items.map((i) => i.heldQuantity)).toEqual([3]);
    expect((await ledgerOf(first.refund.refundId)).map((t) => [t.kind, t.sum])).toEqual([
      ["refund_owed", 0],
      ["refund_paid", 0],
    ]);
    expect(await transitionsOf(first.refund.refundId)).toEqual({ "status:PROCESSING": 1, "status:REFUNDED": 1 });
    expect((await transitionsOf(order.orderId))["payment_status:REFUNDED"]).toBe(1);
  });
});
