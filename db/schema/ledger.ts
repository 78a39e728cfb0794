/**
 * The double-entry ledger (seed: 账户流水; SPEC §4.9). Append-only: a transaction is two or more
 * entries in integer minor units that sum to zero per currency; corrections are reversing
 * transactions, never updates; balances are derived from entries, never stored. Triggers (in the
 * migration) refuse UPDATE and DELETE on both tables.
 */
import { index, integer, sqliteTable, text } from "drizzle-orm/sqlite-core";

/** One movement of money between accounts: a payment, a refund, a reversal. */
export const ledgerTransactions = sqliteTable(
  "ledger_transactions",
  {
    id: text("id").primaryKey(),
    /** What happened, e.g. `payment.captured`, `refund.paid`, `reversal`. */
    kind: text("kind").notNull(),
    /** What it is about (a pay order, a refund, a payment), for lookups by operators and reconciliation. */
    ref: text("ref").notNull(),
    /** The fact it records exactly once (a provider event id, `reverse:<transaction id>`). */
    idempotencyKey: text("idempotency_key").notNull().unique(),
    /** The transaction this one reverses, if it is a correction. */
    reverses: text("reverses"),
    memo: text("memo"),
    createdAt: integer("created_at").notNull(),
  },
  (t) => [
    index("ledger_transactions_ref").on(t.ref, t.createdAt),
    index("ledger_transactions_created").on(t.createdAt),
  ],
);

/** One leg of a transaction: `amount` minor units to (positive, debit) or from (negative, credit) an account. */
export const ledgerEntries = sqliteTable(
  "ledger_entries",
  {
    id: integer("id").primaryKey({ autoIncrement: true }),
    transactionId: text("transaction_id")
      .notNull()
      .references(() => ledgerTransactions.id),
    /** An account code, `<kind>` or `<kind>:<owner>` (shared/ledger/accounts.ts). */
    account: text("account").notNull(),
    currency: text("currency").notNull(),
    amount: integer("amount").notNull(),
    createdAt: integer("created_at").notNull(),
  },
  (t) => [
    index("ledger_entries_transaction").on(t.transactionId),
    index("ledger_entries_account").on(t.account, t.currency),
  ],
);
