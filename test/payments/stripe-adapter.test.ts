import { describe, expect, it } from "vitest";
import type { CreatePaymentInput } from "../../shared/payments/provider";
import { stripeAdapter, stripeAdapterFromEnv, stripeEnvSchema } from "../../shared/payments/stripe-adapter";
import { AppError } from "../../shared/platform/errors";
import { newId } from "../../shared/platform/ids";
import { type FakeStripe, fakeStripe } from "../helpers/fake-stripe";

function setup(options: Parameters<typeof fakeStripe>[0] = {}) {
  const fake = fakeStripe(options);
  return { fake, adapter: stripeAdapter({ secretKey: fake.secretKey, fetch: fake.fetch }) };
}

function paymentInput(overrides: Partial<CreatePaymentInput> = {}): CreatePaymentInput {
  const paymentId = overrides.paymentId ?? newId("payment");
  return {
    paymentId,
    payOrderId: "1796162400000000001",
    amount: { amount: 7900, currency: "CNY" },
    returnUrl: "https://shop.example/pay-orders/1796162400000000001/return",
    idempotencyKey: `${paymentId}:create`,
    ...overrides,
  };
}

/** The AppError a call rejected with (fails the test if it resolved or threw something else). */
async function appErrorOf(promise: Promise<unknown>): Promise<AppError> {
  const err = await promise.then(
    () => null,
    (e: unknown) => e,
  );
  if (!(err instanceof AppError)) throw new Error(`expected an AppError, got ${String(err)}`);
  return err;
}

/** Everything of an error a client or a log could see. */
function visibleText(err: AppError): string {
  const cause = err.cause instanceof Error ? err.cause.message : String(err.cause);
  return [String(err), err.message, err.detail, err.stack, JSON.stringify(err.extensions), cause].join("\n");
}

/** A created and paid Checkout payment: the session and the intent Stripe made for it. */
async function paidPayment(fake: FakeStripe, adapter: ReturnType<typeof stripeAdapter>, amount = 7900) {
  const input = paymentInput({ amount: { amount, currency: "CNY" } });
  const created = await adapter.createPayment(input);
  const intent = fake.pay(created.providerPaymentId);
  return { input, sessionId: created.providerPaymentId, intent };
}

describe("stripe adapter: createPayment", () => {
  it("creates a one-line Checkout Session with integer minor units, metadata and our idempotency key", async () => {
    const { fake, adapter } = setup();
    const input = paymentInput();
    const created = await adapter.createPayment(input);

    expect(created.providerPaymentId).toMatch(/^cs_test_/);
    expect(created.redirectUrl).toBe(`https://checkout.stripe.com/c/pay/${created.providerPaymentId}`);
    const [sent] = fake.requestsTo("POST", "/v1/checkout/sessions");
    expect(sent?.authorization).toBe(`Bearer ${fake.secretKey}`);
    expect(sent?.idempotencyKey).toBe(input.idempotencyKey);
    expect(sent?.params).toMatchObject({
      mode: "payment",
      "line_items[0][quantity]": "1",
      "line_items[0][price_data][unit_amount]": "7900",
      "line_items[0][price_data][currency]": "cny",
      "metadata[paymentId]": input.paymentId,
      "metadata[payOrderId]": input.payOrderId,
      "payment_intent_data[metadata][paymentId]": input.paymentId,
      "payment_intent_data[metadata][payOrderId]": input.payOrderId,
      success_url: input.returnUrl,
      cancel_url: input.returnUrl,
    });
    expect(sent?.params["line_items[1][quantity]"]).toBeUndefined();
  });

  it("sends a zero-decimal currency's amount as it is (JPY 1500 is unit_amount 1500)", async () => {
    const { fake, adapter } = setup();
    await adapter.createPayment(paymentInput({ amount: { amount: 1500, currency: "JPY" } }));
    const [sent] = fake.requestsTo("POST", "/v1/checkout/sessions");
    expect(sent?.params["line_items[0][price_data][unit_amount]"]).toBe("1500");
    expect(sent?.params["line_items[0][price_data][currency]"]).toBe("jpy");
  });

  it("answers the same session for the same idempotency key, as Stripe replays it", async () => {
    const { fake, adapter } = setup();
    const input = paymentInput();
    const [first, second] = await Promise.all([adapter.createPayment(input), adapter.createPayment(input)]);
    const again = await adapter.createPayment(input);

    expect(second).toEqual(first);
    expect(again).toEqual(first);
    expect(fake.sessions.size).toBe(1);
    const keys = fake.requestsTo("POST", "/v1/checkout/sessions").map((r) => r.idempotencyKey);
    expect(keys).toEqual([input.idempotencyKey, input.idempotencyKey, input.idempotencyKey]);
  });

  it("refuses, without retry, a reused idempotency key with other parameters", async () => {
    const { fake, adapter } = setup();
    const input = paymentInput();
    await adapter.createPayment(input);
    const err = await appErrorOf(adapter.createPayment({ ...input, amount: { amount: 8000, currency: "CNY" } }));

    expect(err.code).toBe("payment_provider_error");
    expect(err.status).toBe(502);
    expect(err.retryable).toBe(false);
    expect(err.detail).toContain("StripeIdempotencyError");
    expect(fake.sessions.size).toBe(1);
  });

  it("puts the payment id on the PaymentIntent Stripe makes when the shopper pays (what events carry)", async () => {
    const { fake, adapter } = setup();
    const { input, intent } = await paidPayment(fake, adapter);
    expect(intent.metadata).toEqual({ paymentId: input.paymentId, payOrderId: input.payOrderId });
    expect(fake.event("payment_intent.succeeded", intent).data.object.metadata.paymentId).toBe(input.paymentId);
  });
});

