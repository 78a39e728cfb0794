/**
 * Reconciliation finds each planted mismatch (issue #13): a correctly signed event with a forged
 * amount, a provider success whose webhook never came, a payment we recorded that the provider
 * never took, a refund our books say went out that the provider never paid, and an unbalanced
 * ledger transaction; and resolves what is fixed.
 */
import { env } from "cloudflare:test";
import { afterEach, describe, expect, it } from "vitest";
import { signPayload } from "../../shared/payments/signature";
import { newId } from "../../shared/platform/ids";
import { operatorToken } from "../helpers/catalog";
import { call, json } from "../helpers/http";
import { orderD1 } from "../helpers/order-d1";
import { eventually, pay, payOrderOf, settle, unpaidOrder } from "../helpers/payments";
import { act, calm, SANDBOX_WEBHOOK_SECRET, sandbox } from "../helpers/sandbox";

afterEach(async () => {
  await calm();
  await settle();
});

interface Discrepancy {
  discrepancyId: string;
  kind: string;
  ref: string;
  expected: unknown;
  actual: unknown;
  runId: string | null;
  resolvedAt: string | null;
}

async function runReconciliation(): Promise<{ status: string; summary: Record<string, number> | null }> {
  const token = await operatorToken();
  const started = await json<{ runId: string }>(
    await call("POST", "/admin/v1/reconciliation/runs", { token, body: { settleSeconds: 0 } }),
  );
  expect(started.status, JSON.stringify(started.body)).toBe(202);
  const run = await eventually(
    async () =>
      json<{ status: string; summary: Record<string, number> | null }>(
        await call("GET", `/admin/v1/reconciliation/runs/${started.body.runId}`, { token }),
      ),
    (r) => r.body.status !== "running",
    "reconciliation run",
  );
  expect(run.body.status, JSON.stringify(run.body)).toBe("completed");
  return run.body;
}

async function discrepancies(): Promise<Discrepancy[]> {
  const res = await json<{ items: Discrepancy[] }>(
    await call("GET", "/admin/v1/reconciliation/discrepancies?limit=100", { token: await operatorToken() }),
  );
  expect(res.status, JSON.stringify(res.body)).toBe(200);
  return res.body.items;
}

const openFor = (items: Discrepancy[], kind: string, ref: string) =>
  items.filter((d) => d.kind === kind && d.ref === ref && d.resolvedAt === null);

