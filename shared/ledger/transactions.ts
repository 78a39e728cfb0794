/**
 * Posting to the ledger (TigerBeetle's and Formance's discipline):
 * - a transaction is at least two entries, each a non-zero integer of minor units, that sum to
 *   zero in every currency they use; checked here and again inside the batch that writes it;
 * - it records one fact exactly once: its idempotency key (a provider event id, say) is unique,
 *   so a redelivered event posts nothing the second time and answers the first posting;
 * - nothing is updated or deleted (D1 triggers refuse it); a correction is a reversing
 *   transaction with every entry negated, itself posted once per original;
 * - balances are sums of entries (`balances.ts`).
 */

import type { BatchItem } from "drizzle-orm/batch";
import { z } from "zod";
import type { Clock } from "../platform/clock";
import { type Db, isAssertionFailure, runBatch } from "../platform/db";
import { AppError } from "../platform/errors";
import { newId } from "../platform/ids";
import { currencySchema, type Money } from "../platform/money";
import { accountSchema } from "./accounts";
import * as repo from "./ledger-repo";

const entryInput = z
  .object({
    account: accountSchema,
    amount: z
      .number()
      .int()
      .refine(Number.isSafeInteger, "must be a safe integer")
      .refine((n) => n !== 0, "must not be zero"),
    currency: currencySchema,
  })
  .strict();

/** A transaction to post. */
export const transactionInput = z
  .object({
    kind: z.string().min(1).max(64),
    ref: z.string().min(1).max(128),
    idempotencyKey: z.string().min(1).max(200),
    memo: z.string().max(500).optional(),
    entries: z.array(entryInput).min(2, "a transaction has at least two entries").max(50),
  })
  .strict()
  .superRefine((tx, ctx) => {
    const sums = new Map<string, number>();
    for (const e of tx.entries) sums.set(e.currency, (sums.get(e.currency) ?? 0) + e.amount);
    for (const [currency, sum] of sums) {
      if (sum !== 0)
        ctx.addIssue({ code: "custom", path: ["entries"], message: `${currency} entries sum to ${sum}, not 0` });
    }
  });
export type TransactionInput = z.input<typeof transactionInput>;

/** A posted transaction as operators see it. */
export interface TransactionView {
  transactionId: string;
  kind: string;
  ref: string;
  reverses: string | null;
  memo: string | null;
  entries: { account: string; amount: Money }[];
  createdAt: string;
}

export interface PreparedPosting {
  /** The statements to put in the caller's batch. */
  statements: ReturnType<typeof repo.postStatements>;
  /** The id the transaction gets if this posting is the first for its idempotency key. */
  transactionId: string;
  idempotencyKey: string;
}

/**
 * Checks `input` and prepares its statements, for a batch that also changes what the money is
 * about (a pay order turning PAID and its payment posting commit together or not at all).
 */
export function preparePosting(db: Db, input: TransactionInput, now: number): PreparedPosting {
  const tx = transactionInput.parse(input);
  const id = newId("ledgerTransaction", now);
  const statements = repo.postStatements(db, {
    id,
    kind: tx.kind,
    ref: tx.ref,
    idempotencyKey: tx.idempotencyKey,
    reverses: null,
    memo: tx.memo ?? null,
    createdAt: now,
    entries: tx.entries,
  });
  return { statements, transactionId: id, idempotencyKey: tx.idempotencyKey };
}

/** Posts `input` on its own; a repeat of its idempotency key posts nothing and answers the first posting. */
export async function post(
  deps: { db: Db; clock: Clock },
  input: TransactionInput,
): Promise<{ posted: boolean; transaction: TransactionView }> {
  const prepared = preparePosting(deps.db, input, deps.clock.now());
  await runPosting(deps.db, prepared);
  return settled(deps.db, prepared);
}

/**
 * Posts `inputs` in one batch on their own, each once by its idempotency key, and answers each
 * key's ref: this posting's, or the earlier one's under that key. For a fact the ledger records
 * before the order shard it is about (a capture, shared/payments/apply-payment-event.ts): a retry
 * after a crash in between posts nothing and learns what the first attempt named.
 */