describe("stripe adapter: errors", () => {
  it("maps a 402 card error to a payment_provider_error that is not retryable, naming only Stripe's codes", async () => {
    const { fake, adapter } = setup();
    fake.failNext({
      kind: "error",
      status: 402,
      error: {
        type: "card_error",
        code: "card_declined",
        decline_code: "insufficient_funds",
        message: "Your card ending 4242 (jane@example.com) has insufficient funds.",
      },
    });
    const err = await appErrorOf(adapter.createPayment(paymentInput()));

    expect(err.code).toBe("payment_provider_error");
    expect(err.retryable).toBe(false);
    expect(err.detail).toBe(
      "Stripe refused to create the payment (StripeCardError: card_declined: insufficient_funds)",
    );
    expect(err.extensions).toEqual({ providerCode: "card_declined" });
    expect(visibleText(err)).not.toMatch(/4242|jane@example\.com|insufficient funds\./);
    expect(fake.requestsTo("POST", "/v1/checkout/sessions")).toHaveLength(1);
  });

  it("maps a 500 to a retryable error after the SDK's own retries, each with our idempotency key", async () => {
    const { fake, adapter } = setup();
    fake.failNext({ kind: "error", status: 500, error: { type: "api_error", message: "boom" } }, {}, 3);
    const input = paymentInput();
    const err = await appErrorOf(adapter.createPayment(input));

    expect(err.code).toBe("payment_provider_error");
    expect(err.retryable).toBe(true);
    const sent = fake.requestsTo("POST", "/v1/checkout/sessions");
    expect(sent).toHaveLength(3);
    expect(new Set(sent.map((r) => r.idempotencyKey))).toEqual(new Set([input.idempotencyKey]));
    expect(fake.sessions.size).toBe(0);
  });

  it("succeeds when a 500 is followed by a good answer within the SDK's retries, creating one session", async () => {
    const { fake, adapter } = setup();
    fake.failNext({ kind: "error", status: 503, error: { type: "api_error" } });
    const created = await adapter.createPayment(paymentInput());
    expect(fake.sessions.has(created.providerPaymentId)).toBe(true);
    expect(fake.sessions.size).toBe(1);
    expect(fake.requestsTo("POST", "/v1/checkout/sessions")).toHaveLength(2);
  });

  it("maps a network failure to a retryable error", async () => {
    const { fake, adapter } = setup();
    fake.failNext({ kind: "network" }, {}, 3);
    const err = await appErrorOf(adapter.listPayments({ since: 0 }));
    expect(err.retryable).toBe(true);
    expect(err.detail).toContain("StripeConnectionError");
    expect(fake.requestsTo("GET", "/v1/payment_intents")).toHaveLength(3);
  });

  it("maps a 429 rate limit to a retryable error", async () => {
    const { fake, adapter } = setup();
    fake.failNext({ kind: "error", status: 429, error: { type: "invalid_request_error", code: "rate_limit" } });
    const err = await appErrorOf(adapter.listRefunds({ since: 0 }));
    expect(err.retryable).toBe(true);
    expect(err.extensions).toEqual({ providerCode: "rate_limit" });
  });

  it("never puts the secret key in an error, even when Stripe's message echoes it", async () => {
    const secretKey = "sk_test_do_not_leak_5f3a9c1e7b";
    const fake = fakeStripe({ secretKey });
    const adapter = stripeAdapter({ secretKey, fetch: fake.fetch });
    fake.failNext({
      kind: "error",
      status: 400,
      error: { type: "invalid_request_error", code: `bad ${secretKey}`, message: `Invalid API Key: ${secretKey}` },
    });
    const echoed = await appErrorOf(adapter.createPayment(paymentInput()));
    expect(echoed.retryable).toBe(false);
    expect(visibleText(echoed)).not.toContain("do_not_leak");
    expect(echoed.extensions).toEqual({});

    const wrongKey = stripeAdapter({ secretKey: "sk_test_wrong_but_secret_91b2", fetch: fake.fetch });
    const refused = await appErrorOf(wrongKey.createPayment(paymentInput()));
    expect(refused.retryable).toBe(false);
    expect(refused.detail).toContain("StripeAuthenticationError");
    expect(visibleText(refused)).not.toMatch(/wrong_but_secret|91b2|do_not_leak/);
  });
});

