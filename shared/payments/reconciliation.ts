/**
 * Reconciliation (资损体系: find a loss while it is happening, not at month end). A run compares,
 * for records created in its window and older than a settling margin (webhooks still in flight
 * are not mismatches):
 * - each provider's payments with ours: paid there but not here (`paid_not_recorded`), paid here
 *   but not there (`recorded_not_paid`), different amounts (`amount_mismatch`);
 * - each provider's refunds with ours (`refund_mismatch`);
 * - our own rows with each other: a SUCCEEDED payment without its ledger capture, a PAID pay order
 *   with no SUCCEEDED payment, events parked for a forged amount or an unknown payment;
 * - the ledger itself: transactions whose entries do not sum to zero (`ledger_unbalanced`).
 * Each finding is one open discrepancy per kind and ref; an open one this run no longer finds is
 * resolved (its cause was fixed).
 */
import { and, eq, gte, inArray, isNull, lt } from "drizzle-orm";
import { z } from "zod";
import { paymentDiscrepancies, paymentProviderEvents, payments, reconciliationRuns, refunds } from "../../db/schema";
import { postedKeys, unbalancedTransactions } from "../ledger/books";
import { inSlots, type OrderStore, slotOfNumber } from "../orders/order-store";
import { paidPayOrdersBetween } from "../orders/payment-status";
import type { Clock } from "../platform/clock";
import { inChunks } from "../platform/d1-chunks";
import { type Db, runBatch } from "../platform/db";
import { AppError } from "../platform/errors";
import { newId } from "../platform/ids";
import { errorFields, type Logger } from "../platform/logger";
import type { PaymentAdapters } from "./adapters";
import { type Finding, recordStatement } from "./discrepancies";
import { succeededPaymentsOf } from "./payments-repo";
import type { ProviderPage } from "./provider";

export interface ReconcileDeps {
  /** The commerce database: runs, discrepancies, the ledger, the provider-event inbox. */
  db: Db;
  /** The order shards, where payments, pay orders and refunds live (each read where it is routed). */
  orders: OrderStore;
  clock: Clock;
  adapters: PaymentAdapters;
  log: Logger;
}

export const startRunBody = z
  .object({
    sinceHours: z
      .number()
      .int()
      .min(1)
      .max(24 * 90)
      .default(24 * 7)
      .describe("Compare records created this far back"),
    settleSeconds: z
      .number()
      .int()
      .min(0)
      .max(3600)
      .default(300)
      .describe("Leave out records younger than this: their webhooks may still be on the way"),
  })
  .strict();
export type StartRunBody = z.infer<typeof startRunBody>;

export const runSchema = z.object({
  runId: z.string(),
  status: z.enum(["running", "completed", "failed"]),
  trigger: z.string(),
  since: z.string(),
  summary: z.record(z.string(), z.number()).nullable(),
  error: z.string().nullable(),
  startedAt: z.string(),
  finishedAt: z.string().nullable(),
});

const MAX_PAGES = 100;

/** Writes a running run and answers its id; `runReconciliation` does the work (now, or in waitUntil). */
export async function startRun(deps: ReconcileDeps, trigger: string, body: StartRunBody) {
  const now = deps.clock.now();
  const id = newId("reconciliationRun", now);
  await deps.db.insert(reconciliationRuns).values({
    id,
    status: "running",
    trigger,
    since: now - body.sinceHours * 3_600_000,
    startedAt: now,
  });
  return { runId: id, until: now - body.settleSeconds * 1000 };
}

export async function getRun(db: Db, runId: string): Promise<z.infer<typeof runSchema>> {
  const row = await db.query.reconciliationRuns.findFirst({ where: eq(reconciliationRuns.id, runId) });
  if (!row) throw new AppError("not_found", { detail: `No reconciliation run ${runId}` });
  const iso = (ms: number | null) => (ms === null ? null : new Date(ms).toISOString());
  return {
    runId: row.id,
    status: row.status,
    trigger: row.trigger,
    since: new Date(row.since).toISOString(),
    summary: row.summary ? (JSON.parse(row.summary) as Record<string, number>) : null,
    error: row.error,
    startedAt: new Date(row.startedAt).toISOString(),
    finishedAt: iso(row.finishedAt),
  };
}

/** Every page of a provider list, newest first, down to `since`. */
async function allOf<T>(list: (cursor: string | null) => Promise<ProviderPage<T>>): Promise<T[]> {
  const items: T[] = [];
  let cursor: string | null = null;
  for (let page = 0; page < MAX_PAGES; page++) {
    const result: ProviderPage<T> = await list(cursor);
    items.push(...result.items);
    if (!result.nextCursor) break;
    cursor = result.nextCursor;
  }
  return items;
}

