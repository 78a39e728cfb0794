/**
 * The sandbox top-up service's records (inside the SandboxProvider object). A top-up's outcome is
 * fixed when it is made, by the target's last digits (`topupOutcome`): succeeded, failed
 * (`declined`), or pending for a timeout, whose outcome the caller never learns.
 */
import { ulid } from "../shared/platform/ids";
import { type CreateTopupBody, type TopupView, topupOutcome } from "../shared/sandbox/schemas";

const SCHEMA = `
  CREATE TABLE IF NOT EXISTS topups (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    id TEXT NOT NULL UNIQUE,
    target TEXT NOT NULL,
    amount INTEGER NOT NULL CHECK (amount > 0),
    currency TEXT NOT NULL,
    reference TEXT NOT NULL,
    status TEXT NOT NULL CHECK (status IN ('succeeded', 'failed', 'pending')),
    failure_code TEXT,
    created INTEGER NOT NULL
  );
  CREATE INDEX IF NOT EXISTS topups_reference ON topups (reference, seq);
`;

interface TopupRow {
  id: string;
  target: string;
  amount: number;
  currency: string;
  reference: string;
  status: string;
  failure_code: string | null;
  created: number;
  [key: string]: SqlStorageValue;
}

function topupOf(row: TopupRow): TopupView {
  return {
    id: row.id,
    object: "topup",
    target: row.target,
    amount: row.amount,
    currency: row.currency as TopupView["currency"],
    reference: row.reference,
    status: row.status as TopupView["status"],
    failure_code: row.failure_code === "declined" ? "declined" : null,
    created: row.created,
  };
}

export class SandboxTopups {
  constructor(private readonly sql: SqlStorage) {
    sql.exec(SCHEMA);
  }

  /** Makes a top-up; run inside the caller's transaction. */
  create(body: CreateTopupBody, nowMs: number): TopupView {
    const outcome = topupOutcome(body.target);
    const topup: TopupView = {
      id: `tu_${ulid(nowMs)}`,
      object: "topup",
      ...body,
      status: outcome === "succeeded" ? "succeeded" : outcome === "declined" ? "failed" : "pending",
      failure_code: outcome === "declined" ? "declined" : null,
      created: Math.floor(nowMs / 1000),
    };
    this.sql.exec(
      `INSERT INTO topups (id, target, amount, currency, reference, status, failure_code, created)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
      topup.id,
      topup.target,
      topup.amount,
      topup.currency,
      topup.reference,
      topup.status,
      topup.failure_code,
      topup.created,
    );
    return topup;
  }

  get(id: string): TopupView | null {
    const row = this.sql.exec<TopupRow>("SELECT * FROM topups WHERE id = ?", id).toArray()[0];
    return row ? topupOf(row) : null;
  }

  /** The newest 100 top-ups made for `reference`. */
  byReference(reference: string): TopupView[] {
    return this.sql
      .exec<TopupRow>("SELECT * FROM topups WHERE reference = ? ORDER BY seq DESC LIMIT 100", reference)
      .toArray()
      .map(topupOf);
  }
}
