import Stripe from "stripe";
import { afterAll, describe, expect, it } from "vitest";
import { newId } from "../../shared/platform/ids";
import type { ListPage, RefundView } from "../../shared/sandbox/schemas";
import {
  act,
  createIntent,
  drain,
  eventBody,
  inboxCount,
  SANDBOX_WEBHOOK_SECRET,
  sandboxApi,
  settled,
} from "../helpers/sandbox";

type ErrorBody = { error: { type: string; code?: string; param?: string } };
const stripe = new Stripe("sk_test_offline", { httpClient: Stripe.createFetchHttpClient() });

async function paidIntent(amount = 7900) {
  const intent = await createIntent({ amount });
  await act(intent.id, "succeed");
  return intent;
}

function refund(paymentIntent: string, amount: number | undefined, key = `rfd-${crypto.randomUUID()}`) {
  return sandboxApi<RefundView & ErrorBody>("POST", "/refunds", {
    body: { payment_intent: paymentIntent, amount, metadata: { refundId: newId("refund") } },
    idempotencyKey: key,
  });
}

// Nothing may be mid-delivery when the file's runtime closes.
afterAll(drain);

describe("sandbox refunds", () => {
  it("answers pending, then succeeds asynchronously with a signed refund.updated the platform stores once", async () => {
    const intent = await paidIntent();
    const created = await refund(intent.id, 2900);
    expect(created.status, JSON.stringify(created.body)).toBe(200);
    expect(created.body).toMatchObject({
      object: "refund",
      amount: 2900,
      currency: "cny",
      payment_intent: intent.id,
      status: "pending",
    });
    expect(created.body.id).toMatch(/^re_/);
    const [delivery] = await settled(created.body.id);
    expect(delivery).toMatchObject({ eventType: "refund.updated", status: "delivered", lastStatusCode: 200 });
    const event = await stripe.webhooks.constructEventAsync(
      await eventBody(delivery?.eventId ?? ""),
      delivery?.lastSignature ?? "",
      SANDBOX_WEBHOOK_SECRET,
    );
    expect(event.data.object).toMatchObject({
      id: created.body.id,
      object: "refund",
      status: "succeeded",
      amount: 2900,
    });
    expect(await inboxCount(event.id)).toBe(1);
    const now = await sandboxApi<RefundView>("GET", `/refunds/${created.body.id}`);
    expect(now.body.status).toBe("succeeded");
  });

  it("refuses more than succeeded minus refunded (amount_too_large), counting pending refunds", async () => {
    const intent = await paidIntent(5000);
    expect((await refund(intent.id, 3000)).status).toBe(200);
    const tooMuch = await refund(intent.id, 2001);
    expect(tooMuch.status).toBe(400);
    expect(tooMuch.body.error).toMatchObject({
      type: "invalid_request_error",
      code: "amount_too_large",
      param: "amount",
    });
    const rest = await refund(intent.id, undefined);
    expect(rest.body).toMatchObject({ amount: 2000, status: "pending" });
    expect((await refund(intent.id, undefined)).body.error?.code).toBe("charge_already_refunded");
  });

  it("refuses to refund an intent that has not succeeded (charge_not_refundable) or does not exist", async () => {
    const open = await createIntent();
    expect((await refund(open.id, 100)).body.error).toMatchObject({ code: "charge_not_refundable" });
    const missing = await refund("pi_missing", 100);
    expect(missing.status).toBe(400);
    expect(missing.body.error).toMatchObject({ code: "resource_missing", param: "payment_intent" });
  });

  it("makes one refund for concurrent retries with the same key", async () => {
    const intent = await paidIntent();
    const key = `rfd-${crypto.randomUUID()}`;
    const body = { payment_intent: intent.id, amount: 7900, metadata: { refundId: newId("refund") } };
    const results = await Promise.all(
      Array.from({ length: 5 }, () => sandboxApi<RefundView>("POST", "/refunds", { body, idempotencyKey: key })),
    );
    expect(results.map((r) => r.status)).toEqual([200, 200, 200, 200, 200]);
    expect(new Set(results.map((r) => r.body.id)).size).toBe(1);
  });

  it("lists refunds newest first, by intent, with starting_after", async () => {
    const intent = await paidIntent(9000);
    const ids: string[] = [];
    for (let i = 0; i < 3; i++) ids.push((await refund(intent.id, 1000)).body.id);
    const first = await sandboxApi<ListPage<RefundView>>("GET", `/refunds?payment_intent=${intent.id}&limit=2`);
    expect(first.body).toMatchObject({ object: "list", has_more: true });
    const next = await sandboxApi<ListPage<RefundView>>(
      "GET",
      `/refunds?payment_intent=${intent.id}&limit=2&starting_after=${first.body.data.at(-1)?.id}`,
    );
    expect(next.body.has_more).toBe(false);
    expect([...first.body.data, ...next.body.data].map((r) => r.id)).toEqual([...ids].reverse());
  });

  it("keeps the reason word our side sends", async () => {
    const intent = await paidIntent();
    const res = await sandboxApi<RefundView>("POST", "/refunds", {
      body: {
        payment_intent: intent.id,
        amount: 100,
        metadata: { refundId: newId("refund") },
        reason: "paid_after_cancel",
      },
    });
    expect(res.body).toMatchObject({ status: "pending", reason: "paid_after_cancel" });
  });
});