/** Runs `runId` over records created in `[since, until)`; records its findings and resolves the rest. */
export async function runReconciliation(deps: ReconcileDeps, runId: string, until: number): Promise<void> {
  const run = await deps.db.query.reconciliationRuns.findFirst({ where: eq(reconciliationRuns.id, runId) });
  if (run?.status !== "running") return;
  try {
    const { findings, summary } = await compare(deps, run.since, until);
    const now = deps.clock.now();
    const found = new Set(findings.map((f) => `${f.kind}\n${f.ref}`));
    const open = await deps.db
      .select({ id: paymentDiscrepancies.id, kind: paymentDiscrepancies.kind, ref: paymentDiscrepancies.ref })
      .from(paymentDiscrepancies)
      .where(isNull(paymentDiscrepancies.resolvedAt));
    const resolved = open.filter((d) => !found.has(`${d.kind}\n${d.ref}`)).map((d) => d.id);
    const statements = [
      ...findings.map((f) => recordStatement(deps.db, f, now, runId)),
      ...inChunks(resolved, (ids) =>
        deps.db
          .update(paymentDiscrepancies)
          .set({ resolvedAt: now })
          .where(and(inArray(paymentDiscrepancies.id, ids), isNull(paymentDiscrepancies.resolvedAt))),
      ),
      deps.db
        .update(reconciliationRuns)
        .set({
          status: "completed",
          summary: JSON.stringify({ ...summary, found: findings.length, resolved: resolved.length }),
          finishedAt: now,
        })
        .where(eq(reconciliationRuns.id, runId)),
    ];
    await runBatch(deps.db, statements);
    if (findings.length > 0) {
      deps.log.error("reconciliation found discrepancies", {
        alert: "reconciliation_discrepancies",
        runId,
        kinds: [...new Set(findings.map((f) => f.kind))],
        count: findings.length,
      });
    }
  } catch (err) {
    deps.log.error("reconciliation run failed", { runId, ...errorFields(err) });
    await deps.db
      .update(reconciliationRuns)
      .set({ status: "failed", error: "the run failed; see the logs", finishedAt: deps.clock.now() })
      .where(eq(reconciliationRuns.id, runId));
  }
}

async function compare(deps: ReconcileDeps, since: number, until: number) {
  const { db } = deps;
  const inWindow = (at: number) => at >= since && at < until;
  const findings: Finding[] = [];
  const summary: Record<string, number> = {};

  const routed = await deps.orders.routed();
  const ours = (
    await Promise.all(
      routed.map(({ shard, slots }) =>
        shard.db
          .select()
          .from(payments)
          .where(
            and(gte(payments.createdAt, since), lt(payments.createdAt, until), inSlots(payments.payOrderId, slots)),
          ),
      ),
    )
  ).flat();
  const ourRefunds = (
    await Promise.all(
      routed.map(({ shard, slots }) =>
        shard.db
          .select({ refund: refunds, provider: payments.provider })
          .from(refunds)
          .innerJoin(payments, eq(payments.id, refunds.paymentId))
          .where(and(gte(refunds.createdAt, since), lt(refunds.createdAt, until), inSlots(refunds.payOrderId, slots))),
      ),
    )
  ).flat();
  summary.payments = ours.length;
  summary.refunds = ourRefunds.length;

  for (const [provider, adapter] of Object.entries(deps.adapters)) {
    const theirs = (await allOf((cursor) => adapter.listPayments({ since, cursor }))).filter((p) =>
      inWindow(p.createdAt),
    );
    summary[`${provider}Payments`] = theirs.length;
    const byPaymentId = new Map(theirs.filter((p) => p.paymentId).map((p) => [p.paymentId as string, p]));
    for (const p of theirs) {
      const mine = p.paymentId ? ours.find((o) => o.id === p.paymentId) : undefined;
      if (p.status === "succeeded" && mine?.status !== "SUCCEEDED") {
        findings.push({
          kind: "paid_not_recorded",
          ref: p.paymentId ?? p.providerPaymentId,
          expected: { status: "SUCCEEDED", amount: p.amount },
          actual: { status: mine?.status ?? null },
        });
      } else if (p.status === "succeeded" && mine && p.amount.amount !== mine.amount) {
        findings.push({
          kind: "amount_mismatch",
          ref: mine.id,
          expected: { amount: mine.amount, currency: mine.currency },
          actual: p.amount,
        });
      }
    }
    for (const mine of ours.filter((o) => o.provider === provider && o.status === "SUCCEEDED")) {
      const p = byPaymentId.get(mine.id);
      if (p?.status !== "succeeded") {
        findings.push({
          kind: "recorded_not_paid",
          ref: mine.id,
          expected: { status: "succeeded", amount: { amount: mine.amount, currency: mine.currency } },
          actual: { status: p?.status ?? null },
        });
      }
    }
    const theirRefunds = (await allOf((cursor) => adapter.listRefunds({ since, cursor }))).filter((r) =>
      inWindow(r.createdAt),
    );
    summary[`${provider}Refunds`] = theirRefunds.length;
    for (const { refund } of ourRefunds.filter((r) => r.provider === provider)) {
      const r = theirRefunds.find((t) => t.refundId === refund.id);
      const paidThere = r?.status === "succeeded";
      const paidHere = refund.status === "REFUNDED";
      if (paidThere !== paidHere || (r && paidThere && r.amount.amount !== refund.amount)) {
        findings.push({
          kind: "refund_mismatch",
          ref: refund.id,
          expected: { status: refund.status, amount: refund.amount },
          actual: { status: r?.status ?? null, amount: r?.amount.amount ?? null },
        });
      }
    }
    for (const r of theirRefunds.filter(
      (t) => t.status === "succeeded" && !ourRefunds.some((o) => o.refund.id === t.refundId),
    )) {
      findings.push({
        kind: "refund_mismatch",
        ref: r.refundId ?? r.providerRefundId,
        expected: { status: null },
        actual: { status: r.status, amount: r.amount.amount },
      });
    }
  }

  findings.push(...(await internalFindings(db, routed, ours, since, until)));
  for (const tx of await unbalancedTransactions(db)) {
    findings.push({ kind: "ledger_unbalanced", ref: tx.transactionId, expected: { sum: 0 }, actual: { sum: tx.sum } });
  }
  return { findings, summary };
}