describe("stripe adapter: cancelPayment", () => {
  it("expires an open Checkout Session with our idempotency key", async () => {
    const { fake, adapter } = setup();
    const { providerPaymentId } = await adapter.createPayment(paymentInput());
    await adapter.cancelPayment({ providerPaymentId, idempotencyKey: "pay_x:cancel" });

    expect(fake.sessions.get(providerPaymentId)?.status).toBe("expired");
    const [sent] = fake.requestsTo("POST", `/v1/checkout/sessions/${providerPaymentId}/expire`);
    expect(sent?.idempotencyKey).toBe("pay_x:cancel");
  });

  it("leaves a paid, an expired or a processing session as it is without an error", async () => {
    const { fake, adapter } = setup();
    const { sessionId, intent } = await paidPayment(fake, adapter);
    await adapter.cancelPayment({ providerPaymentId: sessionId, idempotencyKey: `${sessionId}:cancel` });
    expect(fake.sessions.get(sessionId)?.status).toBe("complete");
    expect(intent.status).toBe("succeeded");

    const open = await adapter.createPayment(paymentInput());
    await adapter.cancelPayment({ providerPaymentId: open.providerPaymentId, idempotencyKey: "k1" });
    await adapter.cancelPayment({ providerPaymentId: open.providerPaymentId, idempotencyKey: "k2" });
    expect(fake.sessions.get(open.providerPaymentId)?.status).toBe("expired");

    const slow = await adapter.createPayment(paymentInput());
    const processing = fake.pay(slow.providerPaymentId, "processing");
    await adapter.cancelPayment({ providerPaymentId: slow.providerPaymentId, idempotencyKey: "k3" });
    expect(processing.status).toBe("processing");
  });

  it("cancels a Checkout payment named by its PaymentIntent through the session, and a declined attempt's intent with it", async () => {
    const { fake, adapter } = setup();
    const { providerPaymentId } = await adapter.createPayment(paymentInput());
    const intent = fake.pay(providerPaymentId, "failed");
    await adapter.cancelPayment({ providerPaymentId: intent.id, idempotencyKey: "k" });
    expect(fake.sessions.get(providerPaymentId)?.status).toBe("expired");
    expect(intent.status).toBe("canceled");
  });

  it("cancels a PaymentIntent made outside Checkout, and leaves a succeeded one", async () => {
    const { fake, adapter } = setup();
    const open = fake.addPaymentIntent({ amount: 100, currency: "usd" });
    const done = fake.addPaymentIntent({ amount: 100, currency: "usd", status: "succeeded", amount_received: 100 });
    await adapter.cancelPayment({ providerPaymentId: open.id, idempotencyKey: "k1" });
    await adapter.cancelPayment({ providerPaymentId: done.id, idempotencyKey: "k2" });
    expect(open.status).toBe("canceled");
    expect(done.status).toBe("succeeded");
  });
});

