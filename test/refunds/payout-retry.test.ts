/**
 * A refund whose payout the provider failed (FAILED) is retried by an operator (POST
 * /admin/v1/refunds/:id/retry): a new payout attempt under a new provider idempotency key, paid
 * once, REFUNDED once, the ledger's refund_owed posted once and balanced by one refund_paid; late
 * events of the failed attempt change nothing, and one that says it succeeded after all is parked
 * as a discrepancy (the provider may have paid twice).
 */
import { env } from "cloudflare:test";
import { afterEach, describe, expect, it } from "vitest";
import type { RefundView } from "../../shared/refunds/refunds-read";
import { operatorToken } from "../helpers/catalog";
import { call, json } from "../helpers/http";
import { eventually, ledgerOf, settle, transitionsOf } from "../helpers/payments";
import { orderRefundState, paidOrder, refunded, refundStatusOf, replayRefundUpdate } from "../helpers/refunds";
import { calm, sandbox, sandboxApi } from "../helpers/sandbox";

afterEach(async () => {
  await calm();
  await settle();
});

type Answer = RefundView & { code?: string };

function post(token: string, path: string, body: object = {}) {
  return call("POST", `/admin/v1${path}`, { token, body, headers: { "idempotency-key": crypto.randomUUID() } }).then(
    json<Answer>,
  );
}

async function refundRow(refundId: string) {
  return env.DB.prepare(
    "select status, payout_attempt as payoutAttempt, provider_refund_id as providerRefundId from refunds where id = ?",
  )
    .bind(refundId)
    .first<{ status: string; payoutAttempt: number; providerRefundId: string | null }>();
}

describe("retrying a failed refund payout", () => {
  it("fails at the provider, is retried once by an operator, and is REFUNDED once with the ledger balanced", async () => {
    const order = await paidOrder({ stock: 5, quantity: 2 });
    const itemId = (await orderRefundState(order.orderId)).items[0]?.id ?? "";
    expect((await sandbox("POST", "/chaos", { refunds: "fail" })).status).toBe(200);
    const refund = await post(order.seller.token, `/orders/${order.orderId}/refunds`, {
      items: [{ orderItemId: itemId, quantity: 1 }],
      reason: "缺货",
    });
    expect(refund.status, JSON.stringify(refund.body)).toBe(201);
    const refundId = refund.body.refundId;
    await settle();
    await eventually(
      () => refundStatusOf(refundId),
      (s) => s === "FAILED",
      "payout failed",
    );
    const failed = await refundRow(refundId);
    expect(failed).toMatchObject({ status: "FAILED", payoutAttempt: 1 });
    const firstProviderRefund = failed?.providerRefundId ?? "";
    expect(firstProviderRefund).toMatch(/^re_/);
    await calm();

    // A seller may not retry (operators decide about money the provider refused).
    const bySeller = await post(order.seller.token, `/refunds/${refundId}/retry`);
    expect(bySeller.status).toBe(403);

    // Two operators click at once: one retry.
    const token = await operatorToken();
    const retries = await Promise.all(
      [1, 2].map(() => post(token, `/refunds/${refundId}/retry`, { note: "重新退款" })),
    );
    expect(retries.map((r) => r.status).sort(), JSON.stringify(retries.map((r) => r.body))).toEqual([200, 409]);
    const retried = retries.find((r) => r.status === 200);
    expect(retried?.body).toMatchObject({ status: "PROCESSING", note: "重新退款" });
    await refunded(refundId);

    const done = await refundRow(refundId);
    expect(done).toMatchObject({ status: "REFUNDED", payoutAttempt: 2 });
    expect(done?.providerRefundId).not.toBe(firstProviderRefund);
    // The provider was asked twice, under two keys: one failed refund, one that succeeded.
    const providerRefunds = await sandboxApi<{
      data: { id: string; status: string; metadata: Record<string, string> }[];
    }>("GET", "/refunds?limit=100");
    const mine = providerRefunds.body.data.filter((r) => r.metadata.refundId === refundId);
    expect(mine.map((r) => [r.status, r.metadata.payoutAttempt ?? "1"]).sort()).toEqual([
      ["failed", "1"],
      ["succeeded", "2"],
    ]);
    expect((await ledgerOf(refundId)).map((t) => [t.kind, t.sum])).toEqual([
      ["refund_owed", 0],
      ["refund_paid", 0],
    ]);
    // Every move of the refund is logged: two decisions, the provider's failure and its success.
    expect(await transitionsOf(refundId)).toEqual({ "status:PROCESSING": 2, "status:FAILED": 1, "status:REFUNDED": 1 });
    expect((await orderRefundState(order.orderId)).paymentStatus).toBe("PARTIALLY_REFUNDED");

    // Late events of the failed attempt: a failure changes nothing, a success is parked as a discrepancy.
    const lateFailure = await replayRefundUpdate(firstProviderRefund, "failed");
    expect(lateFailure).toMatchObject({ status: "applied" });
    expect(lateFailure?.note).toMatch(/attempt 1 failed/);
    const lateSuccess = await replayRefundUpdate(firstProviderRefund, "succeeded");
    expect(lateSuccess).toMatchObject({ status: "parked" });
    const discrepancy = await env.DB.prepare("select kind from payment_discrepancies where ref = ?")
      .bind(refundId)
      .first<{ kind: string }>();
    expect(discrepancy?.kind).toBe("refund_mismatch");
    expect(await refundStatusOf(refundId)).toBe("REFUNDED");
    expect((await ledgerOf(refundId)).map((t) => t.kind)).toEqual(["refund_owed", "refund_paid"]);

    // Nothing left to retry.
    expect((await post(token, `/refunds/${refundId}/retry`)).status).toBe(409);
  });
});
