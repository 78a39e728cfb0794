/**
 * Paying orders that live on the second order shard (issue #20): the payment, its pay order's
 * PAID and an automatic refund are written to the shard the pay order's number names, the ledger
 * to the commerce database, once each, whatever the redeliveries, their order, or a consumer
 * stopped between the ledger's posting and the shard's batch.
 */
import { env } from "cloudflare:test";
import { eq } from "drizzle-orm";
import { afterEach, beforeAll, describe, expect, it } from "vitest";
import { orderSlotFences } from "../../db/schema";
import { inventoryOf } from "../../shared/inventory/binding";
import { orderStoreOf, slotOfNumber } from "../../shared/orders/order-store";
import { applyProviderEvent } from "../../shared/payments/apply-provider-event";
import { systemClock } from "../../shared/platform/clock";
import { dbOf } from "../../shared/platform/db";
import { createLogger } from "../../shared/platform/logger";
import { DEMO, tokenFor } from "../helpers/callers";
import { call, json } from "../helpers/http";
import { stockOf } from "../helpers/orders";
import {
  eventually,
  inboxStatus,
  ledgerOf,
  pay,
  paymentStatusIs,
  payOrderOf,
  settle,
  storedSuccess,
  transitionsOf,
  unpaidOrder,
} from "../helpers/payments";
import { act, calm, sandbox } from "../helpers/sandbox";
import { shardsHolding, shopperOnShard, splitSlotsOverTwoShards } from "../helpers/shards";

beforeAll(splitSlotsOverTwoShards);

afterEach(async () => {
  await calm();
  await settle();
});

const log = createLogger({ test: "payments-two-shards" });

/** A shopper on shard 1 with a CREATED order of `quantity` units of a fresh SKU. */
async function unpaidOnShard1(options: { stock: number; quantity: number }) {
  const order = await unpaidOrder({ ...options, shopper: await shopperOnShard(1) });
  expect((slotOfNumber(order.payOrderId) ?? 0) % 2).toBe(1);
  return { ...order, orderId: order.orderIds[0] ?? "" };
}

describe("paying an order on the second shard", () => {
  it("pays it there: the payment only on shard 1, the pay order and order PAID, stock sold, one capture in the commerce ledger", async () => {
    const order = await unpaidOnShard1({ stock: 5, quantity: 2 });
    const started = await pay(order.shopper, order.payOrderId);
    expect(started.status, JSON.stringify(started.body)).toBe(201);
    expect(await shardsHolding("payments", started.body.paymentId)).toEqual([1]);
    expect((await payOrderOf(order.shopper, order.payOrderId)).body.paymentStatus).toBe("PENDING");

    await act(started.body.paymentId, "succeed");
    await settle();
    const paid = await eventually(
      () => payOrderOf(order.shopper, order.payOrderId),
      paymentStatusIs("PAID"),
      "pay order",
    );
    expect(paid.body.orders).toEqual([{ orderId: order.orderId, status: "PAID", paymentStatus: "PAID" }]);
    expect(paid.body.payments).toMatchObject([{ paymentId: started.body.paymentId, status: "SUCCEEDED" }]);
    expect(await shardsHolding("payments", started.body.paymentId)).toEqual([1]);
    expect((await stockOf(order.seller, order.skuId)).body).toMatchObject({ available: 3, reserved: 0, sold: 2 });
    expect(await ledgerOf(order.payOrderId)).toEqual([
      { kind: "payment_captured", key: `payment:${started.body.paymentId}:captured`, sum: 0, entries: 2 },
    ]);
    expect(await transitionsOf(order.orderId, env.ORDERS_1)).toMatchObject({
      "status:PAID": 1,
      "payment_status:PAID": 1,
    });
    // The operators' list of payments finds it on its shard.
    const operator = await tokenFor(DEMO.operator);
    const listed = await json<{ items: { paymentId: string; status: string }[] }>(
      await call("GET", `/admin/v1/payments?payOrderId=${order.payOrderId}`, { token: operator }),
    );
    expect(listed.body.items).toMatchObject([{ paymentId: started.body.paymentId, status: "SUCCEEDED" }]);
    const all = await json<{ items: { paymentId: string }[] }>(
      await call("GET", "/admin/v1/payments?limit=100", { token: operator }),
    );
    expect(all.body.items.filter((p) => p.paymentId === started.body.paymentId)).toHaveLength(1);
    // Reconciliation finds it on its shard: the provider's success matches our payment and capture.
    const run = await json<{ runId: string }>(
      await call("POST", "/admin/v1/reconciliation/runs", { token: operator, body: { settleSeconds: 0 } }),
    );
    expect(run.status, JSON.stringify(run.body)).toBe(202);
    await eventually(
      async () =>
        json<{ status: string }>(
          await call("GET", `/admin/v1/reconciliation/runs/${run.body.runId}`, { token: operator }),
        ),
      (r) => r.body.status === "completed",
      "reconciliation run",
    );
    const found = await json<{ items: { ref: string; resolvedAt: string | null }[] }>(
      await call("GET", "/admin/v1/reconciliation/discrepancies?limit=100", { token: operator }),
    );
    expect(found.body.items.filter((d) => d.ref === started.body.paymentId && d.resolvedAt === null)).toEqual([]);
  });

  it("applies the same success 5 times, shuffled with a failure: one PAID, one capture, stock moved once", async () => {
    const order = await unpaidOnShard1({ stock: 4, quantity: 1 });
    const started = await pay(order.shopper, order.payOrderId);
    expect(started.status, JSON.stringify(started.body)).toBe(201);
    expect((await sandbox("POST", "/chaos", { duplicates: 4, delayMs: 0, shuffle: true })).status).toBe(200);
    await act(started.body.paymentId, "fail");
    await act(started.body.paymentId, "succeed");
    await settle();
    await eventually(() => payOrderOf(order.shopper, order.payOrderId), paymentStatusIs("PAID"), "pay order");
    expect((await transitionsOf(order.orderId, env.ORDERS_1))["status:PAID"]).toBe(1);
    expect((await transitionsOf(order.payOrderId, env.ORDERS_1))["payment_status:PAID"]).toBe(1);
    expect((await ledgerOf(order.payOrderId)).map((t) => t.kind)).toEqual(["payment_captured"]);
    expect((await stockOf(order.seller, order.skuId)).body).toMatchObject({ available: 3, reserved: 0, sold: 1 });
  });

  it("refunds a success that lands after the order was cancelled: the refund on shard 1, its owed money posted once", async () => {
    const order = await unpaidOnShard1({ stock: 3, quantity: 1 });
    const started = await pay(order.shopper, order.payOrderId);
    expect(started.status, JSON.stringify(started.body)).toBe(201);
    // Its webhook is slow to arrive, and arrives twice.
    expect((await sandbox("POST", "/chaos", { duplicates: 1, delayMs: 60_000, shuffle: false })).status).toBe(200);
    await act(started.body.paymentId, "succeed");
    const cancel = await json<{ status: string }>(
      await call("POST", `/v1/orders/${order.orderId}/cancel`, { token: order.shopper.token }),
    );
    expect(cancel.body.status).toBe("CANCELLED");
    await calm();
    await settle();
    const refunds = await eventually(
      async () =>
        (
          await env.ORDERS_1.prepare("select id, reason, amount from refunds where payment_id = ?")
            .bind(started.body.paymentId)
            .all<{ id: string; reason: string; amount: number }>()
        ).results,
      (rows) => rows.length === 1,
      "refund",
    );
    expect(refunds).toMatchObject([{ reason: "paid_after_cancel", amount: order.payable }]);
    const refundId = refunds[0]?.id ?? "";
    expect(await shardsHolding("refunds", refundId)).toEqual([1]);
    expect((await ledgerOf(order.payOrderId)).map((t) => t.kind)).toEqual(["payment_captured"]);
    expect((await ledgerOf(refundId)).filter((t) => t.kind === "refund_owed")).toEqual([
      {
        kind: "refund_owed",
        key: `payment:${started.body.paymentId}:${order.orderId}:refund_owed`,
        sum: 0,
        entries: 2,
      },
    ]);
    const view = await payOrderOf(order.shopper, order.payOrderId);
    expect(view.body.orders).toMatchObject([{ orderId: order.orderId, status: "CANCELLED" }]);
    expect((await stockOf(order.seller, order.skuId)).body).toMatchObject({ available: 3, reserved: 0, sold: 0 });
  });
});

