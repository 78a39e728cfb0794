/**
 * The platform's sandbox adapter (shared/payments/sandbox-adapter.ts) against the real sandbox,
 * configured as the Workers configure it in tests: SANDBOX_API_URL sent over the SANDBOX binding.
 */
import { env } from "cloudflare:test";
import { afterAll, describe, expect, it } from "vitest";
import { paymentAdapters } from "../../shared/payments/adapters";
import type { PaymentProviderAdapter } from "../../shared/payments/provider";
import { AppError } from "../../shared/platform/errors";
import { newId } from "../../shared/platform/ids";
import type { PaymentIntentView } from "../../shared/sandbox/schemas";
import { act, deliveriesOf, drain, sandboxApi, settled } from "../helpers/sandbox";

afterAll(drain);

function adapter(): PaymentProviderAdapter {
  const sandbox = paymentAdapters({ ...env }).sandbox;
  if (!sandbox) throw new Error("the test env configures no sandbox adapter (SANDBOX_API_URL)");
  return sandbox;
}

async function pay(amount = 7900) {
  const paymentId = newId("payment");
  const created = await adapter().createPayment({
    paymentId,
    payOrderId: "1796162400000000001",
    amount: { amount, currency: "CNY" },
    returnUrl: "https://shop.example.com/pay-orders/1796162400000000001/return",
    idempotencyKey: `payment:${paymentId}`,
  });
  return { paymentId, ...created };
}

describe("the sandbox adapter against the sandbox", () => {
  it("creates a payment whose redirect is the hosted page, once per idempotency key", async () => {
    const first = await pay();
    expect(first.providerPaymentId).toMatch(/^pi_/);
    expect(first.redirectUrl).toBe(`http://127.0.0.1:8787/sandbox/pay/${first.providerPaymentId}`);
    const again = await adapter().createPayment({
      paymentId: first.paymentId,
      payOrderId: "1796162400000000001",
      amount: { amount: 7900, currency: "CNY" },
      returnUrl: "https://shop.example.com/pay-orders/1796162400000000001/return",
      idempotencyKey: `payment:${first.paymentId}`,
    });
    expect(again.providerPaymentId).toBe(first.providerPaymentId);
  });

  it("cancels an open payment (sending payment_intent.canceled) and leaves a succeeded one as it is", async () => {
    const open = await pay();
    await adapter().cancelPayment({
      providerPaymentId: open.providerPaymentId,
      idempotencyKey: `cancel:${open.paymentId}`,
    });
    expect((await deliveriesOf(open.providerPaymentId)).map((d) => d.eventType)).toEqual(["payment_intent.canceled"]);

    const paid = await pay();
    await act(paid.providerPaymentId, "succeed");
    await adapter().cancelPayment({
      providerPaymentId: paid.providerPaymentId,
      idempotencyKey: `cancel:${paid.paymentId}`,
    });
    const intent = await sandboxApi<PaymentIntentView>("GET", `/payment_intents/${paid.providerPaymentId}`);
    expect(intent.body.status).toBe("succeeded");
  });

  it("refunds a paid payment (pending, then refund.updated) and refuses more than was paid", async () => {
    const paid = await pay(5000);
    await act(paid.providerPaymentId, "succeed");
    const refundId = newId("refund");
    const refund = await adapter().refund({
      refundId,
      providerPaymentId: paid.providerPaymentId,
      amount: { amount: 5000, currency: "CNY" },
      reason: "requested_by_customer",
      idempotencyKey: `refund:${refundId}`,
    });
    expect(refund).toMatchObject({ status: "pending" });
    expect(await settled(refund.providerRefundId)).toMatchObject([
      { eventType: "refund.updated", status: "delivered" },
    ]);
    const tooMuch = adapter().refund({
      refundId: newId("refund"),
      providerPaymentId: paid.providerPaymentId,
      amount: { amount: 1, currency: "CNY" },
      reason: "duplicate_payment",
      idempotencyKey: `refund:${crypto.randomUUID()}`,
    });
    await expect(tooMuch).rejects.toBeInstanceOf(AppError);
    await expect(tooMuch).rejects.toMatchObject({
      code: "payment_provider_error",
      extensions: { providerCode: "amount_too_large" },
    });
  });

  it("lists payments and refunds since a time, newest first, across pages", async () => {
    const since = Date.now() - 1000;
    const made = [await pay(), await pay(), await pay()];
    await act(made[0]?.providerPaymentId ?? "", "succeed");
    await act(made[1]?.providerPaymentId ?? "", "fail");
    const seen: { id: string; status: string; paymentId: string | null }[] = [];
    let cursor: string | null = null;
    do {
      const page = await adapter().listPayments({ since, cursor, limit: 2 });
      seen.push(...page.items.map((i) => ({ id: i.providerPaymentId, status: i.status, paymentId: i.paymentId })));
      cursor = page.nextCursor;
    } while (cursor);
    const mine = seen.filter((s) => made.some((m) => m.providerPaymentId === s.id));
    expect(mine).toEqual([
      { id: made[2]?.providerPaymentId, status: "pending", paymentId: made[2]?.paymentId },
      { id: made[1]?.providerPaymentId, status: "failed", paymentId: made[1]?.paymentId },
      { id: made[0]?.providerPaymentId, status: "succeeded", paymentId: made[0]?.paymentId },
    ]);

    const refundId = newId("refund");
    const refund = await adapter().refund({
      refundId,
      providerPaymentId: made[0]?.providerPaymentId ?? "",
      amount: { amount: 100, currency: "CNY" },
      reason: "requested_by_customer",
      idempotencyKey: `refund:${refundId}`,
    });
    const refunds = await adapter().listRefunds({ since, limit: 100 });
    expect(refunds.items.find((r) => r.providerRefundId === refund.providerRefundId)).toMatchObject({
      refundId,
      providerPaymentId: made[0]?.providerPaymentId,
      amount: { amount: 100, currency: "CNY" },
    });
  });
});