describe("reconciliation", () => {
  it("a correctly signed success with a forged amount marks nothing paid; it is a discrepancy the run keeps reporting", async () => {
    const order = await unpaidOrder();
    const started = await pay(order.shopper, order.payOrderId);
    const body = JSON.stringify({
      id: `evt_forged_${newId("event").slice(4)}`,
      object: "event",
      type: "payment_intent.succeeded",
      created: Math.floor(Date.now() / 1000),
      data: {
        object: {
          id: "pi_forged",
          object: "payment_intent",
          amount: 1,
          currency: "cny",
          status: "succeeded",
          metadata: { paymentId: started.body.paymentId, payOrderId: order.payOrderId },
        },
      },
    });
    const delivered = await call("POST", "/webhooks/payments/sandbox", {
      rawBody: body,
      headers: { "stripe-signature": await signPayload(body, SANDBOX_WEBHOOK_SECRET, Date.now()) },
    });
    expect(delivered.status).toBe(200);
    const parked = await eventually(
      () =>
        env.DB.prepare("select status, note from payment_provider_events where payload = ?")
          .bind(body)
          .first<{ status: string; note: string }>(),
      (row) => row?.status === "parked",
      "forged event",
    );
    expect(parked?.note).toMatch(/^amount_mismatch/);
    const view = await payOrderOf(order.shopper, order.payOrderId);
    expect(view.body.paymentStatus).toBe("PENDING");
    expect(view.body.payments[0]?.status).toBe("PENDING");
    expect(openFor(await discrepancies(), "amount_mismatch", started.body.paymentId)).toHaveLength(1);

    await runReconciliation();
    const after = openFor(await discrepancies(), "amount_mismatch", started.body.paymentId);
    expect(after, "still open after the run").toHaveLength(1);
  });

  it("finds a success the provider took whose webhook never came, and resolves it once the webhook is applied", async () => {
    const order = await unpaidOrder();
    const started = await pay(order.shopper, order.payOrderId);
    expect((await sandbox("POST", "/chaos", { duplicates: 0, delayMs: 60_000, shuffle: false })).status).toBe(200);
    await act(started.body.paymentId, "succeed");
    await runReconciliation();
    expect(openFor(await discrepancies(), "paid_not_recorded", started.body.paymentId)).toHaveLength(1);

    await calm();
    await settle();
    await eventually(
      () => payOrderOf(order.shopper, order.payOrderId),
      (v) => v.body.paymentStatus === "PAID",
      "paid",
    );
    await runReconciliation();
    const all = await discrepancies();
    expect(openFor(all, "paid_not_recorded", started.body.paymentId)).toHaveLength(0);
    expect(
      all.find((d) => d.kind === "paid_not_recorded" && d.ref === started.body.paymentId)?.resolvedAt,
    ).not.toBeNull();
  });

  it("finds a payment recorded as paid that the provider never took", async () => {
    const order = await unpaidOrder();
    const started = await pay(order.shopper, order.payOrderId);
    // Planted: our row says SUCCEEDED while the provider's intent still waits for the shopper.
    await (await orderD1(order.payOrderId))
      .prepare("update payments set status = 'SUCCEEDED' where id = ?")
      .bind(started.body.paymentId)
      .run();
    await runReconciliation();
    const found = openFor(await discrepancies(), "recorded_not_paid", started.body.paymentId);
    expect(found).toHaveLength(1);
    expect(found[0]?.actual).toMatchObject({ status: "pending" });
  });

  it("finds a refund our books say went out that the provider never paid", async () => {
    const order = await unpaidOrder();
    const started = await pay(order.shopper, order.payOrderId);
    await act(started.body.paymentId, "succeed");
    await settle();
    await eventually(
      () => payOrderOf(order.shopper, order.payOrderId),
      (v) => v.body.paymentStatus === "PAID",
      "paid",
    );
    const refundId = newId("refund");
    const now = Date.now();
    // Planted: a refund marked REFUNDED that was never asked of the provider.
    await (await orderD1(order.payOrderId))
      .prepare(
        `insert into refunds (id, order_id, pay_order_id, payment_id, reason, status, amount, currency, created_at, updated_at)
       values (?, ?, ?, ?, 'requested_by_customer', 'REFUNDED', 100, 'CNY', ?, ?)`,
      )
      .bind(refundId, order.orderIds[0], order.payOrderId, started.body.paymentId, now, now)
      .run();
    await runReconciliation();
    expect(openFor(await discrepancies(), "refund_mismatch", refundId)).toHaveLength(1);
  });

  it("finds a ledger transaction whose entries do not sum to zero", async () => {
    const id = newId("ledgerTransaction");
    const now = Date.now();
    // Planted past every check the ledger's own code makes (only a raw INSERT can do this).
    await env.DB.batch([
      env.DB.prepare(
        "insert into ledger_transactions (id, kind, ref, idempotency_key, created_at) values (?, 'planted', 'planted', ?, ?)",
      ).bind(id, `planted:${id}`, now),
      env.DB.prepare(
        "insert into ledger_entries (transaction_id, account, amount, currency, created_at) values (?, 'platform_escrow', 5, 'CNY', ?)",
      ).bind(id, now),
    ]);
    const run = await runReconciliation();
    expect(openFor(await discrepancies(), "ledger_unbalanced", id)).toHaveLength(1);
    expect(run.summary?.found).toBeGreaterThanOrEqual(1);
  });

  it("is for operators only", async () => {
    const order = await unpaidOrder();
    const res = await call("POST", "/admin/v1/reconciliation/runs", { token: order.seller.token, body: {} });
    expect(res.status).toBe(403);
  });
});