describe("stripe adapter: refund", () => {
  it("refunds a Checkout payment's intent with integer amount, refundId metadata and our idempotency key", async () => {
    const { fake, adapter } = setup();
    const { sessionId, intent } = await paidPayment(fake, adapter);
    const refundId = newId("refund");
    const input = {
      refundId,
      providerPaymentId: sessionId,
      amount: { amount: 2500, currency: "CNY" as const },
      reason: "requested_by_customer",
      idempotencyKey: `${refundId}:refund`,
    };
    const [first, second] = await Promise.all([adapter.refund(input), adapter.refund(input)]);

    expect(first).toEqual({ providerRefundId: expect.stringMatching(/^re_test_/), status: "succeeded" });
    expect(second).toEqual(first);
    expect(fake.refunds.size).toBe(1);
    const sent = fake.requestsTo("POST", "/v1/refunds");
    expect(sent.map((r) => r.idempotencyKey)).toEqual([input.idempotencyKey, input.idempotencyKey]);
    expect(sent[0]?.params).toEqual({
      payment_intent: intent.id,
      amount: "2500",
      "metadata[refundId]": refundId,
      reason: "requested_by_customer",
    });
  });

  it("omits a reason that is not one of Stripe's, and takes a PaymentIntent id as well", async () => {
    const { fake, adapter } = setup({ refundStatus: "pending" });
    const { intent } = await paidPayment(fake, adapter);
    const created = await adapter.refund({
      refundId: newId("refund"),
      providerPaymentId: intent.id,
      amount: { amount: 7900, currency: "CNY" },
      reason: "paid_after_cancel",
      idempotencyKey: "ref_1:refund",
    });
    expect(created.status).toBe("pending");
    const [sent] = fake.requestsTo("POST", "/v1/refunds");
    expect(sent?.params.reason).toBeUndefined();
    expect(sent?.params.payment_intent).toBe(intent.id);
  });

  it("refuses a refund in another currency than the payment's, sending nothing to refunds", async () => {
    const { fake, adapter } = setup();
    const { sessionId } = await paidPayment(fake, adapter);
    const err = await appErrorOf(
      adapter.refund({
        refundId: newId("refund"),
        providerPaymentId: sessionId,
        amount: { amount: 100, currency: "USD" },
        reason: "x",
        idempotencyKey: "k",
      }),
    );
    expect(err.retryable).toBe(false);
    expect(err.detail).toBe("The Stripe payment is in CNY, not USD");
    expect(fake.requestsTo("POST", "/v1/refunds")).toHaveLength(0);
  });

  it("refuses a refund of a session nobody paid, and maps Stripe's refusal of too large an amount", async () => {
    const { fake, adapter } = setup();
    const unpaid = await adapter.createPayment(paymentInput());
    const none = await appErrorOf(
      adapter.refund({
        refundId: newId("refund"),
        providerPaymentId: unpaid.providerPaymentId,
        amount: { amount: 100, currency: "CNY" },
        reason: "x",
        idempotencyKey: "k1",
      }),
    );
    expect(none.detail).toBe("The Stripe Checkout Session has no payment to refund");
    expect(none.retryable).toBe(false);

    const { sessionId } = await paidPayment(fake, adapter, 1000);
    const tooMuch = await appErrorOf(
      adapter.refund({
        refundId: newId("refund"),
        providerPaymentId: sessionId,
        amount: { amount: 1001, currency: "CNY" },
        reason: "x",
        idempotencyKey: "k2",
      }),
    );
    expect(tooMuch.retryable).toBe(false);
    expect(tooMuch.extensions).toEqual({ providerCode: "amount_too_large" });
  });
});

