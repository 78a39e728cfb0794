/**
 * The SandboxProvider object's payment records (sandbox-provider.ts): payment intents, refunds and
 * idempotency keys, with every statement on them. Callers run writes inside `transactionSync`.
 *
 * `seq` gives each intent and refund its place in creation order, so Stripe's lists (newest first,
 * `starting_after` an id) page by seq and never skip or repeat a row created in between. The
 * webhook outbox and its delivery log are in sandbox-deliveries.ts, top-ups in sandbox-topups.ts.
 */
import type {
  CancellationReason,
  IntentStatus,
  ListQuery,
  ListRefundsQuery,
  PaymentIntentView,
  RefundView,
} from "../shared/sandbox/schemas";

const SCHEMA = `
  CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
  CREATE TABLE IF NOT EXISTS idempotency (
    key TEXT PRIMARY KEY,
    fingerprint TEXT NOT NULL,
    result TEXT NOT NULL,
    created_ms INTEGER NOT NULL
  );
  CREATE TABLE IF NOT EXISTS intents (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    id TEXT NOT NULL UNIQUE,
    payment_id TEXT NOT NULL,
    amount INTEGER NOT NULL CHECK (amount > 0),
    currency TEXT NOT NULL,
    status TEXT NOT NULL CHECK (status IN ('requires_action', 'requires_payment_method', 'succeeded', 'canceled')),
    metadata TEXT NOT NULL,
    description TEXT,
    return_url TEXT NOT NULL,
    declined INTEGER NOT NULL DEFAULT 0,
    canceled_at INTEGER,
    cancellation_reason TEXT,
    created INTEGER NOT NULL
  );
  CREATE INDEX IF NOT EXISTS intents_payment ON intents (payment_id, seq);
  CREATE TABLE IF NOT EXISTS refunds (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    id TEXT NOT NULL UNIQUE,
    payment_intent TEXT NOT NULL,
    amount INTEGER NOT NULL CHECK (amount > 0),
    currency TEXT NOT NULL,
    status TEXT NOT NULL CHECK (status IN ('pending', 'succeeded', 'failed', 'canceled')),
    reason TEXT,
    metadata TEXT NOT NULL,
    created INTEGER NOT NULL,
    settle_at INTEGER
  );
  CREATE INDEX IF NOT EXISTS refunds_intent ON refunds (payment_intent);
  CREATE INDEX IF NOT EXISTS refunds_settle ON refunds (status, settle_at);
`;

interface IntentRow {
  seq: number;
  id: string;
  payment_id: string;
  amount: number;
  currency: string;
  status: string;
  metadata: string;
  description: string | null;
  return_url: string;
  declined: number;
  canceled_at: number | null;
  cancellation_reason: string | null;
  created: number;
  [key: string]: SqlStorageValue;
}

interface RefundRow {
  seq: number;
  id: string;
  payment_intent: string;
  amount: number;
  currency: string;
  status: string;
  reason: string | null;
  metadata: string;
  created: number;
  [key: string]: SqlStorageValue;
}

/** The decline a `fail` on the hosted page records, as Stripe reports a generic card decline. */
export const CARD_DECLINED = {
  type: "card_error",
  code: "card_declined",
  decline_code: "generic_decline",
  message: "Your card was declined.",
} as const;

/** An intent as stored; its view needs the hosted page's origin. */
export type StoredIntent = Omit<PaymentIntentView, "next_action"> & { seq: number };

function intentOf(row: IntentRow): StoredIntent {
  const status = row.status as IntentStatus;
  return {
    seq: row.seq,
    id: row.id,
    object: "payment_intent",
    amount: row.amount,
    amount_received: status === "succeeded" ? row.amount : 0,
    currency: row.currency as PaymentIntentView["currency"],
    status,
    metadata: JSON.parse(row.metadata) as Record<string, string>,
    description: row.description,
    return_url: row.return_url,
    created: row.created,
    livemode: false,
    last_payment_error: row.declined ? { ...CARD_DECLINED } : null,
    canceled_at: row.canceled_at,
    cancellation_reason: row.cancellation_reason as CancellationReason | null,
  };
}

function refundOf(row: RefundRow): RefundView {
  return {
    id: row.id,
    object: "refund",
    amount: row.amount,
    currency: row.currency as RefundView["currency"],
    payment_intent: row.payment_intent,
    status: row.status as RefundView["status"],
    reason: row.reason,
    metadata: JSON.parse(row.metadata) as Record<string, string>,
    created: row.created,
  };
}

/** One page by seq, newest first: rows below the cursor's seq, one extra to learn `has_more`. */
function pageClause(query: ListQuery, cursorSeq: number | null): { where: string; args: SqlStorageValue[] } {
  const parts: string[] = [];
  const args: SqlStorageValue[] = [];
  if (cursorSeq !== null) {
    parts.push("seq < ?");
    args.push(cursorSeq);
  }
  if (query["created[gte]"] !== undefined) {
    parts.push("created >= ?");
    args.push(query["created[gte]"]);
  }
  return { where: parts.length ? `WHERE ${parts.join(" AND ")}` : "", args };
}

export class SandboxTables {
  constructor(private readonly sql: SqlStorage) {
    sql.exec(SCHEMA);
  }

  meta(key: string): string | null {
    return this.sql.exec<{ value: string }>("SELECT value FROM meta WHERE key = ?", key).toArray()[0]?.value ?? null;
  }

  setMeta(key: string, value: string): void {
    this.sql.exec("INSERT OR REPLACE INTO meta (key, value) VALUES (?, ?)", key, value);
  }

