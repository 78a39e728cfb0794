/** Calling the sandbox providers in tests, through the router like any client (test/sandbox/). */
import { env } from "cloudflare:test";
import { expect } from "vitest";
import { newId } from "../../shared/platform/ids";
import { MAX_ATTEMPTS } from "../../shared/sandbox/delivery-schedule";
import type { DeliveryView, FlushResult, PaymentIntentView } from "../../shared/sandbox/schemas";
import { call, json } from "./http";

export const SANDBOX_API_KEY = "sk_sandbox_dev";
export const SANDBOX_WEBHOOK_SECRET = "whsec_dev_sandbox_secret";
export const SANDBOX_CARRIER_SECRET = "whsec_dev_carrier_secret";

export interface ApiCallOptions {
  body?: unknown;
  idempotencyKey?: string;
  apiKey?: string | null;
  headers?: Record<string, string>;
}

/** A call to the Stripe-like API, `/sandbox/api/v1<path>`, with the sandbox's API key. */
export function sandboxApi<T = Record<string, unknown>>(method: string, path: string, options: ApiCallOptions = {}) {
  const headers: Record<string, string> = { ...options.headers };
  const key = options.apiKey === undefined ? SANDBOX_API_KEY : options.apiKey;
  if (key !== null) headers.authorization = `Bearer ${key}`;
  if (options.idempotencyKey) headers["idempotency-key"] = options.idempotencyKey;
  return call(method, `/sandbox/api/v1${path}`, { body: options.body, headers }).then(json<T>);
}

/** A call to the sandbox's own controls and pages, `/sandbox<path>`. */
export function sandbox<T = Record<string, unknown>>(method: string, path: string, body?: unknown) {
  return call(method, `/sandbox${path}`, { body }).then(json<T>);
}

/** A create-intent body for a fresh payment of ours. */
export function intentBody(overrides: Partial<{ amount: number; paymentId: string; payOrderId: string }> = {}) {
  return {
    amount: overrides.amount ?? 7900,
    currency: "cny",
    metadata: {
      paymentId: overrides.paymentId ?? newId("payment"),
      payOrderId: overrides.payOrderId ?? `1796162400${Math.floor(Math.random() * 1e9)}`,
    },
    return_url: "https://shop.example.com/pay/return",
  };
}

/** Creates an intent (fresh idempotency key) and answers it; fails the test on anything but 200. */
export async function createIntent(overrides: Parameters<typeof intentBody>[0] = {}): Promise<PaymentIntentView> {
  const res = await sandboxApi<PaymentIntentView>("POST", "/payment_intents", {
    body: intentBody(overrides),
    idempotencyKey: `test-${crypto.randomUUID()}`,
  });
  expect(res.status, JSON.stringify(res.body)).toBe(200);
  return res.body;
}

/** Acts on the hosted page as an API caller; fails the test unless accepted (202). */
export async function act(id: string, action: "succeed" | "fail" | "cancel"): Promise<void> {
  const res = await sandbox("POST", `/pay/${id}/${action}`);
  expect(res.status, JSON.stringify(res.body)).toBe(202);
}

/** Sends what is due now (`all`: every pending delivery). */
export async function flush(all = false): Promise<FlushResult> {
  const res = await sandbox<FlushResult>("POST", `/deliveries/flush${all ? "?all=1" : ""}`);
  expect(res.status, JSON.stringify(res.body)).toBe(200);
  return res.body;
}

/** The delivery log for one object (intent, refund or tracking number), oldest first. */
export async function deliveriesOf(objectId: string, eventType?: string): Promise<DeliveryView[]> {
  const query = new URLSearchParams({ objectId, ...(eventType ? { eventType } : {}) });
  const res = await sandbox<{ items: DeliveryView[] }>("GET", `/deliveries?${query}`);
  expect(res.status, JSON.stringify(res.body)).toBe(200);
  return [...res.body.items].reverse();
}

/** Flushes until every delivery of `objectId` is finished (delivered or failed), then answers them. */
export async function settled(objectId: string, rounds = 20): Promise<DeliveryView[]> {
  for (let i = 0; i < rounds; i++) {
    await flush(true);
    const log = await deliveriesOf(objectId);
    if (log.length > 0 && log.every((d) => d.status !== "pending")) return log;
  }
  throw new Error(`deliveries of ${objectId} still pending after ${rounds} flushes`);
}

/** How many rows the platform's inbox holds for a provider event id. */
export async function inboxCount(eventId: string): Promise<number> {
  const row = await env.DB.prepare("select count(*) as n from payment_provider_events where event_id = ?")
    .bind(eventId)
    .first<{ n: number }>();
  return row?.n ?? 0;
}

/** An event's exact body as the sandbox signed it. */
export async function eventBody(eventId: string): Promise<string> {
  const res = await sandbox<{ body: string }>("GET", `/events/${eventId}`);
  expect(res.status, JSON.stringify(res.body)).toBe(200);
  return res.body.body;
}

/** Chaos off (each test that turns it on turns it off again). */
export async function calm(): Promise<void> {
  const res = await sandbox("POST", "/chaos", {});
  expect(res.status, JSON.stringify(res.body)).toBe(200);
}

const pause = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * Sends everything still pending until nothing is (a delivery the platform keeps refusing is
 * given up after MAX_ATTEMPTS), then gives the platform's consumer a moment to apply what
 * arrived, so nothing is mid-flight when the test file's runtime closes.
 */
export async function drain(): Promise<void> {
  for (let round = 0; ; round++) {
    if (round > MAX_ATTEMPTS * 2) throw new Error("sandbox deliveries still pending after draining");
    // Flush first: it also settles pending refunds, whose events are not yet deliveries.
    const flushed = await flush(true);
    const pending = await sandbox<{ items: DeliveryView[] }>("GET", "/deliveries?status=pending&limit=1");
    if (pending.body.items.length === 0) break;
    // A delivery the alarm is sending right now is skipped by the flush: give it a moment.
    if (flushed.attempted === 0) await pause(50);
  }
  for (let i = 0; i < 60; i++) {
    const row = await env.DB.prepare(
      "select count(*) as n from payment_provider_events where status = 'received'",
    ).first<{ n: number }>();
    if ((row?.n ?? 0) === 0) return;
    await pause(50);
  }
}