describe("stripe adapter: reconciliation lists", () => {
  it("pages PaymentIntents newest first from `since`, with our payment ids and statuses", async () => {
    const { fake, adapter } = setup();
    const base = 1_800_000_000_000;
    fake.setNow(base - 60_000);
    const old = await paidPayment(fake, adapter);
    const made: { paymentId: string; intentId: string }[] = [];
    for (let i = 0; i < 5; i++) {
      fake.setNow(base + i * 1000);
      const p = await paidPayment(fake, adapter, 1000 + i);
      made.push({ paymentId: p.input.paymentId, intentId: p.intent.id });
    }
    fake.setNow(base + 10_000);
    await adapter.createPayment(paymentInput()); // never opened: Stripe has no PaymentIntent for it

    const pages: Awaited<ReturnType<typeof adapter.listPayments>>[] = [];
    let cursor: string | null = null;
    do {
      const got = await adapter.listPayments({ since: base + 500, cursor, limit: 2 });
      pages.push(got);
      cursor = got.nextCursor;
    } while (cursor && pages.length < 10);

    expect(pages.map((p) => p.items.length)).toEqual([2, 2, 1]);
    expect(pages.at(-1)?.nextCursor).toBeNull();
    const items = pages.flatMap((p) => p.items);
    // Stripe filters by whole seconds: the one made in the same second as `since` is in, the one
    // a minute before is not, nor the session nobody opened.
    expect(items.map((i) => i.paymentId)).toEqual([...made].reverse().map((m) => m.paymentId));
    expect(items[0]).toEqual({
      providerPaymentId: made[4]?.intentId,
      paymentId: made[4]?.paymentId,
      amount: { amount: 1004, currency: "CNY" },
      status: "succeeded",
      createdAt: base + 4000,
    });
    expect(items.map((i) => i.paymentId)).not.toContain(old.input.paymentId);
    const sent = fake.requestsTo("GET", "/v1/payment_intents");
    expect(sent[0]?.params).toEqual({ "created[gte]": String(Math.floor((base + 500) / 1000)), limit: "2" });
    expect(sent[1]?.params.starting_after).toBe(pages[0]?.nextCursor);
  });

  it("maps Stripe's statuses to ours and keeps payments that are not ours with a null payment id", async () => {
    const { fake, adapter } = setup();
    const declined = await adapter.createPayment(paymentInput());
    const declinedIntent = fake.pay(declined.providerPaymentId, "failed");
    const slow = await adapter.createPayment(paymentInput());
    const slowIntent = fake.pay(slow.providerPaymentId, "processing");
    const abandoned = await adapter.createPayment(paymentInput());
    const abandonedIntent = fake.pay(abandoned.providerPaymentId, "failed");
    await adapter.cancelPayment({ providerPaymentId: abandoned.providerPaymentId, idempotencyKey: "k" });
    const foreign = fake.addPaymentIntent({ amount: 500, currency: "usd" });
    fake.addPaymentIntent({ amount: 500, currency: "huf", metadata: { paymentId: "pay_other" } });

    const { items, nextCursor } = await adapter.listPayments({ since: 0 });
    const byId = new Map(items.map((i) => [i.providerPaymentId, i]));
    expect(nextCursor).toBeNull();
    expect(items).toHaveLength(4); // the HUF intent cannot be ours
    expect(byId.get(declinedIntent.id)?.status).toBe("failed");
    expect(byId.get(slowIntent.id)?.status).toBe("pending");
    expect(byId.get(abandonedIntent.id)?.status).toBe("canceled");
    expect(byId.get(foreign.id)).toMatchObject({
      paymentId: null,
      status: "pending",
      amount: { amount: 500, currency: "USD" },
    });
  });

  it("pages refunds with our refund ids and the payment intent they belong to", async () => {
    const { fake, adapter } = setup();
    const { sessionId, intent } = await paidPayment(fake, adapter, 9000);
    const refundIds: string[] = [];
    for (let i = 0; i < 3; i++) {
      const refundId = newId("refund");
      refundIds.push(refundId);
      await adapter.refund({
        refundId,
        providerPaymentId: sessionId,
        amount: { amount: 1000, currency: "CNY" },
        reason: "duplicate",
        idempotencyKey: `${refundId}:refund`,
      });
    }
    const first = await adapter.listRefunds({ since: 0, limit: 2 });
    const second = await adapter.listRefunds({ since: 0, limit: 2, cursor: first.nextCursor });

    expect(first.nextCursor).toBe(first.items[1]?.providerRefundId);
    expect(second.nextCursor).toBeNull();
    const items = [...first.items, ...second.items];
    expect(items.map((r) => r.refundId)).toEqual([...refundIds].reverse());
    expect(items[0]).toMatchObject({
      providerPaymentId: intent.id,
      amount: { amount: 1000, currency: "CNY" },
      status: "succeeded",
    });
  });
});

describe("stripe adapter: configuration", () => {
  it("exists only when STRIPE_SECRET_KEY is set", async () => {
    expect(stripeAdapterFromEnv({})).toBeNull();
    const fake = fakeStripe();
    const adapter = stripeAdapterFromEnv({ STRIPE_SECRET_KEY: fake.secretKey }, { fetch: fake.fetch });
    expect(adapter?.provider).toBe("stripe");
    await adapter?.createPayment(paymentInput());
    expect(fake.sessions.size).toBe(1);
  });

  it("refuses a value that is not a Stripe key without repeating it", () => {
    const parsed = stripeEnvSchema.safeParse({ STRIPE_SECRET_KEY: "pk_live_published_key_abc" });
    expect(parsed.success).toBe(false);
    expect(JSON.stringify(parsed.error?.issues)).not.toContain("published_key");
    expect(() => stripeAdapterFromEnv({ STRIPE_SECRET_KEY: "pk_live_published_key_abc" })).toThrow(
      /STRIPE_SECRET_KEY: must be a Stripe secret or restricted key/,
    );
  });
});
