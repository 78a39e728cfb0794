/** Refunds in tests: a paid order, the refund deps over the test env, and reading refunds back. */
import { env } from "cloudflare:test";
import { expect } from "vitest";
import { orderStoreOf } from "../../shared/orders/order-store";
import { signPayload } from "../../shared/payments/signature";
import { systemClock } from "../../shared/platform/clock";
import { dbOf } from "../../shared/platform/db";
import { newId } from "../../shared/platform/ids";
import { createLogger } from "../../shared/platform/logger";
import type { RefundDeps } from "../../shared/refunds/place-refund";
import type { RefundView } from "../../shared/refunds/refunds-read";
import { call, json } from "./http";
import { orderD1 } from "./order-d1";
import { eventually, pay, payOrderOf, settle, type UnpaidOrder, unpaidOrder } from "./payments";
import { act, deliveriesOf, eventBody, SANDBOX_WEBHOOK_SECRET } from "./sandbox";

/** A fresh shopper's order of `quantity` units, paid through the sandbox provider (PAID). */
export async function paidOrder(
  options: Parameters<typeof unpaidOrder>[0] = {},
): Promise<UnpaidOrder & { orderId: string }> {
  const order = await unpaidOrder(options);
  const orderId = order.orderIds[0] ?? "";
  const started = await pay(order.shopper, order.payOrderId);
  expect(started.status, JSON.stringify(started.body)).toBe(201);
  await act(started.body.paymentId, "succeed");
  await settle();
  await eventually(
    () => payOrderOf(order.shopper, order.payOrderId),
    (v) => v.body.paymentStatus === "PAID",
    "paid",
  );
  return { ...order, orderId };
}

/** The refunds domain's deps over the test env. */
export function refundDeps(): RefundDeps {
  return {
    db: dbOf(env.DB),
    orders: orderStoreOf(env, systemClock),
    clock: systemClock,
    producers: env,
    log: createLogger({ test: "refunds" }),
  };
}

/** GET /v1/refunds/:id as `token`. */
export async function refundOf(token: string, refundId: string) {
  return json<RefundView & { code?: string }>(await call("GET", `/v1/refunds/${refundId}`, { token }));
}

/** The refund's status straight from D1 (what the consumers left it at), on whichever order shard holds it. */
export async function refundStatusOf(refundId: string): Promise<string | undefined> {
  for (const shard of [env.ORDERS_0, env.ORDERS_1]) {
    const row = await shard
      .prepare("select status from refunds where id = ?")
      .bind(refundId)
      .first<{ status: string }>();
    if (row) return row.status;
  }
  return undefined;
}

/** Waits until the refund is REFUNDED (the payout went through the provider and its webhook came back). */
export async function refunded(refundId: string): Promise<void> {
  await settle();
  await eventually(
    () => refundStatusOf(refundId),
    (s) => s === "REFUNDED",
    `refund ${refundId}`,
  );
}

/** The order's payment status and its items' refund holds, straight from its shard. */
export async function orderRefundState(orderId: string) {
  const d1 = await orderD1(orderId);
  const order = await d1
    .prepare("select payment_status as paymentStatus, status from orders where id = ?")
    .bind(orderId)
    .first<{ paymentStatus: string; status: string }>();
  const items = await d1
    .prepare(
      "select id, quantity, paid_amount as paidAmount, refund_held_quantity as heldQuantity, refund_held_amount as heldAmount from order_items where order_id = ? order by id",
    )
    .bind(orderId)
    .all<{ id: string; quantity: number; paidAmount: number; heldQuantity: number; heldAmount: number }>();
  return { ...order, items: items.results };
}

/**
 * The provider's refund.updated for `providerRefundId` sent again as a new event with `status` (late or
 * contrary news of a payout attempt); its inbox row once the consumer has handled it.
 */
export async function replayRefundUpdate(providerRefundId: string, status: "failed" | "succeeded") {
  const [first] = await deliveriesOf(providerRefundId, "refund.updated");
  if (!first) throw new Error(`no refund.updated for ${providerRefundId}`);
  const event = JSON.parse(await eventBody(first.eventId)) as { id: string; data: { object: { status: string } } };
  event.id = `evt_replay_${newId("event").slice(4)}`;
  event.data.object.status = status;
  const body = JSON.stringify(event);
  const res = await call("POST", "/webhooks/payments/sandbox", {
    rawBody: body,
    headers: { "stripe-signature": await signPayload(body, SANDBOX_WEBHOOK_SECRET, Date.now()) },
  });
  expect(res.status).toBe(200);
  return eventually(
    () =>
      env.DB.prepare("select status, note from payment_provider_events where event_id = ?")
        .bind(event.id)
        .first<{ status: string; note: string | null }>(),
    (row) => row !== null && row.status !== "received",
    `replayed ${event.id}`,
  );
}
