/**
 * The FlashSaleBucket object's SQLite tables (flash-sale-bucket.ts) and every statement on them.
 * Callers run the writes inside the object's `transactionSync`.
 *
 * `units` is one row whose CHECK is the bucket's share of the campaign invariant: what it was
 * granted minus what was recalled is exactly its stock plus its admitted plus its sold units,
 * none negative. `grants` and `recalls` hold every move by id (a replay finds what the first run
 * did; a voided grant is a row with status 'void', so it can never apply later). `admissions` has
 * one row per admission; `waiters` is the queue, in arrival order.
 */
import { FlashSaleMetaTables } from "./flash-sale-meta";

const SCHEMA = `
  CREATE TABLE IF NOT EXISTS units (
    id INTEGER PRIMARY KEY CHECK (id = 1),
    stock INTEGER NOT NULL CHECK (stock >= 0),
    admitted INTEGER NOT NULL CHECK (admitted >= 0),
    sold INTEGER NOT NULL CHECK (sold >= 0),
    granted INTEGER NOT NULL CHECK (granted >= 0),
    recalled INTEGER NOT NULL CHECK (recalled >= 0),
    revision INTEGER NOT NULL,
    CHECK (stock + admitted + sold = granted - recalled)
  );
  INSERT OR IGNORE INTO units (id, stock, admitted, sold, granted, recalled, revision) VALUES (1, 0, 0, 0, 0, 0, 0);
  CREATE TABLE IF NOT EXISTS grants (
    grant_id TEXT PRIMARY KEY,
    quantity INTEGER NOT NULL,
    status TEXT NOT NULL CHECK (status IN ('applied', 'void'))
  );
  CREATE TABLE IF NOT EXISTS recalls (recall_id TEXT PRIMARY KEY, quantity INTEGER NOT NULL CHECK (quantity >= 0));
  CREATE TABLE IF NOT EXISTS admissions (
    admission_id TEXT PRIMARY KEY,
    user_id TEXT NOT NULL,
    quantity INTEGER NOT NULL CHECK (quantity > 0),
    status TEXT NOT NULL CHECK (status IN ('admitted', 'sold', 'released', 'lapsed')),
    order_id TEXT,
    expires_at INTEGER NOT NULL
  );
  CREATE INDEX IF NOT EXISTS admissions_due ON admissions (status, expires_at);
  CREATE INDEX IF NOT EXISTS admissions_user ON admissions (user_id, status);
  CREATE TABLE IF NOT EXISTS waiters (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    user_id TEXT NOT NULL UNIQUE,
    quantity INTEGER NOT NULL,
    last_seen INTEGER NOT NULL
  );
`;

export interface Units {
  stock: number;
  admitted: number;
  sold: number;
  granted: number;
  recalled: number;
  revision: number;
  [key: string]: SqlStorageValue;
}

export type AdmissionStatus = "admitted" | "sold" | "released" | "lapsed";

export interface AdmissionRow {
  admission_id: string;
  user_id: string;
  quantity: number;
  status: AdmissionStatus;
  order_id: string | null;
  expires_at: number;
  [key: string]: SqlStorageValue;
}

/** Units moved between the columns of `units` (each may be negative). */
export interface UnitsChange {
  stock?: number;
  admitted?: number;
  sold?: number;
  granted?: number;
  recalled?: number;
}

export class FlashSaleBucketTables extends FlashSaleMetaTables {
  constructor(sql: SqlStorage) {
    super(sql);
    sql.exec(SCHEMA);
  }

  units(): Units {
    return this.sql.exec<Units>("SELECT * FROM units WHERE id = 1").one();
  }

  /** Moves units between columns and bumps the revision; the CHECKs refuse a broken invariant. */
  move(change: UnitsChange): void {
    this.sql.exec(
      `UPDATE units SET stock = stock + ?, admitted = admitted + ?, sold = sold + ?, granted = granted + ?,
         recalled = recalled + ?, revision = revision + 1 WHERE id = 1`,
      change.stock ?? 0,
      change.admitted ?? 0,
      change.sold ?? 0,
      change.granted ?? 0,
      change.recalled ?? 0,
    );
  }

  // Moves -------------------------------------------------------------------------------------

  grant(grantId: string): { quantity: number; status: "applied" | "void" } | undefined {
    return this.sql
      .exec<{ quantity: number; status: "applied" | "void" }>(
        "SELECT quantity, status FROM grants WHERE grant_id = ?",
        grantId,
      )
      .toArray()[0];
  }