export async function postAll(db: Db, inputs: readonly TransactionInput[], now: number): Promise<Map<string, string>> {
  const prepared = inputs.map((input) => preparePosting(db, input, now));
  await runStatements(
    db,
    prepared.flatMap((p) => [...p.statements]),
    prepared.map((p) => p.transactionId).join(", "),
  );
  return repo.refsOfKeys(
    db,
    prepared.map((p) => p.idempotencyKey),
  );
}

/**
 * Posts the reversal of transaction `id` (every entry negated), once: reversing it again answers
 * the first reversal. A reversal itself cannot be reversed (post the original again under a new key).
 */
export async function reverse(
  deps: { db: Db; clock: Clock },
  id: string,
  memo: string,
): Promise<{ posted: boolean; transaction: TransactionView }> {
  const original = await repo.findTransaction(deps.db, id);
  if (!original) throw new AppError("not_found", { detail: `No ledger transaction ${id}` });
  if (original.reverses !== null) {
    throw new AppError("reversal_not_reversible", {
      detail: `${id} is itself a reversal (of ${original.reverses}); post a new transaction instead`,
      extensions: { transactionId: id, reverses: original.reverses },
    });
  }
  const entries = await repo.entriesOf(deps.db, [id]);
  const now = deps.clock.now();
  const reversalId = newId("ledgerTransaction", now);
  const idempotencyKey = `reverse:${id}`;
  const prepared: PreparedPosting = {
    transactionId: reversalId,
    idempotencyKey,
    statements: repo.postStatements(deps.db, {
      id: reversalId,
      kind: "reversal",
      ref: original.ref,
      idempotencyKey,
      reverses: id,
      memo,
      createdAt: now,
      entries: entries.map((e) => ({ account: e.account, currency: e.currency, amount: -e.amount })),
    }),
  };
  await runPosting(deps.db, prepared);
  return settled(deps.db, prepared);
}

async function runPosting(db: Db, prepared: PreparedPosting): Promise<void> {
  await runStatements(db, prepared.statements, prepared.transactionId);
}

async function runStatements(db: Db, statements: readonly BatchItem<"sqlite">[], transactionId: string): Promise<void> {
  try {
    await runBatch(db, [...statements]);
  } catch (err) {
    // The zod check makes this unreachable for input built here; it guards the batch itself.
    if (isAssertionFailure(err)) {
      throw new AppError("unbalanced_entries", {
        detail: `The entries of ledger transaction ${transactionId} must sum to zero per currency`,
        extensions: { transactionId },
      });
    }
    throw err;
  }
}

/** What a posting ended as: this one (posted) or the earlier one under the same key. */
async function settled(db: Db, prepared: PreparedPosting): Promise<{ posted: boolean; transaction: TransactionView }> {
  const row = await repo.findByIdempotencyKey(db, prepared.idempotencyKey);
  if (!row) throw new Error(`ledger posting ${prepared.idempotencyKey} left no transaction`);
  const [view] = await viewsOf(db, [row]);
  if (!view) throw new Error(`ledger transaction ${row.id} has no view`);
  return { posted: row.id === prepared.transactionId, transaction: view };
}

/** Views of transaction rows with their entries. */
export async function viewsOf(db: Db, rows: repo.TransactionRow[]): Promise<TransactionView[]> {
  const entries = await repo.entriesOf(
    db,
    rows.map((r) => r.id),
  );
  return rows.map((r) => ({
    transactionId: r.id,
    kind: r.kind,
    ref: r.ref,
    reverses: r.reverses,
    memo: r.memo,
    entries: entries
      .filter((e) => e.transactionId === r.id)
      .map((e) => ({ account: e.account, amount: { amount: e.amount, currency: e.currency as Money["currency"] } })),
    createdAt: new Date(r.createdAt).toISOString(),
  }));
}
