/**
 * The FlashSaleCoordinator object's SQLite tables (flash-sale-coordinator.ts) and every statement
 * on them. Callers run the writes inside the object's `transactionSync`.
 *
 * `pool` is one row: the quota and the units no bucket holds. `moves` records every grant and
 * recall before it is sent (pending), and what became of it (done, or void: a grant a closed
 * bucket refused). `buckets` keeps, per bucket, the units granted and returned by settled moves
 * and the bucket's last report of its own units. The coordinator's side of the invariant:
 * quota = unallocated + Σ pending grants + Σ (granted − returned).
 */
import { FlashSaleMetaTables } from "./flash-sale-meta";
import type { BucketReport, QuotaPlanInput } from "./flash-sale-protocol";

const SCHEMA = `
  CREATE TABLE IF NOT EXISTS pool (
    id INTEGER PRIMARY KEY CHECK (id = 1),
    quota INTEGER NOT NULL CHECK (quota > 0),
    unallocated INTEGER NOT NULL CHECK (unallocated >= 0 AND unallocated <= quota),
    next_move INTEGER NOT NULL,
    -- Bumped by every change to the pool or a move: counts() reads a round of bucket audits as
    -- consistent only when nothing moved while they ran.
    revision INTEGER NOT NULL DEFAULT 0
  );
  CREATE TABLE IF NOT EXISTS moves (
    move_id TEXT PRIMARY KEY,
    kind TEXT NOT NULL CHECK (kind IN ('grant', 'recall')),
    bucket INTEGER NOT NULL,
    quantity INTEGER NOT NULL CHECK (quantity >= 0),
    status TEXT NOT NULL CHECK (status IN ('pending', 'done', 'void')),
    created_at INTEGER NOT NULL
  );
  CREATE INDEX IF NOT EXISTS moves_pending ON moves (status, created_at);
  CREATE TABLE IF NOT EXISTS buckets (
    bucket INTEGER PRIMARY KEY,
    granted INTEGER NOT NULL CHECK (granted >= 0),
    returned INTEGER NOT NULL CHECK (returned >= 0 AND returned <= granted),
    revision INTEGER NOT NULL,
    stock INTEGER NOT NULL,
    admitted INTEGER NOT NULL,
    sold INTEGER NOT NULL,
    waiting INTEGER NOT NULL
  );
`;

export interface MoveRow {
  move_id: string;
  kind: "grant" | "recall";
  bucket: number;
  quantity: number;
  status: "pending" | "done" | "void";
  created_at: number;
  [key: string]: SqlStorageValue;
}

export interface BucketRow {
  bucket: number;
  granted: number;
  returned: number;
  revision: number;
  stock: number;
  admitted: number;
  sold: number;
  waiting: number;
  [key: string]: SqlStorageValue;
}

export class FlashSaleCoordinatorTables extends FlashSaleMetaTables {
  constructor(sql: SqlStorage) {
    super(sql);
    sql.exec(SCHEMA);
  }

  /** Stores the plan with every unit unallocated and a row per bucket. */
  create(plan: QuotaPlanInput): void {
    this.setMeta("plan", JSON.stringify(plan));
    this.sql.exec("INSERT INTO pool (id, quota, unallocated, next_move) VALUES (1, ?, ?, 1)", plan.quota, plan.quota);
    for (let k = 0; k < plan.buckets; k++) {
      this.sql.exec(
        "INSERT INTO buckets (bucket, granted, returned, revision, stock, admitted, sold, waiting) VALUES (?, 0, 0, -1, 0, 0, 0, 0)",
        k,
      );
    }
  }

  unallocated(): number {
    return this.sql.exec<{ unallocated: number }>("SELECT unallocated FROM pool WHERE id = 1").one().unallocated;
  }

  private addUnallocated(delta: number): void {
    this.sql.exec("UPDATE pool SET unallocated = unallocated + ?, revision = revision + 1 WHERE id = 1", delta);
  }

  revision(): number {
    return this.sql.exec<{ revision: number }>("SELECT revision FROM pool WHERE id = 1").one().revision;
  }

  private nextMoveId(prefix: "g" | "r"): string {
    const { n } = this.sql
      .exec<{ n: number }>(
        "UPDATE pool SET next_move = next_move + 1, revision = revision + 1 WHERE id = 1 RETURNING next_move - 1 AS n",
      )
      .one();
    return `${prefix}${n}`;
  }

