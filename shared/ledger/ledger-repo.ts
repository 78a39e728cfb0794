/** Storage of the ledger in D1. Only this module touches `ledger_transactions` and `ledger_entries`. */
import { and, asc, desc, eq, gt, inArray, or, sql } from "drizzle-orm";
import { ledgerEntries, ledgerTransactions } from "../../db/schema";
import { olderThan } from "../platform/cursor";
import { readChunks } from "../platform/d1-chunks";
import { assertExists, type Db } from "../platform/db";

export type TransactionRow = typeof ledgerTransactions.$inferSelect;
export type EntryRow = typeof ledgerEntries.$inferSelect;

export interface NewTransaction {
  id: string;
  kind: string;
  ref: string;
  idempotencyKey: string;
  reverses: string | null;
  memo: string | null;
  createdAt: number;
  entries: { account: string; currency: string; amount: number }[];
}

/**
 * The statements that post `tx`, for the caller's own D1 batch (so a state change and its money
 * movement commit together). A second post of the same idempotency key inserts nothing: its
 * entries are written only if its own transaction row was. The last statement aborts the batch
 * if the entries of `tx` do not sum to zero per currency (a guard behind the zod check).
 */
export function postStatements(db: Db, tx: NewTransaction) {
  const { entries, ...row } = tx;
  return [
    db.insert(ledgerTransactions).values(row).onConflictDoNothing({ target: ledgerTransactions.idempotencyKey }),
    // INSERT ... SELECT from the transaction's own row: no row (a duplicate), no entries.
    ...entries.map((e) =>
      db.insert(ledgerEntries).select(
        db
          .select({
            // NULL into the INTEGER PRIMARY KEY takes the next id (drizzle wants every column, in order).
            id: sql<number>`NULL`.as("id"),
            transactionId: ledgerTransactions.id,
            account: sql<string>`${e.account}`.as("account"),
            currency: sql<string>`${e.currency}`.as("currency"),
            amount: sql<number>`${e.amount}`.as("amount"),
            createdAt: ledgerTransactions.createdAt,
          })
          .from(ledgerTransactions)
          .where(eq(ledgerTransactions.id, tx.id)),
      ),
    ),
    assertExists(
      db,
      sql`SELECT 1 WHERE NOT EXISTS (SELECT 1 FROM ledger_entries WHERE transaction_id = ${tx.id} GROUP BY currency HAVING sum(amount) != 0)`,
    ),
  ] as const;
}

export async function findByIdempotencyKey(db: Db, key: string): Promise<TransactionRow | undefined> {
  return db.query.ledgerTransactions.findFirst({ where: eq(ledgerTransactions.idempotencyKey, key) });
}

/** The idempotency keys among `keys` that have a transaction (chunked under D1's parameter cap). */
export async function existingIdempotencyKeys(db: Db, keys: readonly string[]): Promise<string[]> {
  const rows = await readChunks(keys, (chunk) =>
    db
      .select({ key: ledgerTransactions.idempotencyKey })
      .from(ledgerTransactions)
      .where(inArray(ledgerTransactions.idempotencyKey, chunk)),
  );
  return rows.map((r) => r.key);
}

/** The ref of each of `keys` that has a transaction, by key (chunked under D1's parameter cap). */
export async function refsOfKeys(db: Db, keys: readonly string[]): Promise<Map<string, string>> {
  const rows = await readChunks(keys, (chunk) =>
    db
      .select({ key: ledgerTransactions.idempotencyKey, ref: ledgerTransactions.ref })
      .from(ledgerTransactions)
      .where(inArray(ledgerTransactions.idempotencyKey, chunk)),
  );
  return new Map(rows.map((r) => [r.key, r.ref]));
}

export async function findTransaction(db: Db, id: string): Promise<TransactionRow | undefined> {
  return db.query.ledgerTransactions.findFirst({ where: eq(ledgerTransactions.id, id) });
}

/** Entries of the given transactions, in posting order. */
export async function entriesOf(db: Db, transactionIds: string[]): Promise<EntryRow[]> {
  const rows = await readChunks(transactionIds, (ids) =>
    db.select().from(ledgerEntries).where(inArray(ledgerEntries.transactionId, ids)),
  );
  return rows.sort((a, b) => a.id - b.id);
}

/** Transactions, newest first, optionally about one `ref`, before a (createdAt, id) cursor. */
export async function listTransactions(
  db: Db,
  query: { ref?: string | undefined; limit: number; before?: { createdAt: number; id: string } | undefined },
): Promise<TransactionRow[]> {
  const { before } = query;
  return db
    .select()
    .from(ledgerTransactions)
    .where(
      and(
        query.ref === undefined ? undefined : eq(ledgerTransactions.ref, query.ref),
        olderThan(ledgerTransactions.createdAt, ledgerTransactions.id, before),
      ),
    )
    .orderBy(desc(ledgerTransactions.createdAt), desc(ledgerTransactions.id))
    .limit(query.limit);
}

