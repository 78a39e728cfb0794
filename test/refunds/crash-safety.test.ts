/**
 * Refunds where a step dies halfway (issue #14): a request whose answer is lost after it
 * committed (its retry, same idempotency identity, answers the same refund and holds nothing more),
 * receiving returned goods when the batch that
 * moves the refund is lost after the stock came back (the seller's retry returns nothing twice),
 * and a decided refund whose payout message could not be queued (the outbox row committed with
 * it; the events cron sends it and the refund still reaches REFUNDED).
 */
import { env } from "cloudflare:test";
import { afterEach, describe, expect, it } from "vitest";
import { drainOutbox } from "../../shared/events/outbox";
import { inventoryOf } from "../../shared/inventory/binding";
import { dbOf } from "../../shared/platform/db";
import { receiveRefund } from "../../shared/refunds/decide-refund";
import { refundDirectly, requestRefund } from "../../shared/refunds/place-refund";
import { faultyD1, firstBatchesWriting } from "../helpers/faulty-d1";
import { call, json } from "../helpers/http";
import { orderD1 } from "../helpers/order-d1";
import { ordersThrough, stockOf } from "../helpers/orders";
import { ledgerOf, settle } from "../helpers/payments";
import { orderRefundState, paidOrder, refundDeps, refunded, refundStatusOf } from "../helpers/refunds";
import { calm } from "../helpers/sandbox";

afterEach(async () => {
  await calm();
  await settle();
});

const post = (token: string, path: string, body: object) =>
  call("POST", path, { token, body, headers: { "idempotency-key": crypto.randomUUID() } }).then(
    json<{ refundId: string; status: string }>,
  );

describe("a refund step dying halfway", () => {
  it("receives returned goods once when the refund's batch is lost after the stock came back, and the retry finishes it", async () => {
    const order = await paidOrder({ stock: 4, quantity: 2 });
    const itemId = (await orderRefundState(order.orderId)).items[0]?.id ?? "";
    const asked = await post(order.shopper.token, `/v1/orders/${order.orderId}/refunds`, {
      items: [{ orderItemId: itemId, quantity: 1 }],
      reason: "坏了",
      returnGoods: true,
    });
    expect((await post(order.seller.token, `/admin/v1/refunds/${asked.body.refundId}/approve`, {})).body.status).toBe(
      "AWAITING_RETURN",
    );
    const lost = {
      ...refundDeps(),
      orders: ordersThrough((d1) => faultyD1(d1, { failBatch: firstBatchesWriting("order_status_log") })),
      inventory: inventoryOf(env),
    };
    const input = {
      refundId: asked.body.refundId,
      scope: { all: true } as const,
      actor: { type: "user" as const, id: order.seller.id },
      condition: "sellable" as const,
    };
    await expect(receiveRefund(lost, input)).rejects.toThrow(/injected/);
    // The unit is back on sale already; the refund still waits, and no money moved.
    expect((await stockOf(order.seller, order.skuId)).body).toMatchObject({ available: 3, sold: 1 });
    expect(await refundStatusOf(asked.body.refundId)).toBe("AWAITING_RETURN");
    expect(await ledgerOf(asked.body.refundId)).toEqual([]);

    const retried = await post(order.seller.token, `/admin/v1/refunds/${asked.body.refundId}/receive`, {
      condition: "sellable",
    });
    expect(retried.status, JSON.stringify(retried.body)).toBe(200);
    expect(retried.body.status).toBe("PROCESSING");
    expect((await stockOf(order.seller, order.skuId)).body).toMatchObject({ available: 3, sold: 1 });
    const movements = await json<{ items: { kind: string }[] }>(
      await call("GET", `/admin/v1/skus/${order.skuId}/stock/movements`, { token: order.seller.token }),
    );
    expect(movements.body.items.filter((m) => m.kind === "return")).toHaveLength(1);
    await refunded(asked.body.refundId);
  });

  it("answers a retried request whose first answer was lost after it committed with the same refund", async () => {
    const order = await paidOrder({ stock: 4, quantity: 3 });
    const itemId = (await orderRefundState(order.orderId)).items[0]?.id ?? "";
    const input = {
      orderId: order.orderId,
      userId: order.shopper.id,
      actor: { type: "user" as const, id: order.shopper.id },
      body: { items: [{ orderItemId: itemId, quantity: 1 }], reason: "不想要了", returnGoods: false },
      requestKey: `idem_${crypto.randomUUID()}`,
    };
    const lostAnswer = {
      ...refundDeps(),
      orders: ordersThrough((d1) => faultyD1(d1, { loseBatchAnswer: firstBatchesWriting("refunds") })),
    };
    await expect(requestRefund(lostAnswer, input)).rejects.toThrow(/injected/);
    const [retried, again] = await Promise.all([
      requestRefund(refundDeps(), input),
      requestRefund(refundDeps(), input),
    ]);
    expect(again.refundId).toBe(retried.refundId);
    const rows = await (await orderD1(order.orderId))
      .prepare("select id from refunds where order_id = ?")
      .bind(order.orderId)
      .all<{ id: string }>();
    expect(rows.results).toEqual([{ id: retried.refundId }]);
    expect((await orderRefundState(order.orderId)).items[0]).toMatchObject({ heldQuantity: 1 });
  });

  it("pays a decided refund out from the outbox when its message could not be queued", async () => {
    const order = await paidOrder({ stock: 4, quantity: 1 });
    const itemId = (await orderRefundState(order.orderId)).items[0]?.id ?? "";
    const queueDown = {
      ...refundDeps(),
      producers: {
        REFUND_EVENTS: {
          send: async () => {
            throw new Error("queue unavailable (injected)");
          },
          sendBatch: async () => {
            throw new Error("queue unavailable (injected)");
          },
        } as unknown as Queue,
      },
    };
    const refund = await refundDirectly(queueDown, {
      orderId: order.orderId,
      scope: { all: true },
      actor: { type: "user", id: order.seller.id },
      body: { items: [{ orderItemId: itemId, quantity: 1 }], reason: "缺货" },
    });
    expect(refund.status).toBe("PROCESSING");
    expect((await ledgerOf(refund.refundId)).map((t) => t.kind)).toEqual(["refund_owed"]);
    await settle();
    expect(await refundStatusOf(refund.refundId)).toBe("PROCESSING");
    // The events cron's outbox pass sends it (the row is past its grace period by then).
    const shard = dbOf(await orderD1(order.orderId));
    expect(await drainOutbox(shard, env, Date.now() + 60_000, { deadLetters: dbOf(env.DB) })).toBeGreaterThanOrEqual(1);
    await refunded(refund.refundId);
    expect((await orderRefundState(order.orderId)).paymentStatus).toBe("REFUNDED");
  });
});
