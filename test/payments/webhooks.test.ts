import { env } from "cloudflare:test";
import Stripe from "stripe";
import { describe, expect, it } from "vitest";
import { inventoryOf } from "../../shared/inventory/binding";
import { orderStoreOf } from "../../shared/orders/order-store";
import { applyProviderEvent } from "../../shared/payments/apply-provider-event";
import { parseSignatureHeader, secretsOf, signPayload, verifySignature } from "../../shared/payments/signature";
import { systemClock } from "../../shared/platform/clock";
import { dbOf } from "../../shared/platform/db";
import { newId } from "../../shared/platform/ids";
import { createLogger } from "../../shared/platform/logger";
import { call, json } from "../helpers/http";

const SECRET = "whsec_dev_sandbox_secret";
const stripe = new Stripe("sk_test_offline", { httpClient: Stripe.createFetchHttpClient() });

/** A provider event in Stripe's shape, pretty-printed as Stripe sends it (the bytes must survive). */
function eventBody(overrides: { id?: string; type?: string; amount?: number } = {}): string {
  return JSON.stringify(
    {
      id: overrides.id ?? `evt_${newId("event").slice(4)}`,
      object: "event",
      api_version: "2025-01-27",
      type: overrides.type ?? "payment_intent.succeeded",
      created: Math.floor(Date.now() / 1000),
      livemode: false,
      data: {
        object: {
          id: `pi_${newId("payment").slice(4)}`,
          object: "payment_intent",
          amount: overrides.amount ?? 7900,
          currency: "cny",
          status: "succeeded",
          metadata: { paymentId: "pay_unknown", payOrderId: "1796162400000000001" },
        },
      },
    },
    null,
    2,
  );
}

function deliver(body: string, signature: string | null, provider = "sandbox") {
  return call("POST", `/webhooks/payments/${provider}`, {
    rawBody: body,
    headers: signature === null ? {} : { "Stripe-Signature": signature },
  }).then(json<{ received?: boolean; eventId?: string; duplicate?: boolean; code?: string }>);
}

async function storedCount(eventId: string): Promise<number> {
  const row = await env.DB.prepare("select count(*) as n from payment_provider_events where event_id = ?")
    .bind(eventId)
    .first<{ n: number }>();
  return row?.n ?? 0;
}

const idOf = (body: string) => (JSON.parse(body) as { id: string }).id;