  insertGrant(grantId: string, quantity: number, status: "applied" | "void"): void {
    this.sql.exec("INSERT INTO grants (grant_id, quantity, status) VALUES (?, ?, ?)", grantId, quantity, status);
  }

  recall(recallId: string): number | undefined {
    return this.sql
      .exec<{ quantity: number }>("SELECT quantity FROM recalls WHERE recall_id = ?", recallId)
      .toArray()[0]?.quantity;
  }

  insertRecall(recallId: string, quantity: number): void {
    this.sql.exec("INSERT INTO recalls (recall_id, quantity) VALUES (?, ?)", recallId, quantity);
  }

  // Admissions --------------------------------------------------------------------------------

  admission(admissionId: string): AdmissionRow | undefined {
    return this.sql.exec<AdmissionRow>("SELECT * FROM admissions WHERE admission_id = ?", admissionId).toArray()[0];
  }

  insertAdmission(a: { admissionId: string; userId: string; quantity: number; expiresAt: number }): void {
    this.sql.exec(
      "INSERT INTO admissions (admission_id, user_id, quantity, status, expires_at) VALUES (?, ?, ?, 'admitted', ?)",
      a.admissionId,
      a.userId,
      a.quantity,
      a.expiresAt,
    );
  }

  setAdmission(admissionId: string, status: AdmissionStatus, orderId: string | null = null): void {
    this.sql.exec(
      "UPDATE admissions SET status = ?, order_id = coalesce(?, order_id) WHERE admission_id = ?",
      status,
      orderId,
      admissionId,
    );
  }

  /** Units the shopper holds (admitted, not yet redeemed) or bought here: what the limit counts. */
  heldBy(userId: string): number {
    return (
      this.sql
        .exec<{ n: number | null }>(
          "SELECT sum(quantity) AS n FROM admissions WHERE user_id = ? AND status IN ('admitted', 'sold')",
          userId,
        )
        .one().n ?? 0
    );
  }

  /** Admissions still waiting for their order whose time is up at `now` (all of them with Infinity). */
  dueAdmissions(now: number): AdmissionRow[] {
    return this.sql
      .exec<AdmissionRow>(
        "SELECT * FROM admissions WHERE status = 'admitted' AND expires_at <= ? ORDER BY expires_at",
        Number.isFinite(now) ? now : Number.MAX_SAFE_INTEGER,
      )
      .toArray();
  }

  nextExpiry(): number | null {
    return (
      this.sql
        .exec<{ at: number | null }>("SELECT min(expires_at) AS at FROM admissions WHERE status = 'admitted'")
        .one().at ?? null
    );
  }

  // Queue -------------------------------------------------------------------------------------

  /** Drops waiters not seen since `before` (they stopped retrying), so they hold no place. */
  dropStaleWaiters(before: number): void {
    this.sql.exec("DELETE FROM waiters WHERE last_seen < ?", before);
  }

  /** Waiters seen since `since`. */
  liveWaiters(since: number): number {
    return this.sql.exec<{ n: number }>("SELECT count(*) AS n FROM waiters WHERE last_seen >= ?", since).one().n;
  }

  /**
   * The waiters ahead of the shopper (all of them when not queued) and the units they wait for:
   * stock up to that many is theirs.
   */
  ahead(userId: string): { waiters: number; units: number } {
    const row = this.sql
      .exec<{ n: number; units: number | null }>(
        `SELECT count(*) AS n, sum(quantity) AS units FROM waiters
           WHERE seq < coalesce((SELECT seq FROM waiters WHERE user_id = ?), 9223372036854775807)`,
        userId,
      )
      .one();
    return { waiters: row.n, units: row.units ?? 0 };
  }

  /** Joins the queue (keeping an existing place) and marks the shopper seen at `now`. */
  wait(userId: string, quantity: number, now: number): void {
    this.sql.exec(
      `INSERT INTO waiters (user_id, quantity, last_seen) VALUES (?, ?, ?)
         ON CONFLICT (user_id) DO UPDATE SET quantity = excluded.quantity, last_seen = excluded.last_seen`,
      userId,
      quantity,
      now,
    );
  }

  leaveQueue(userId: string): void {
    this.sql.exec("DELETE FROM waiters WHERE user_id = ?", userId);
  }

  clearQueue(): void {
    this.sql.exec("DELETE FROM waiters");
  }
}