describe("a success applied across the ledger and a shard", () => {
  it("posted to the ledger but refused by the shard (its slot fenced): the redeliveries pay once and post nothing twice", async () => {
    const order = await unpaidOnShard1({ stock: 5, quantity: 1 });
    const started = await pay(order.shopper, order.payOrderId);
    expect(started.status, JSON.stringify(started.body)).toBe(201);
    const ref = await storedSuccess(started.body.paymentId, order.payOrderId, order.payable);
    const deps = {
      db: dbOf(env.DB),
      orders: orderStoreOf(env, systemClock),
      clock: systemClock,
      log,
      producers: env,
      inventory: inventoryOf(env),
    };
    const slot = slotOfNumber(order.payOrderId) ?? -1;
    const shard1 = dbOf(env.ORDERS_1);
    await shard1.insert(orderSlotFences).values({ slot, state: "moving", toShard: 2, since: Date.now() });
    try {
      await expect(applyProviderEvent(deps, ref)).rejects.toMatchObject({ code: "order_slot_moving" });
    } finally {
      await shard1.delete(orderSlotFences).where(eq(orderSlotFences.slot, slot));
    }
    // The ledger leads the order by this one delivery; the event is not done.
    expect((await ledgerOf(order.payOrderId)).map((t) => t.kind)).toEqual(["payment_captured"]);
    expect((await payOrderOf(order.shopper, order.payOrderId)).body.paymentStatus).toBe("PENDING");
    expect(await inboxStatus(ref.providerEventId)).toBe("received");

    // Redelivered, three times at once: a loser of the race is told to retry, never applies twice.
    const outcomes = await Promise.allSettled([1, 2, 3].map(() => applyProviderEvent(deps, ref)));
    for (const o of outcomes) {
      if (o.status === "rejected") expect(o.reason).toMatchObject({ code: "version_conflict", retryable: true });
    }
    await applyProviderEvent(deps, ref);
    expect(await inboxStatus(ref.providerEventId)).toBe("applied");
    expect((await payOrderOf(order.shopper, order.payOrderId)).body.paymentStatus).toBe("PAID");
    expect((await ledgerOf(order.payOrderId)).map((t) => t.kind)).toEqual(["payment_captured"]);
    expect((await transitionsOf(order.orderId, env.ORDERS_1))["status:PAID"]).toBe(1);
    expect((await stockOf(order.seller, order.skuId)).body).toMatchObject({ available: 4, reserved: 0, sold: 1 });
  });
});
