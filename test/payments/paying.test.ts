/**
 * Paying a pay order end to end: the storefront's pay call, the sandbox provider's hosted page,
 * its signed webhooks over HTTP into the webhook Worker, the payment-events consumer applying
 * them (issue #13). Every check reads the platform's own answers and tables.
 */
import { env } from "cloudflare:test";
import { afterEach, describe, expect, it } from "vitest";
import { orderPaidEventId } from "../../shared/orders/payment-status";
import { call, json } from "../helpers/http";
import { rowsOnShards } from "../helpers/order-d1";
import { newShopper, stockOf } from "../helpers/orders";
import {
  eventually,
  ledgerOf,
  pay,
  paymentStatusIs,
  payOrderOf,
  settle,
  transitionsOf,
  unpaidOrder,
} from "../helpers/payments";
import { act, calm, sandbox } from "../helpers/sandbox";

afterEach(async () => {
  await calm();
  await settle();
});

async function fulfillmentSaw(orderId: string): Promise<number> {
  const row = await env.DB.prepare(
    "select count(*) as n from processed_events where consumer = 'fulfillment-events' and event_id = ?",
  )
    .bind(orderPaidEventId(orderId))
    .first<{ n: number }>();
  return row?.n ?? 0;
}

/** An order whose first payment was declined (the pay order FAILED) and a second payment started. */
async function declinedThenRetried() {
  const order = await unpaidOrder();
  const first = await pay(order.shopper, order.payOrderId);
  await act(first.body.paymentId, "fail");
  await settle();
  await eventually(() => payOrderOf(order.shopper, order.payOrderId), paymentStatusIs("FAILED"), "pay order");
  const second = await pay(order.shopper, order.payOrderId);
  expect(second.status, JSON.stringify(second.body)).toBe(201);
  return { order, first, second };
}