/** Our own rows against each other: payments, pay orders, the ledger and the inbox. */
async function internalFindings(
  db: Db,
  routed: Awaited<ReturnType<OrderStore["routed"]>>,
  ours: (typeof payments.$inferSelect)[],
  since: number,
  until: number,
) {
  const findings: Finding[] = [];
  const succeeded = ours.filter((o) => o.status === "SUCCEEDED");
  const captures = await postedKeys(
    db,
    succeeded.map((o) => `payment:${o.id}:captured`),
  );
  for (const o of succeeded.filter((p) => !captures.has(`payment:${p.id}:captured`))) {
    findings.push({
      kind: "paid_not_recorded",
      ref: o.id,
      expected: { ledger: "payment_captured", amount: o.amount },
      actual: { ledger: null },
    });
  }
  // Pay orders and their payments share a shard: each shard's paid pay orders against its payments.
  const paidWithoutPayment = (
    await Promise.all(
      routed.map(async ({ shard, slots }) => {
        const paid = (await paidPayOrdersBetween(shard.db, since, until)).filter(
          (p) => slots === "all" || slots.includes(slotOfNumber(p.id) ?? -1),
        );
        const withSuccess = new Set(
          (
            await succeededPaymentsOf(
              shard.db,
              paid.map((p) => p.id),
            )
          ).map((p) => p.payOrderId),
        );
        return paid.filter((p) => !withSuccess.has(p.id));
      }),
    )
  ).flat();
  for (const p of paidWithoutPayment) {
    findings.push({
      kind: "recorded_not_paid",
      ref: p.id,
      expected: { payment: "SUCCEEDED" },
      actual: { payment: null },
    });
  }
  const parked = await db
    .select({
      eventId: paymentProviderEvents.eventId,
      type: paymentProviderEvents.type,
      note: paymentProviderEvents.note,
      payload: paymentProviderEvents.payload,
    })
    .from(paymentProviderEvents)
    .where(
      and(
        eq(paymentProviderEvents.status, "parked"),
        gte(paymentProviderEvents.receivedAt, since),
        lt(paymentProviderEvents.receivedAt, until),
      ),
    );
  for (const e of parked) {
    const object = (
      JSON.parse(e.payload) as { data?: { object?: { amount?: unknown; metadata?: { paymentId?: unknown } } } }
    ).data?.object;
    if (e.note?.startsWith("amount_mismatch")) {
      findings.push({
        kind: "amount_mismatch",
        ref: String(object?.metadata?.paymentId ?? e.eventId),
        expected: { note: e.note },
        actual: { event: e.eventId, amount: object?.amount ?? null },
      });
    } else if (e.type === "payment_intent.succeeded") {
      findings.push({
        kind: "paid_not_recorded",
        ref: e.eventId,
        expected: { payment: "known" },
        actual: { note: e.note },
      });
    }
  }
  return findings;
}

/** How often the events cron starts a run. */
export const RECONCILE_EVERY_MS = 60 * 60_000;

/** The cron's reconciliation: a run with the defaults when none started in the last hour; answers runs made (0 or 1). */
export async function reconcileIfDue(deps: ReconcileDeps): Promise<number> {
  const now = deps.clock.now();
  const recent = await deps.db.query.reconciliationRuns.findFirst({
    columns: { id: true },
    where: gte(reconciliationRuns.startedAt, now - RECONCILE_EVERY_MS),
  });
  if (recent) return 0;
  const { runId, until } = await startRun(deps, "cron", startRunBody.parse({}));
  await runReconciliation(deps, runId, until);
  return 1;
}
