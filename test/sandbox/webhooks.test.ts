/**
 * The sandbox's webhooks reach the platform as a real provider's do: signed, over HTTP, to
 * /webhooks/payments/sandbox, retried until a 2xx, and stored there once.
 */
import { env, runDurableObjectAlarm } from "cloudflare:test";
import Stripe from "stripe";
import { afterAll, describe, expect, it } from "vitest";
import { SANDBOX_OBJECT_NAME } from "../../durable-objects/sandbox-provider";
import { MAX_ATTEMPTS } from "../../shared/sandbox/delivery-schedule";
import type { PaymentIntentView } from "../../shared/sandbox/schemas";
import {
  act,
  createIntent,
  deliveriesOf,
  drain,
  eventBody,
  flush,
  inboxCount,
  SANDBOX_WEBHOOK_SECRET,
  sandbox,
  sandboxApi,
  settled,
} from "../helpers/sandbox";

const stripe = new Stripe("sk_test_offline", { httpClient: Stripe.createFetchHttpClient() });

/** Makes the platform's database refuse this payment's events (its webhook answers 500) until undone. */
async function outageFor(paymentId: string): Promise<() => Promise<void>> {
  const name = `outage_${paymentId.replace(/\W/g, "_")}`;
  await env.DB.prepare(
    `CREATE TRIGGER ${name} BEFORE INSERT ON payment_provider_events WHEN instr(NEW.payload, '${paymentId}') > 0
     BEGIN SELECT RAISE(ABORT, 'simulated outage'); END`,
  ).run();
  return async () => {
    await env.DB.prepare(`DROP TRIGGER ${name}`).run();
  };
}

// Nothing may be mid-delivery when the file's runtime closes.
afterAll(drain);

describe("sandbox webhooks: to the platform", () => {
  it("sends a signed payment_intent.succeeded that the platform stores once and the official SDK verifies", async () => {
    const intent = await createIntent();
    await act(intent.id, "succeed");
    const [delivery, ...more] = await settled(intent.id);
    expect(more).toHaveLength(0);
    expect(delivery).toMatchObject({
      eventType: "payment_intent.succeeded",
      path: "/webhooks/payments/sandbox",
      status: "delivered",
      attempts: 1,
      lastStatusCode: 200,
    });
    if (!delivery?.lastSignature) throw new Error("no signature recorded");
    const body = await eventBody(delivery.eventId);
    const event = await stripe.webhooks.constructEventAsync(body, delivery.lastSignature, SANDBOX_WEBHOOK_SECRET);
    expect(event).toMatchObject({ id: delivery.eventId, object: "event", type: "payment_intent.succeeded" });
    expect(event.data.object).toMatchObject({
      id: intent.id,
      object: "payment_intent",
      amount: 7900,
      amount_received: 7900,
      currency: "cny",
      status: "succeeded",
      metadata: intent.metadata,
      next_action: null,
    });
    await expect(stripe.webhooks.constructEventAsync(body, delivery.lastSignature, "whsec_other")).rejects.toThrow();

    expect(await inboxCount(delivery.eventId)).toBe(1);
    const row = await env.DB.prepare("select type, payload from payment_provider_events where event_id = ?")
      .bind(delivery.eventId)
      .first<{ type: string; payload: string }>();
    expect(row).toEqual({ type: "payment_intent.succeeded", payload: body });
  });

  it("sends payment_failed for a decline, then succeeded for the retry that pays", async () => {
    const intent = await createIntent();
    await act(intent.id, "fail");
    const failed = await sandboxApi<PaymentIntentView>("GET", `/payment_intents/${intent.id}`);
    expect(failed.body).toMatchObject({
      status: "requires_payment_method",
      last_payment_error: { type: "card_error", code: "card_declined" },
    });
    await act(intent.id, "succeed");
    const log = await settled(intent.id);
    expect(log.map((d) => [d.eventType, d.status])).toEqual([
      ["payment_intent.payment_failed", "delivered"],
      ["payment_intent.succeeded", "delivered"],
    ]);
    for (const d of log) expect(await inboxCount(d.eventId)).toBe(1);
    const failedEvent = JSON.parse(await eventBody(log[0]?.eventId ?? "")) as { data: { object: PaymentIntentView } };
    expect(failedEvent.data.object.last_payment_error?.code).toBe("card_declined");
  });

  it("answers 409 with the status for an action on a final intent, and sends nothing more", async () => {
    const intent = await createIntent();
    await act(intent.id, "cancel");
    for (const action of ["succeed", "fail", "cancel"]) {
      const res = await sandbox("POST", `/pay/${intent.id}/${action}`);
      expect(res, action).toMatchObject({ status: 409, body: { id: intent.id, status: "canceled" } });
    }
    const log = await settled(intent.id);
    expect(log.map((d) => d.eventType)).toEqual(["payment_intent.canceled"]);
    expect((await sandbox("POST", "/pay/pi_unknown/succeed")).status).toBe(404);
  });

  it("retries with backoff while the platform answers 500, until it answers 2xx; the event is stored once", async () => {
    const intent = await createIntent();
    const recover = await outageFor(intent.metadata.paymentId ?? "");
    try {
      await act(intent.id, "succeed");
      await flush(true);
      await flush(true);
      const [failing] = await deliveriesOf(intent.id);
      expect(failing).toMatchObject({ status: "pending", lastStatusCode: 500 });
      expect(failing?.attempts).toBeGreaterThanOrEqual(2);
      // Backoff: the next attempt is scheduled in the future, not immediately.
      expect(Date.parse(failing?.nextAttemptAt ?? "")).toBeGreaterThan(Date.now());
      expect(await inboxCount(failing?.eventId ?? "")).toBe(0);
    } finally {
      await recover();
    }
    const [delivered] = await settled(intent.id);
    expect(delivered).toMatchObject({ status: "delivered", lastStatusCode: 200 });
    expect(delivered?.attempts).toBeGreaterThanOrEqual(3);
    expect(await inboxCount(delivered?.eventId ?? "")).toBe(1);
  });

  it(`gives up after ${MAX_ATTEMPTS} attempts and marks the delivery failed`, async () => {
    const intent = await createIntent();
    const recover = await outageFor(intent.metadata.paymentId ?? "");
    try {
      await act(intent.id, "succeed");
      // Two flushes more than the limit: a given-up delivery is never attempted again.
      for (let i = 0; i < MAX_ATTEMPTS + 2; i++) await flush(true);
      const [delivery] = await deliveriesOf(intent.id);
      expect(delivery).toMatchObject({
        status: "failed",
        attempts: MAX_ATTEMPTS,
        lastStatusCode: 500,
        nextAttemptAt: null,
      });
      const failedLog = await sandbox<{ items: { eventId: string }[] }>("GET", "/deliveries?status=failed");
      expect(failedLog.body.items.map((d) => d.eventId)).toContain(delivery?.eventId);
    } finally {
      await recover();
    }
  });

  it("is sent by the object's alarm with no flush at all (runDurableObjectAlarm)", async () => {
    const intent = await createIntent();
    await act(intent.id, "succeed");
    await runDurableObjectAlarm(env.SANDBOX_PROVIDER.getByName(SANDBOX_OBJECT_NAME));
    // The alarm may also have fired on its own just before; either way it delivered, not a flush.
    let log = await deliveriesOf(intent.id);
    for (let i = 0; i < 50 && log[0]?.status !== "delivered"; i++) {
      await new Promise((r) => setTimeout(r, 50));
      log = await deliveriesOf(intent.id);
    }
    expect(log).toMatchObject([{ status: "delivered", attempts: 1, lastStatusCode: 200 }]);
  });
});