  /** The answer stored under an idempotency key, with what it was for. */
  idempotent(key: string): { fingerprint: string; result: string } | null {
    return (
      this.sql
        .exec<{ fingerprint: string; result: string }>("SELECT fingerprint, result FROM idempotency WHERE key = ?", key)
        .toArray()[0] ?? null
    );
  }

  remember(key: string, fingerprint: string, result: string, nowMs: number): void {
    this.sql.exec(
      "INSERT INTO idempotency (key, fingerprint, result, created_ms) VALUES (?, ?, ?, ?)",
      key,
      fingerprint,
      result,
      nowMs,
    );
  }

  insertIntent(intent: Omit<StoredIntent, "seq">): void {
    this.sql.exec(
      `INSERT INTO intents (id, payment_id, amount, currency, status, metadata, description, return_url, created)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      intent.id,
      intent.metadata.paymentId ?? "",
      intent.amount,
      intent.currency,
      intent.status,
      JSON.stringify(intent.metadata),
      intent.description,
      intent.return_url,
      intent.created,
    );
  }

  intent(id: string): StoredIntent | null {
    const row = this.sql.exec<IntentRow>("SELECT * FROM intents WHERE id = ?", id).toArray()[0];
    return row ? intentOf(row) : null;
  }

  /** The newest intent whose metadata names our payment id. */
  intentOfPayment(paymentId: string): StoredIntent | null {
    const row = this.sql
      .exec<IntentRow>("SELECT * FROM intents WHERE payment_id = ? ORDER BY seq DESC LIMIT 1", paymentId)
      .toArray()[0];
    return row ? intentOf(row) : null;
  }

  setIntentStatus(
    id: string,
    status: IntentStatus,
    extra: { declined?: boolean; canceledAt?: number; cancellationReason?: CancellationReason | null } = {},
  ): void {
    this.sql.exec(
      `UPDATE intents SET status = ?, declined = ?, canceled_at = COALESCE(?, canceled_at),
         cancellation_reason = COALESCE(?, cancellation_reason) WHERE id = ?`,
      status,
      extra.declined ? 1 : 0,
      extra.canceledAt ?? null,
      extra.cancellationReason ?? null,
      id,
    );
  }

  /** Newest first; `cursorSeq` is the seq of `starting_after`. */
  listIntents(query: ListQuery, cursorSeq: number | null): { rows: StoredIntent[]; hasMore: boolean } {
    const { where, args } = pageClause(query, cursorSeq);
    const rows = this.sql
      .exec<IntentRow>(`SELECT * FROM intents ${where} ORDER BY seq DESC LIMIT ?`, ...args, query.limit + 1)
      .toArray();
    return { rows: rows.slice(0, query.limit).map(intentOf), hasMore: rows.length > query.limit };
  }

  insertRefund(refund: Omit<RefundView, "object">, settleAt: number): void {
    this.sql.exec(
      `INSERT INTO refunds (id, payment_intent, amount, currency, status, reason, metadata, created, settle_at)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      refund.id,
      refund.payment_intent,
      refund.amount,
      refund.currency,
      refund.status,
      refund.reason,
      JSON.stringify(refund.metadata),
      refund.created,
      settleAt,
    );
  }

  refund(id: string): RefundView | null {
    const row = this.sql.exec<RefundRow>("SELECT * FROM refunds WHERE id = ?", id).toArray()[0];
    return row ? refundOf(row) : null;
  }

  /** A refund's place in creation order (a list cursor), or null when unknown. */
  refundSeq(id: string): number | null {
    return this.sql.exec<{ seq: number }>("SELECT seq FROM refunds WHERE id = ?", id).toArray()[0]?.seq ?? null;
  }

  /** What is refunded or being refunded of an intent. */
  refundedAmount(paymentIntent: string): number {
    return (
      this.sql
        .exec<{ total: number }>(
          "SELECT COALESCE(SUM(amount), 0) AS total FROM refunds WHERE payment_intent = ? AND status IN ('pending', 'succeeded')",
          paymentIntent,
        )
        .toArray()[0]?.total ?? 0
    );
  }

  listRefunds(query: ListRefundsQuery, cursorSeq: number | null): { rows: RefundView[]; hasMore: boolean } {
    const { where, args } = pageClause(query, cursorSeq);
    const filter =
      query.payment_intent === undefined ? where : `${where ? `${where} AND` : "WHERE"} payment_intent = ?`;
    const filterArgs = query.payment_intent === undefined ? args : [...args, query.payment_intent];
    const rows = this.sql
      .exec<RefundRow>(`SELECT * FROM refunds ${filter} ORDER BY seq DESC LIMIT ?`, ...filterArgs, query.limit + 1)
      .toArray();
    return { rows: rows.slice(0, query.limit).map(refundOf), hasMore: rows.length > query.limit };
  }

  /** Pending refunds due to settle (all pending ones when `all`). */
  refundsToSettle(nowMs: number, all: boolean): RefundView[] {
    return this.sql
      .exec<RefundRow>(
        "SELECT * FROM refunds WHERE status = 'pending' AND (? OR settle_at <= ?) ORDER BY seq",
        all ? 1 : 0,
        nowMs,
      )
      .toArray()
      .map(refundOf);
  }

  settleRefund(id: string, status: "succeeded" | "failed"): void {
    this.sql.exec("UPDATE refunds SET status = ?, settle_at = NULL WHERE id = ? AND status = 'pending'", status, id);
  }

  /** When the next pending refund settles, or null. */
  nextSettleAt(): number | null {
    return (
      this.sql
        .exec<{ at: number | null }>("SELECT MIN(settle_at) AS at FROM refunds WHERE status = 'pending'")
        .toArray()[0]?.at ?? null
    );
  }
}
