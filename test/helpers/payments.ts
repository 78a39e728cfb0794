/** Paying in tests: an unpaid order, the pay call, and waiting for the provider's events to be applied. */
import { env } from "cloudflare:test";
import { expect } from "vitest";
import { slotOfNumber } from "../../shared/orders/order-store";
import { newId } from "../../shared/platform/ids";
import type { Seller } from "./catalog";
import { call, json } from "./http";
import { orderD1, tallyOnShards } from "./order-d1";
import { newShopper, placeOrder, type Shopper, skuOnSale } from "./orders";
import { drain } from "./sandbox";

export interface UnpaidOrder {
  shopper: Shopper;
  seller: Seller;
  skuId: string;
  payOrderId: string;
  orderIds: string[];
  payable: number;
}

/**
 * A fresh shopper (or `shopper`) with a CREATED order of `quantity` units of a fresh SKU (`stock` units on sale at
 * `price` yuan), with `voucherCode` applied at checkout when given.
 */
export async function unpaidOrder(
  options: {
    stock?: number;
    quantity?: number;
    seller?: Seller;
    price?: number;
    voucherCode?: string;
    /** The buyer (default: a fresh shopper). */
    shopper?: Shopper;
  } = {},
): Promise<UnpaidOrder> {
  const shopper = options.shopper ?? (await newShopper());
  const { seller, skuId } = await skuOnSale(options.seller, {
    stock: options.stock ?? 10,
    ...(options.price === undefined ? {} : { price: options.price }),
  });
  const placed = await placeOrder(shopper, {
    items: [{ skuId, quantity: options.quantity ?? 1 }],
    addressId: shopper.addressId,
    ...(options.voucherCode ? { voucherCode: options.voucherCode } : {}),
  });
  expect(placed.status, JSON.stringify(placed.body)).toBe(201);
  return {
    shopper,
    seller,
    skuId,
    payOrderId: placed.body.payOrderId,
    orderIds: placed.body.orders.map((o) => o.orderId),
    payable: placed.body.payable.amount,
  };
}

export interface PaymentStarted {
  paymentId: string;
  payOrderId: string;
  provider: string;
  status: string;
  amount: { amount: number; currency: string };
  redirectUrl: string;
  code?: string;
}

/** POST /v1/pay-orders/:id/pay. */
export async function pay(
  shopper: Shopper,
  payOrderId: string,
  options: { method?: string; idempotencyKey?: string } = {},
) {
  return json<PaymentStarted>(
    await call("POST", `/v1/pay-orders/${payOrderId}/pay`, {
      token: shopper.token,
      body: { method: options.method ?? "sandbox" },
      headers: { "idempotency-key": options.idempotencyKey ?? crypto.randomUUID() },
    }),
  );
}

export interface PayOrderView {
  payOrderId: string;
  paymentStatus: string;
  payable: { amount: number; currency: string };
  payBy: string;
  orders: { orderId: string; status: string; paymentStatus: string }[];
  payments: { paymentId: string; provider: string; status: string; amount: { amount: number } }[];
}

/** GET /v1/pay-orders/:id as its shopper. */
export async function payOrderOf(shopper: Shopper, payOrderId: string) {
  return json<PayOrderView>(await call("GET", `/v1/pay-orders/${payOrderId}`, { token: shopper.token }));
}

/**
 * Delivers everything the sandbox has pending and waits until the platform applied it (no inbox
 * row left `received`, no refund-events or order-events still in flight for what we watch).
 */
export async function settle(): Promise<void> {
  await drain();
}

/** Polls until `check` passes (the queue consumer works in the background), failing after ~10 s. */
export async function eventually<T>(read: () => Promise<T>, check: (value: T) => boolean, what: string): Promise<T> {
  let last: T | undefined;
  for (let i = 0; i < 200; i++) {
    last = await read();
    if (check(last)) return last;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`${what}: still ${JSON.stringify(last)}`);
}

/** Ledger transactions about `ref`, straight from D1: kind and the sum of their entries. */
export async function ledgerOf(ref: string) {
  const rows = await env.DB.prepare(
    `select t.kind as kind, t.idempotency_key as key, sum(e.amount) as sum, count(e.id) as entries
       from ledger_transactions t join ledger_entries e on e.transaction_id = t.id
      where t.ref = ? group by t.id order by t.created_at`,
  )
    .bind(ref)
    .all<{ kind: string; key: string; sum: number; entries: number }>();
  return rows.results;
}

/**
 * How often each status change of `entityId` was logged, e.g. `status:PAID`: in `d1` when told, on the
 * shard an order or pay-order number names, else (a shipment, a refund) summed over every shard.
 */
export async function transitionsOf(entityId: string, d1?: D1Database): Promise<Record<string, number>> {
  const query =
    "select field || ':' || to_status as k, count(*) as n from order_status_log where entity_id = ? group by k";
  if (d1 === undefined && slotOfNumber(entityId) === null) return tallyOnShards(query, entityId);
  const rows = await (d1 ?? (await orderD1(entityId))).prepare(query).bind(entityId).all<{ k: string; n: number }>();
  return Object.fromEntries(rows.results.map((r) => [r.k, r.n]));
}

/** Stores a verified success event in the inbox directly (no queue message: the test is the consumer). */
export async function storedSuccess(paymentId: string, payOrderId: string, amount: number) {
  const eventId = `evt_${newId("event").slice(4)}`;
  const payload = JSON.stringify({
    id: eventId,
    object: "event",
    type: "payment_intent.succeeded",
    created: Math.floor(Date.now() / 1000),
    data: {
      object: {
        id: `pi_${paymentId.slice(4)}`,
        object: "payment_intent",
        amount,
        currency: "cny",
        status: "succeeded",
        metadata: { paymentId, payOrderId },
      },
    },
  });
  const now = Date.now();
  await env.DB.prepare(
    `insert into payment_provider_events (provider, event_id, type, payload, status, created_at, received_at, updated_at)
     values ('sandbox', ?, 'payment_intent.succeeded', ?, 'received', ?, ?, ?)`,
  )
    .bind(eventId, payload, now, now, now)
    .run();
  return { provider: "sandbox" as const, providerEventId: eventId };
}

export const inboxStatus = async (eventId: string) =>
  (
    await env.DB.prepare("select status from payment_provider_events where event_id = ?")
      .bind(eventId)
      .first<{ status: string }>()
  )?.status;

/** A check for `eventually`: the pay order view is in `status`. */
export const paymentStatusIs = (status: string) => (v: { body: { paymentStatus: string } }) =>
  v.body.paymentStatus === status;