describe("payment webhooks: signatures", () => {
  it("accepts a header made by the official SDK (generateTestHeaderStringAsync)", async () => {
    const body = eventBody();
    const header = await stripe.webhooks.generateTestHeaderStringAsync({ payload: body, secret: SECRET });
    const res = await deliver(body, header);
    expect(res, JSON.stringify(res.body)).toMatchObject({ status: 200, body: { received: true, duplicate: false } });
    expect(await storedCount(idOf(body))).toBe(1);
    const row = await env.DB.prepare("select payload from payment_provider_events where event_id = ?")
      .bind(idOf(body))
      .first<{ payload: string }>();
    expect(row?.payload).toBe(body);
  });

  it("signs so that the official SDK's constructEventAsync verifies it", async () => {
    const body = eventBody();
    const header = await signPayload(body, SECRET, Date.now());
    const event = await stripe.webhooks.constructEventAsync(body, header, SECRET);
    expect(event.id).toBe(idOf(body));
    await expect(stripe.webhooks.constructEventAsync(body, header, "whsec_other")).rejects.toThrow();
  });

  it("refuses bad, stale, future, missing and v0-only signatures, storing nothing", async () => {
    const now = Date.now();
    const cases: [string, (body: string) => Promise<string | null>][] = [
      ["wrong secret", (b) => signPayload(b, "whsec_not_ours", now)],
      // Timed from the moment of signing, 2 s past the 300 s tolerance: the cases before take time,
      // so a timestamp taken once at the start drifted toward the boundary (a flaky "future" case).
      ["stale (302 s old)", (b) => signPayload(b, SECRET, Date.now() - 302_000)],
      ["future (302 s ahead)", (b) => signPayload(b, SECRET, Date.now() + 302_000)],
      ["missing", async () => null],
      ["v0 only", async (b) => (await signPayload(b, SECRET, now)).replace("v1=", "v0=")],
      ["body changed after signing", async (b) => signPayload(`${b} `, SECRET, now)],
      ["garbage", async () => "t=abc,v1=zz"],
    ];
    for (const [name, sign] of cases) {
      const body = eventBody();
      const res = await deliver(body, await sign(body));
      expect(res.status, name).toBe(400);
      expect(res.body.code, name).toBe("invalid_signature");
      expect(await storedCount(idOf(body)), name).toBe(0);
    }
  });

  it("accepts any matching v1 while a secret rotates, within 300 s either way", async () => {
    const body = eventBody();
    const now = Date.now();
    const good = await signPayload(body, SECRET, now - 290_000);
    const stale = await signPayload(body, "whsec_old_secret", now - 290_000);
    const both = `${good},v1=${parseSignatureHeader(stale).v1[0]}`;
    expect((await deliver(body, both)).status).toBe(200);
    expect(
      await verifySignature({
        header: stale,
        payload: body,
        secrets: secretsOf("whsec_new, whsec_old_secret"),
        nowMs: now,
      }),
    ).toMatchObject({ ok: true });
    expect(secretsOf(" a ,, b ")).toEqual(["a", "b"]);
  });

  it("refuses a correctly signed body that is not an event, storing nothing", async () => {
    const now = Date.now();
    const notJson = "not json";
    expect(await deliver(notJson, await signPayload(notJson, SECRET, now))).toMatchObject({
      status: 400,
      body: { code: "malformed_json" },
    });
    const wrongShape = JSON.stringify({ id: "evt_shape", object: "charge" });
    expect(await deliver(wrongShape, await signPayload(wrongShape, SECRET, now))).toMatchObject({
      status: 400,
      body: { code: "validation_failed" },
    });
    expect(await storedCount("evt_shape")).toBe(0);
    const blankId = eventBody({ id: " " });
    expect(await deliver(blankId, await signPayload(blankId, SECRET, now))).toMatchObject({ status: 400 });
    expect(await storedCount(" ")).toBe(0);
  });

  it("answers 404 for a provider that is not configured and 400 for an unknown one", async () => {
    const body = eventBody();
    expect((await deliver(body, await signPayload(body, SECRET, Date.now()), "stripe")).status).toBe(404);
    expect((await deliver(body, await signPayload(body, SECRET, Date.now()), "paypal")).status).toBe(400);
    expect(await storedCount(idOf(body))).toBe(0);
  });
});

describe("payment webhooks: stored once, applied once", () => {
  it("stores an event delivered 5 times at once exactly once; every delivery answers 200", async () => {
    const body = eventBody();
    const header = await signPayload(body, SECRET, Date.now());
    const results = await Promise.all(Array.from({ length: 5 }, () => deliver(body, header)));
    expect(results.map((r) => r.status)).toEqual([200, 200, 200, 200, 200]);
    expect(results.filter((r) => r.body.duplicate === false)).toHaveLength(1);
    expect(await storedCount(idOf(body))).toBe(1);
  });

  it("parks an event that names no payment we know, with its reason, once", async () => {
    const body = eventBody();
    expect((await deliver(body, await signPayload(body, SECRET, Date.now()))).status).toBe(200);
    const deps = {
      db: dbOf(env.DB),
      orders: orderStoreOf(env, systemClock),
      clock: systemClock,
      log: createLogger({ test: "webhooks" }),
      producers: env,
      inventory: inventoryOf(env),
    };
    const ref = { provider: "sandbox" as const, providerEventId: idOf(body) };
    expect(await applyProviderEvent(deps, ref)).toEqual({ status: "parked", note: "unknown_payment: pay_unknown" });
    // Applying it again finds it parked already and changes nothing.
    expect(await applyProviderEvent(deps, ref)).toEqual({ status: "parked" });
    const row = await env.DB.prepare("select status, note from payment_provider_events where event_id = ?")
      .bind(idOf(body))
      .first<{ status: string; note: string }>();
    expect(row).toEqual({ status: "parked", note: "unknown_payment: pay_unknown" });
  });
});