/** Balances per account and currency (sum of entries), in account order, after an (account, currency) cursor. */
export async function balances(
  db: Db,
  query: {
    accountPrefix?: string | undefined;
    limit: number;
    after?: { account: string; currency: string } | undefined;
  },
): Promise<{ account: string; currency: string; balance: number }[]> {
  const { after } = query;
  return db
    .select({
      account: ledgerEntries.account,
      currency: ledgerEntries.currency,
      balance: sql<number>`sum(${ledgerEntries.amount})`.mapWith(Number),
    })
    .from(ledgerEntries)
    .where(
      and(
        query.accountPrefix === undefined
          ? undefined
          : sql`substr(${ledgerEntries.account}, 1, ${query.accountPrefix.length}) = ${query.accountPrefix}`,
        after === undefined
          ? undefined
          : or(
              gt(ledgerEntries.account, after.account),
              and(eq(ledgerEntries.account, after.account), gt(ledgerEntries.currency, after.currency)),
            ),
      ),
    )
    .groupBy(ledgerEntries.account, ledgerEntries.currency)
    .orderBy(asc(ledgerEntries.account), asc(ledgerEntries.currency))
    .limit(query.limit);
}

/** Transactions whose entries do not sum to zero in some currency (reconciliation's `ledger_unbalanced`). */
export async function unbalancedTransactions(
  db: Db,
  limit = 100,
): Promise<{ transactionId: string; currency: string; sum: number }[]> {
  return db
    .select({
      transactionId: ledgerEntries.transactionId,
      currency: ledgerEntries.currency,
      sum: sql<number>`sum(${ledgerEntries.amount})`.mapWith(Number),
    })
    .from(ledgerEntries)
    .groupBy(ledgerEntries.transactionId, ledgerEntries.currency)
    .having(sql`sum(${ledgerEntries.amount}) != 0`)
    .limit(limit);
}

/** The balance (sum of entries) of one account in one currency; 0 for an account with no entries. */
export async function accountBalance(db: Db, account: string, currency: string): Promise<number> {
  const [row] = await accountBalanceQuery(db, account, currency);
  return row?.balance ?? 0;
}

/** The statement behind `accountBalance` (one row, `balance`), for a caller's batch. */
export function accountBalanceQuery(db: Db, account: string, currency: string) {
  return db
    .select({ balance: sql<number>`coalesce(sum(${ledgerEntries.amount}), 0)`.mapWith(Number) })
    .from(ledgerEntries)
    .where(and(eq(ledgerEntries.account, account), eq(ledgerEntries.currency, currency)));
}

/**
 * A statement that aborts its batch when the balance of `account` in `currency` is above `max`
 * (after the batch's earlier postings): a credit-normal account (a shopper's coins) that must
 * not be overdrawn is kept at or below 0. D1 runs batches one at a time, so two postings racing
 * cannot both pass.
 */
export function assertBalanceAtMost(db: Db, account: string, currency: string, max: number) {
  return assertExists(
    db,
    sql`SELECT 1 WHERE (SELECT coalesce(sum(amount), 0) FROM ledger_entries WHERE account = ${account} AND currency = ${currency}) <= ${max}`,
  );
}

/** One account's entries with their transactions, newest first, before a (createdAt, id) cursor. */
export async function accountEntries(
  db: Db,
  query: { account: string; currency: string; limit: number; before?: { createdAt: number; id: string } | undefined },
): Promise<{ id: string; amount: number; kind: string; ref: string; memo: string | null; createdAt: number }[]> {
  const rows = await db
    .select({
      entryId: ledgerEntries.id,
      amount: ledgerEntries.amount,
      kind: ledgerTransactions.kind,
      ref: ledgerTransactions.ref,
      memo: ledgerTransactions.memo,
      createdAt: ledgerEntries.createdAt,
    })
    .from(ledgerEntries)
    .innerJoin(ledgerTransactions, eq(ledgerTransactions.id, ledgerEntries.transactionId))
    .where(
      and(
        eq(ledgerEntries.account, query.account),
        eq(ledgerEntries.currency, query.currency),
        query.before === undefined
          ? undefined
          : or(
              sql`${ledgerEntries.createdAt} < ${query.before.createdAt}`,
              and(
                eq(ledgerEntries.createdAt, query.before.createdAt),
                sql`${ledgerEntries.id} < ${Number(query.before.id)}`,
              ),
            ),
      ),
    )
    .orderBy(desc(ledgerEntries.createdAt), desc(ledgerEntries.id))
    .limit(query.limit);
  return rows.map(({ entryId, ...r }) => ({ ...r, id: String(entryId) }));
}
