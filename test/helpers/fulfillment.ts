/** Fulfillment in tests: a paid order awaiting its seller, shipping it, carrier callbacks, and waiting for them. */
import { env } from "cloudflare:test";
import { expect } from "vitest";
import { orderCompletedEventId } from "../../shared/fulfillment/status-writes";
import { orderShardBindings } from "../../shared/orders/order-store";
import type { Seller } from "./catalog";
import { call, json } from "./http";
import { countOnShards } from "./order-d1";
import type { Shopper } from "./orders";
import { eventually, pay, settle, type UnpaidOrder, unpaidOrder } from "./payments";
import { act, sandbox } from "./sandbox";

export interface ShipmentView {
  shipmentId: string;
  status: string;
  carrier: string | null;
  trackingNumber: string | null;
  warehouseId: string;
  deliveredAt: string | null;
}

export interface OrderView {
  orderId: string;
  status: string;
  paymentStatus: string;
  fulfillmentStatus: string;
  version: number;
  shipments: ShipmentView[];
}

/** The order as its shop's seller sees it (GET /admin/v1/orders/:id). */
export function sellerOrder(seller: Seller, orderId: string) {
  return call("GET", `/admin/v1/orders/${orderId}`, { token: seller.token }).then(json<OrderView>);
}

/** The order as its shopper sees it (GET /v1/orders/:id). */
export function shopperOrder(shopper: Shopper, orderId: string) {
  return call("GET", `/v1/orders/${orderId}`, { token: shopper.token }).then(json<OrderView>);
}

/** A paid physical order whose shipment awaits the seller (fulfillment PENDING). */
export async function awaitingShipment(options: Parameters<typeof unpaidOrder>[0] = {}) {
  const order = await unpaidOrder(options);
  const started = await pay(order.shopper, order.payOrderId);
  expect(started.status, JSON.stringify(started.body)).toBe(201);
  await act(started.body.paymentId, "succeed");
  await settle();
  const orderId = order.orderIds[0] as string;
  await eventually(
    () => sellerOrder(order.seller, orderId),
    (v) => v.body.fulfillmentStatus === "PENDING",
    "shipment awaiting the seller",
  );
  return { ...order, orderId } satisfies UnpaidOrder & { orderId: string };
}

/** POST /admin/v1/orders/:id/ship. */
export function ship(token: string, orderId: string, body: object) {
  return call("POST", `/admin/v1/orders/${orderId}/ship`, { token, body }).then(json<OrderView & { code?: string }>);
}

/** The sandbox carrier reports a parcel's status (it then sends the signed callback). */
export async function carrierReports(carrier: string, trackingNumber: string, status: string) {
  const res = await sandbox<{ eventId: string }>("POST", `/carriers/${carrier}/shipments/${trackingNumber}/events`, {
    status,
  });
  expect(res.status, JSON.stringify(res.body)).toBe(202);
  return res.body.eventId;
}

/** Delivers what the sandbox holds and waits until no stored carrier callback is left unapplied, on any database. */
export async function settleCarrier(): Promise<void> {
  await settle();
  await eventually(
    async () => {
      const counts = await Promise.all(
        orderShardBindings(env).map((d1) =>
          d1.prepare("select count(*) as n from carrier_events where status = 'received'").first<{ n: number }>(),
        ),
      );
      return counts.reduce((n, row) => n + (row?.n ?? 0), 0);
    },
    (n) => n === 0,
    "carrier callbacks applied",
  );
}

/**
 * The inbox rows of one parcel's callbacks: type, status, note; from order shard `shard` when told,
 * else from every shard (a parcel's callbacks are stored on its order's shard, news of an unknown
 * parcel where it was parked).
 */
export async function callbacksOf(carrier: string, trackingNumber: string, shard?: number) {
  const shards = orderShardBindings(env);
  const rows = await Promise.all(
    (shard === undefined ? shards : [shards[shard] as D1Database]).map((d1) =>
      d1
        .prepare(
          "select event_id as eventId, type, status, note, received_at as receivedAt from carrier_events where carrier = ? and tracking_number = ?",
        )
        .bind(carrier, trackingNumber)
        .all<{ eventId: string; type: string; status: string; note: string | null; receivedAt: number }>(),
    ),
  );
  return rows
    .flatMap((r) => r.results)
    .sort((a, b) => a.receivedAt - b.receivedAt)
    .map(({ receivedAt: _, ...row }) => row);
}

export function trackingNumber(prefix = "SF"): string {
  return `${prefix}${crypto.randomUUID().replaceAll("-", "").slice(0, 16).toUpperCase()}`;
}

/**
 * Waits until the order-events consumer handled `orderId`'s order.completed, then answers how
 * often it did (once) and whether its outbox row is still waiting (it is not: the writer sent it).
 */
export async function completedEventOf(orderId: string): Promise<{ handled: number; inOutbox: number }> {
  const id = orderCompletedEventId(orderId);
  const handled = await eventually(
    () =>
      env.DB.prepare("select count(*) as n from processed_events where consumer = 'order-events' and event_id = ?")
        .bind(id)
        .first<{ n: number }>(),
    (row) => (row?.n ?? 0) > 0,
    `order.completed of ${orderId} handled`,
  );
  return {
    handled: handled?.n ?? 0,
    inOutbox: await countOnShards("select count(*) as n from outbox where id = ?", id),
  };
}