describe("paying through the sandbox provider", () => {
  it("answers the provider's page; a success makes the pay order and its order PAID, stock sold, one ledger capture, one order.paid", async () => {
    const order = await unpaidOrder({ stock: 5, quantity: 2 });
    const started = await pay(order.shopper, order.payOrderId);
    expect(started.status, JSON.stringify(started.body)).toBe(201);
    expect(started.body).toMatchObject({
      payOrderId: order.payOrderId,
      provider: "sandbox",
      status: "PENDING",
      amount: { amount: order.payable, currency: "CNY" },
    });
    const page = await call("GET", new URL(started.body.redirectUrl).pathname);
    expect(page.status).toBe(200);
    expect(page.headers.get("content-type")).toContain("text/html");
    expect(await page.text()).toContain(order.payOrderId);
    expect((await payOrderOf(order.shopper, order.payOrderId)).body.paymentStatus).toBe("PENDING");

    await act(started.body.paymentId, "succeed");
    await settle();
    const paid = await eventually(
      () => payOrderOf(order.shopper, order.payOrderId),
      paymentStatusIs("PAID"),
      "pay order",
    );
    expect(paid.body.orders).toEqual([{ orderId: order.orderIds[0], status: "PAID", paymentStatus: "PAID" }]);
    expect(paid.body.payments).toMatchObject([{ paymentId: started.body.paymentId, status: "SUCCEEDED" }]);
    const stock = await stockOf(order.seller, order.skuId);
    expect(stock.body).toMatchObject({ available: 3, reserved: 0, sold: 2 });
    expect(await ledgerOf(order.payOrderId)).toEqual([
      { kind: "payment_captured", key: `payment:${started.body.paymentId}:captured`, sum: 0, entries: 2 },
    ]);
    const orderId = order.orderIds[0] ?? "";
    await eventually(
      () => fulfillmentSaw(orderId),
      (n) => n === 1,
      "order.paid consumed",
    );
    expect(await transitionsOf(orderId)).toMatchObject({ "status:PAID": 1, "payment_status:PAID": 1 });
  });

  it("applies the same success 5 times, shuffled with a failure, under chaos once: one PAID, one capture, stock moved once", async () => {
    const order = await unpaidOrder({ stock: 4, quantity: 1 });
    const started = await pay(order.shopper, order.payOrderId);
    expect(started.status, JSON.stringify(started.body)).toBe(201);
    expect((await sandbox("POST", "/chaos", { duplicates: 4, delayMs: 0, shuffle: true })).status).toBe(200);
    // The card is declined, then retried on the same page and accepted: the provider sends a
    // failure and a success, each five times, in random order.
    await act(started.body.paymentId, "fail");
    await act(started.body.paymentId, "succeed");
    await settle();
    const paid = await eventually(
      () => payOrderOf(order.shopper, order.payOrderId),
      paymentStatusIs("PAID"),
      "pay order",
    );
    expect(paid.body.orders[0]).toMatchObject({ status: "PAID", paymentStatus: "PAID" });
    const orderId = order.orderIds[0] ?? "";
    expect((await transitionsOf(orderId))["status:PAID"]).toBe(1);
    expect((await transitionsOf(order.payOrderId))["payment_status:PAID"]).toBe(1);
    expect((await ledgerOf(order.payOrderId)).map((t) => t.kind)).toEqual(["payment_captured"]);
    expect((await stockOf(order.seller, order.skuId)).body).toMatchObject({ available: 3, reserved: 0, sold: 1 });
    await eventually(
      () => fulfillmentSaw(orderId),
      (n) => n === 1,
      "order.paid consumed",
    );
  });

  it("frees the pay order after a declined payment for another try, which pays it", async () => {
    const { order, first, second } = await declinedThenRetried();
    expect(second.body.paymentId).not.toBe(first.body.paymentId);
    await act(second.body.paymentId, "succeed");
    await settle();
    const paid = await eventually(
      () => payOrderOf(order.shopper, order.payOrderId),
      paymentStatusIs("PAID"),
      "pay order",
    );
    expect(paid.body.payments.map((p) => p.status)).toEqual(["SUCCEEDED", "FAILED"]);
  });

  it("a first attempt that succeeds after all, while a second is open, pays once; the second is cancelled at the provider", async () => {
    const { order, first, second } = await declinedThenRetried();
    // The card retried on the first page goes through after all.
    await act(first.body.paymentId, "succeed");
    await settle();
    // The cancel is asked of the provider while the success is applied; its event comes after.
    const view = await eventually(
      async () => {
        await settle();
        return payOrderOf(order.shopper, order.payOrderId);
      },
      (v) => v.body.paymentStatus === "PAID" && v.body.payments.every((p) => p.status !== "PENDING"),
      "pay order",
    );
    expect(Object.fromEntries(view.body.payments.map((p) => [p.paymentId, p.status]))).toEqual({
      [first.body.paymentId]: "SUCCEEDED",
      [second.body.paymentId]: "CANCELED",
    });
    expect((await ledgerOf(order.payOrderId)).map((t) => t.kind)).toEqual(["payment_captured"]);
  });

  it("keeps one live payment per pay order: of 10 pay calls at once one starts, the rest are payment_in_progress", async () => {
    const order = await unpaidOrder();
    const answers = await Promise.all(Array.from({ length: 10 }, () => pay(order.shopper, order.payOrderId)));
    const statuses = answers.map((a) => a.status).sort();
    expect(statuses, JSON.stringify(answers.map((a) => a.body))).toEqual([201, ...Array(9).fill(409)]);
    for (const a of answers.filter((x) => x.status === 409)) expect(a.body.code).toBe("payment_in_progress");
    const view = await payOrderOf(order.shopper, order.payOrderId);
    expect(view.body.payments).toHaveLength(1);
  });

  it("answers a retried pay call with the same Idempotency-Key with the same payment", async () => {
    const order = await unpaidOrder();
    const key = crypto.randomUUID();
    const [a, b] = await Promise.all([
      pay(order.shopper, order.payOrderId, { idempotencyKey: key }),
      pay(order.shopper, order.payOrderId, { idempotencyKey: key }),
    ]);
    const again = await pay(order.shopper, order.payOrderId, { idempotencyKey: key });
    const created = [a, b].find((r) => r.status === 201);
    expect(created, JSON.stringify([a.body, b.body])).toBeDefined();
    expect(again.status).toBe(201);
    expect(again.body.paymentId).toBe(created?.body.paymentId);
  });

  it("refuses to pay what is paid, cancelled, someone else's or through a provider not configured", async () => {
    const order = await unpaidOrder();
    const stranger = await newShopper();
    expect((await pay(stranger, order.payOrderId)).body).toMatchObject({ status: 404, code: "not_found" });
    expect((await pay(order.shopper, order.payOrderId, { method: "stripe" })).body).toMatchObject({
      status: 422,
      errors: [{ field: "method" }],
    });
    expect((await pay(order.shopper, order.payOrderId, { method: "cash" })).body).toMatchObject({ status: 400 });
    const started = await pay(order.shopper, order.payOrderId);
    await act(started.body.paymentId, "succeed");
    await settle();
    await eventually(() => payOrderOf(order.shopper, order.payOrderId), paymentStatusIs("PAID"), "pay order");
    expect((await pay(order.shopper, order.payOrderId)).body).toMatchObject({ status: 409, code: "already_paid" });

    const cancelled = await unpaidOrder();
    const cancel = await call("POST", `/v1/orders/${cancelled.orderIds[0]}/cancel`, { token: cancelled.shopper.token });
    expect(cancel.status).toBe(200);
    expect((await pay(cancelled.shopper, cancelled.payOrderId)).body).toMatchObject({
      status: 409,
      code: "invalid_transition",
    });
  });

  it("a shopper cannot read another's pay order", async () => {
    const order = await unpaidOrder();
    const stranger = await newShopper();
    expect((await payOrderOf(stranger, order.payOrderId)).status).toBe(404);
    const mine = await payOrderOf(order.shopper, order.payOrderId);
    expect(mine.body).toMatchObject({ paymentStatus: "UNPAID", payable: { amount: order.payable }, payments: [] });
  });
});