  /** Takes `quantity` units out of the pool as a pending grant to `bucket`. */
  createGrant(bucket: number, quantity: number, at: number): MoveRow {
    this.addUnallocated(-quantity);
    const moveId = this.nextMoveId("g");
    this.sql.exec(
      "INSERT INTO moves (move_id, kind, bucket, quantity, status, created_at) VALUES (?, 'grant', ?, ?, 'pending', ?)",
      moveId,
      bucket,
      quantity,
      at,
    );
    return { move_id: moveId, kind: "grant", bucket, quantity, status: "pending", created_at: at };
  }

  /**
   * A pending recall of at most `max` units from `bucket`: until it is settled its quantity is that
   * most (a redelivery asks for the same), then what the bucket gave.
   */
  createRecall(bucket: number, max: number, at: number): MoveRow {
    const moveId = this.nextMoveId("r");
    this.sql.exec(
      "INSERT INTO moves (move_id, kind, bucket, quantity, status, created_at) VALUES (?, 'recall', ?, ?, 'pending', ?)",
      moveId,
      bucket,
      max,
      at,
    );
    return { move_id: moveId, kind: "recall", bucket, quantity: max, status: "pending", created_at: at };
  }

  move(moveId: string): MoveRow | undefined {
    return this.sql.exec<MoveRow>("SELECT * FROM moves WHERE move_id = ?", moveId).toArray()[0];
  }

  /** Pending moves, oldest first; only those created before `before` when given; of one bucket when given. */
  pending(filter: { before?: number; bucket?: number } = {}): MoveRow[] {
    return this.sql
      .exec<MoveRow>(
        "SELECT * FROM moves WHERE status = 'pending' AND created_at < ? AND (? IS NULL OR bucket = ?) ORDER BY created_at",
        filter.before ?? Number.MAX_SAFE_INTEGER,
        filter.bucket ?? null,
        filter.bucket ?? null,
      )
      .toArray();
  }

  /** Units of grants still in flight. */
  inFlight(): number {
    return (
      this.sql
        .exec<{ n: number | null }>("SELECT sum(quantity) AS n FROM moves WHERE status = 'pending' AND kind = 'grant'")
        .one().n ?? 0
    );
  }

  /** The bucket took the grant (it is its stock now), or voided it (the units are back in the pool). Once. */
  settleGrant(moveId: string, applied: boolean): void {
    const m = this.move(moveId);
    if (m?.kind !== "grant" || m.status !== "pending") return;
    this.sql.exec("UPDATE moves SET status = ? WHERE move_id = ?", applied ? "done" : "void", moveId);
    if (applied) this.sql.exec("UPDATE buckets SET granted = granted + ? WHERE bucket = ?", m.quantity, m.bucket);
    this.addUnallocated(applied ? 0 : m.quantity);
  }

  /** The bucket gave `quantity` units for the recall: back in the pool. Once. */
  settleRecall(moveId: string, quantity: number): void {
    const m = this.move(moveId);
    if (m?.kind !== "recall" || m.status !== "pending") return;
    this.sql.exec("UPDATE moves SET status = 'done', quantity = ? WHERE move_id = ?", quantity, moveId);
    this.sql.exec("UPDATE buckets SET returned = returned + ? WHERE bucket = ?", quantity, m.bucket);
    this.addUnallocated(quantity);
  }

  buckets(): BucketRow[] {
    return this.sql.exec<BucketRow>("SELECT * FROM buckets ORDER BY bucket").toArray();
  }

  /** Keeps a bucket's report unless a newer one is already known (reports race). */
  noteReport(r: BucketReport): void {
    this.sql.exec(
      "UPDATE buckets SET revision = ?, stock = ?, admitted = ?, sold = ?, waiting = ? WHERE bucket = ? AND revision <= ?",
      r.revision,
      r.stock,
      r.admitted,
      r.sold,
      r.waiting,
      r.bucket,
      r.revision,
    );
  }

  /** Units sold over every bucket, as last reported. */
  reportedSold(): number {
    return this.sql.exec<{ n: number | null }>("SELECT sum(sold) AS n FROM buckets").one().n ?? 0;
  }
}
