import { afterEach, describe, expect, it } from "vitest";
import type { RefundView } from "../../shared/refunds/refunds-read";
import { newSeller, operatorToken } from "../helpers/catalog";
import { awaitingShipment, ship, trackingNumber } from "../helpers/fulfillment";
import { call, json } from "../helpers/http";
import { countOnShards, rowsOnShards } from "../helpers/order-d1";
import { eventually, ledgerOf, settle, transitionsOf } from "../helpers/payments";
import { orderRefundState, refunded, refundStatusOf, replayRefundUpdate } from "../helpers/refunds";
import { calm, sandbox } from "../helpers/sandbox";

afterEach(async () => {
  await calm();
  await settle();
});

type Answer = RefundView & { code?: string };

function post(token: string, path: string, body: object = {}) {
  return call("POST", path, { token, body, headers: { "idempotency-key": crypto.randomUUID() } }).then(json<Answer>);
}

/** A seller's refund of 1 of the order's 2 units whose payout the provider fails. */
async function failedRefund(order: Awaited<ReturnType<typeof awaitingShipment>>) {
  const itemId = (await orderRefundState(order.orderId)).items[0]?.id ?? "";
  expect((await sandbox("POST", "/chaos", { refunds: "fail" })).status).toBe(200);
  const refund = await post(order.seller.token, `/admin/v1/orders/${order.orderId}/refunds`, {
    items: [{ orderItemId: itemId, quantity: 1 }],
    reason: "运输破损补偿",
  });
  expect(refund.status, JSON.stringify(refund.body)).toBe(201);
  await settle();
  await eventually(
    () => refundStatusOf(refund.body.refundId),
    (s) => s === "FAILED",
    "payout failed",
  );
  await calm();
  return { itemId, refundId: refund.body.refundId };
}

describe("releasing a refund whose payout failed", () => {
  it("frees its unit for a new request, undoes the owed posting, logs release, and answers a repeat the same", async () => {
    const order = await awaitingShipment({ stock: 5, quantity: 2 });
    const shipped = await ship(order.seller.token, order.orderId, {
      carrier: "sf-express",
      trackingNumber: trackingNumber(),
    });
    expect(shipped.status, JSON.stringify(shipped.body)).toBe(200);
    const { itemId, refundId } = await failedRefund(order);
    expect((await orderRefundState(order.orderId)).items[0]?.heldQuantity).toBe(1);

    const other = await newSeller();
    expect((await post(other.token, `/admin/v1/refunds/${refundId}/release`)).status).toBe(404);

    const releases = await Promise.all(
      [1, 2].map(() => post(order.seller.token, `/admin/v1/refunds/${refundId}/release`, { note: "请重新申请" })),
    );
    expect(
      releases.map((r) => r.status),
      JSON.stringify(releases.map((r) => r.body)),
    ).toEqual([200, 200]);
    for (const r of releases) expect(r.body).toMatchObject({ refundId, status: "REJECTED", note: "请重新申请" });
    const again = await post(await operatorToken(), `/admin/v1/refunds/${refundId}/release`);
    expect(again.status, JSON.stringify(again.body)).toBe(200);
    expect(again.body.status).toBe("REJECTED");

    const state = await orderRefundState(order.orderId);
    expect(state.items[0]).toMatchObject({ heldQuantity: 0, heldAmount: 0 });
    expect(state.paymentStatus).toBe("PAID");
    expect((await ledgerOf(refundId)).map((t) => [t.kind, t.sum])).toEqual([
      ["refund_owed", 0],
      ["refund_released", 0],
    ]);
    const released = await countOnShards(
      "select count(*) as n from order_status_log where entity_type = 'refund' and entity_id = ? and event = 'release' and to_status = 'REJECTED'",
      refundId,
    );
    expect(released).toBe(1);
    expect(await transitionsOf(order.orderId)).toMatchObject({ "refund_status:REJECTED": 1 });

    // News of the failed attempt arriving late: a failure changes nothing, a success is parked.
    const [providerRefund] = await rowsOnShards<{ id: string }>(
      "select provider_refund_id as id from refunds where id = ?",
      refundId,
    );
    const providerRefundId = providerRefund?.id;
    expect(providerRefundId).toMatch(/^re_/);
    expect(await replayRefundUpdate(providerRefundId ?? "", "failed")).toMatchObject({ status: "applied" });
    expect(await replayRefundUpdate(providerRefundId ?? "", "succeeded")).toMatchObject({ status: "parked" });
    expect(await refundStatusOf(refundId)).toBe("REJECTED");

    // The unit may be asked for again, and this time the money goes out.
    const asked = await post(order.shopper.token, `/v1/orders/${order.orderId}/refunds`, {
      items: [{ orderItemId: itemId, quantity: 1 }],
      reason: "仍然要退",
      returnGoods: false,
    });
    expect(asked.status, JSON.stringify(asked.body)).toBe(201);
    const approved = await post(order.seller.token, `/admin/v1/refunds/${asked.body.refundId}/approve`);
    expect(approved.status, JSON.stringify(approved.body)).toBe(200);
    await refunded(asked.body.refundId);
    expect((await orderRefundState(order.orderId)).paymentStatus).toBe("PARTIALLY_REFUNDED");
    expect(await refundStatusOf(refundId)).toBe("REJECTED");
  });

  it("refuses a refund that put unshipped units back on sale, and any refund that has not failed", async () => {
    const order = await awaitingShipment({ stock: 5, quantity: 2 });
    const { refundId } = await failedRefund(order);
    const token = await operatorToken();
    const refused = await post(token, `/admin/v1/refunds/${refundId}/release`);
    expect(refused.status, JSON.stringify(refused.body)).toBe(409);
    expect(refused.body.code).toBe("invalid_transition");
    expect(await refundStatusOf(refundId)).toBe("FAILED");

    const retried = await post(token, `/admin/v1/refunds/${refundId}/retry`);
    expect(retried.status, JSON.stringify(retried.body)).toBe(200);
    await refunded(refundId);
    const late = await post(order.seller.token, `/admin/v1/refunds/${refundId}/release`);
    expect(late.status).toBe(409);
    expect(late.body.code).toBe("invalid_transition");
  });
});