describe("a success that lands after the pay order closed", () => {
  it("is refunded automatically (paid_after_cancel); the order stays CANCELLED and its payment status ends REFUNDED", async () => {
    const order = await unpaidOrder({ stock: 3, quantity: 1 });
    const started = await pay(order.shopper, order.payOrderId);
    // The shopper pays on the provider's page; its webhook is slow to arrive.
    expect((await sandbox("POST", "/chaos", { duplicates: 1, delayMs: 60_000, shuffle: false })).status).toBe(200);
    await act(started.body.paymentId, "succeed");
    const cancel = await json<{ status: string }>(
      await call("POST", `/v1/orders/${order.orderIds[0]}/cancel`, { token: order.shopper.token }),
    );
    expect(cancel.body.status).toBe("CANCELLED");
    await calm();
    await settle();
    const orderId = order.orderIds[0] ?? "";
    const refunds = await eventually(
      () =>
        rowsOnShards<{ reason: string; status: string; amount: number }>(
          "select reason, status, amount from refunds where payment_id = ?",
          started.body.paymentId,
        ),
      (rows) => rows.length === 1 && rows[0]?.status === "REFUNDED",
      "refund",
    );
    expect(refunds).toEqual([{ reason: "paid_after_cancel", status: "REFUNDED", amount: order.payable }]);
    const view = await eventually(
      () => payOrderOf(order.shopper, order.payOrderId),
      paymentStatusIs("REFUNDED"),
      "pay order",
    );
    expect(view.body.orders).toEqual([{ orderId, status: "CANCELLED", paymentStatus: "REFUNDED" }]);
    // The stock went back on sale with the cancel and was never sold.
    expect((await stockOf(order.seller, order.skuId)).body).toMatchObject({ available: 3, reserved: 0, sold: 0 });
    // The money came in and went out again: escrow nets to zero for this pay order.
    const [refundRow] = await rowsOnShards<{ id: string }>(
      "select id from refunds where payment_id = ?",
      started.body.paymentId,
    );
    expect((await ledgerOf(order.payOrderId)).map((t) => t.kind)).toEqual(["payment_captured"]);
    expect((await ledgerOf(refundRow?.id ?? "")).map((t) => t.kind)).toEqual(["refund_owed", "refund_paid"]);
  });
});
