/** Reading the books: balances derived from entries, transactions by what they are about, and the checks reconciliation runs. */
import { z } from "zod";
import { createdCursorSchema, decodeCursor, encodeCursor, pageOf } from "../platform/cursor";
import type { Db } from "../platform/db";
import type { Money } from "../platform/money";
import * as repo from "./ledger-repo";
import { type TransactionView, viewsOf } from "./transactions";

const balanceCursor = z.object({ account: z.string(), currency: z.string() });

/** Balances per account and currency, in account order; `account` filters by code prefix (`seller_payable:`). */
export async function listBalances(
  db: Db,
  query: { account?: string | undefined; limit: number; cursor?: string | undefined },
): Promise<{ items: { account: string; balance: Money }[]; nextCursor: string | null }> {
  const rows = await repo.balances(db, {
    accountPrefix: query.account,
    limit: query.limit + 1,
    after: query.cursor ? decodeCursor(balanceCursor, query.cursor) : undefined,
  });
  const page = rows.slice(0, query.limit);
  const last = page.at(-1);
  return {
    items: page.map((r) => ({
      account: r.account,
      balance: { amount: r.balance, currency: r.currency as Money["currency"] },
    })),
    nextCursor:
      rows.length > query.limit && last ? encodeCursor({ account: last.account, currency: last.currency }) : null,
  };
}

/** Transactions newest first, optionally about one `ref` (a pay order, a refund). */
export async function listTransactions(
  db: Db,
  query: { ref?: string | undefined; limit: number; cursor?: string | undefined },
): Promise<{ items: TransactionView[]; nextCursor: string | null }> {
  const rows = await repo.listTransactions(db, {
    ref: query.ref,
    limit: query.limit + 1,
    before: query.cursor ? decodeCursor(createdCursorSchema, query.cursor) : undefined,
  });
  const page = pageOf(rows, query.limit, (row) => row);
  return { items: await viewsOf(db, page.items), nextCursor: page.nextCursor };
}

/** Transactions whose entries do not sum to zero: never expected; reconciliation reports each. */
export function unbalancedTransactions(db: Db, limit?: number) {
  return repo.unbalancedTransactions(db, limit);
}

/** Which of `keys` have been posted (one transaction each): reconciliation's check that a fact reached the books. */
export async function postedKeys(db: Db, keys: readonly string[]): Promise<Set<string>> {
  return new Set(await repo.existingIdempotencyKeys(db, keys));
}
