/**
 * The SkuInventory object's SQLite tables (sku-inventory.ts): their definitions and every statement
 * on them, so the object holds its rules (idempotency, allocation, alerts, publishing) and this
 * module holds its storage. Callers run the writes inside the object's `transactionSync`.
 *
 * The `stock` table's CHECKs are the invariant: per warehouse, available + reserved + sold =
 * received, none negative. `movements` is append-only with a unique op id (a replay finds what the
 * first run did); `reservations` has one row per reservation and warehouse (a tombstone is a row
 * for warehouse '' with quantity 0); `outbox` holds events waiting for the alarm to publish;
 * `hold_parents` names the hold a split hold came from (a flash-sale order's, from its campaign's);
 * `returned_units` counts the sold units of a reservation that came back, per warehouse, so
 * repeated partial returns take each warehouse's units once.
 *
 * The object applies its writes in batches (`batch`: many calls, one transaction). While a batch
 * runs, what every call reads again is served from memory: the stock rows, the revision and the
 * metadata, loaded once and kept in step by every write here (stock is still written row by row,
 * so the CHECKs judge each call). Outside a batch every read goes to SQLite.
 */
import type { Movement, Reservation, ReservationStatus, StockView } from "../shared/inventory/schemas";

/** The tables, created on every construction (IF NOT EXISTS: safe on an existing object). */
const SCHEMA = `
  CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
  CREATE TABLE IF NOT EXISTS stock (
    warehouse_id TEXT PRIMARY KEY,
    available INTEGER NOT NULL CHECK (available >= 0),
    reserved INTEGER NOT NULL CHECK (reserved >= 0),
    sold INTEGER NOT NULL CHECK (sold >= 0),
    received INTEGER NOT NULL,
    CHECK (available + reserved + sold = received)
  );
  CREATE TABLE IF NOT EXISTS movements (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    op_id TEXT NOT NULL UNIQUE,
    warehouse_id TEXT NOT NULL,
    kind TEXT NOT NULL,
    quantity INTEGER NOT NULL,
    reason TEXT NOT NULL,
    actor TEXT NOT NULL,
    at INTEGER NOT NULL,
    available_after INTEGER NOT NULL
  );
  CREATE TABLE IF NOT EXISTS reservations (
    reservation_id TEXT NOT NULL,
    warehouse_id TEXT NOT NULL,
    quantity INTEGER NOT NULL CHECK (quantity >= 0),
    status TEXT NOT NULL CHECK (status IN ('held', 'confirmed', 'released')),
    expires_at INTEGER NOT NULL,
    created_at INTEGER NOT NULL,
    PRIMARY KEY (reservation_id, warehouse_id)
  );
  CREATE INDEX IF NOT EXISTS reservations_due ON reservations (status, expires_at);
  CREATE TABLE IF NOT EXISTS outbox (seq INTEGER PRIMARY KEY AUTOINCREMENT, body TEXT NOT NULL);
  CREATE TABLE IF NOT EXISTS hold_parents (reservation_id TEXT PRIMARY KEY, parent_id TEXT NOT NULL);
  CREATE TABLE IF NOT EXISTS returned_units (
    reservation_id TEXT NOT NULL,
    warehouse_id TEXT NOT NULL,
    quantity INTEGER NOT NULL CHECK (quantity > 0),
    PRIMARY KEY (reservation_id, warehouse_id)
  );
`;

/** One warehouse's row of `stock`. */
interface StockRow {
  warehouse_id: string;
  available: number;
  reserved: number;
  sold: number;
  received: number;
  [key: string]: SqlStorageValue;
}

interface ReservationRow {
  reservation_id: string;
  warehouse_id: string;
  quantity: number;
  status: ReservationStatus;
  expires_at: number;
  [key: string]: SqlStorageValue;
}

interface MovementRow {
  seq: number;
  op_id: string;
  warehouse_id: string;
  kind: string;
  quantity: number;
  reason: string;
  actor: string;
  at: number;
  available_after: number;
  [key: string]: SqlStorageValue;
}

/** A movement to append (the log assigns its sequence number). */
export interface MovementInput {
  opId: string;
  warehouseId: string;
  kind: string;
  quantity: number;
  reason: string;
  actor: string;
  at: number;
}

/** Units moved between the columns of one warehouse row (each may be negative). */
export interface StockChange {
  available?: number;
  reserved?: number;
  sold?: number;
}

/** What a batch reads from memory instead of SQLite (see the module's comment). */
interface Working {
  /** Every warehouse's row, as written so far in the batch. */
  stock: Map<string, StockRow>;
  revision: number;
  /** Metadata read or written in the batch (undefined: no such key). */
  meta: Map<string, string | undefined>;
  /** Whether an event was queued for the alarm to publish. */
  enqueued: boolean;
}

/** The object's tables on its SQLite storage; constructing it creates them. */
export class SkuInventoryTables {
  private working: Working | null = null;

  constructor(private readonly sql: SqlStorage) {
    sql.exec(SCHEMA);
  }

  /**
   * Runs `work` (the writes of a batch of calls, inside the caller's transaction) with the rows it
   * reads again and again in memory. Returns what `work` returned and whether it changed anything
   * the alarm publishes (a movement logged or an event queued). If `work` throws, the caller's
   * transaction rolls back and the memory goes with it.
   */
  batch<T>(work: () => T): { value: T; changed: boolean } {
    if (this.working) throw new Error("SkuInventoryTables.batch is not reentrant");
    const revision = this.readRevision();
    const working: Working = {
      stock: new Map(this.readStockRows().map((r) => [r.warehouse_id, r])),
      revision,
      meta: new Map(),
      enqueued: false,
    };
    this.working = working;
    try {
      const value = work();
      return { value, changed: working.revision > revision || working.enqueued };
    } finally {
      this.working = null;
    }
  }

  /** A value of the object's key-value metadata (sku id, safety stock, published revision). */
  meta(key: string): string | undefined {
    const memo = this.working?.meta;
    if (memo?.has(key)) return memo.get(key);
    const value = this.sql.exec<{ value: string }>("SELECT value FROM meta WHERE key = ?", key).toArray()[0]?.value;
    memo?.set(key, value);
    return value;
  }

  setMeta(key: string, value: string | number): void {
    this.sql.exec(
      "INSERT INTO meta (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value",
      key,
      String(value),
    );
    this.working?.meta.set(key, String(value));
  }

  /** The newest movement's sequence number (0 before the first): the view's revision. */
  revision(): number {
    return this.working?.revision ?? this.readRevision();
  }

  private readRevision(): number {
    return this.sql.exec<{ seq: number | null }>("SELECT max(seq) AS seq FROM movements").one().seq ?? 0;
  }

  /** Every warehouse's row, by warehouse id. */
  stockRows(): StockRow[] {
    if (!this.working) return this.readStockRows();
    return [...this.working.stock.values()].sort((x, y) => (x.warehouse_id < y.warehouse_id ? -1 : 1));
  }

  private readStockRows(): StockRow[] {
    return this.sql.exec<StockRow>("SELECT * FROM stock ORDER BY warehouse_id").toArray();
  }

  /** The stock of `skuId`: summed, per warehouse, at the current revision. */
  view(skuId: string): StockView {
    const rows = this.stockRows();
    const sum = (key: "available" | "reserved" | "sold") => rows.reduce((acc, r) => acc + r[key], 0);
    return {
      skuId,
      available: sum("available"),
      reserved: sum("reserved"),
      sold: sum("sold"),
      revision: this.revision(),
      safetyStock: Number(this.meta("safety_stock") ?? 0),
      warehouses: rows.map((r) => ({
        warehouseId: r.warehouse_id,
        available: r.available,
        reserved: r.reserved,
        sold: r.sold,
        received: r.received,
      })),
    };
  }

  /** The warehouses with units available (in no particular order). */
  stockedRows(): StockRow[] {
    if (this.working) return [...this.working.stock.values()].filter((r) => r.available > 0);
    return this.sql.exec<StockRow>("SELECT * FROM stock WHERE available > 0").toArray();
  }

  /** One warehouse's available units (0 when it never had stock). */
  available(warehouseId: string): number {
    if (this.working) return this.working.stock.get(warehouseId)?.available ?? 0;
    return (
      this.sql.exec<StockRow>("SELECT * FROM stock WHERE warehouse_id = ?", warehouseId).toArray()[0]?.available ?? 0
    );
  }

  /** Available units over every warehouse. */
  totalAvailable(): number {
    if (this.working) return [...this.working.stock.values()].reduce((n, r) => n + r.available, 0);
    return this.sql.exec<{ n: number | null }>("SELECT sum(available) AS n FROM stock").one().n ?? 0;
  }

  /**
   * Moves units between the columns of one warehouse row; the CHECKs refuse a broken invariant.
   * Returns the warehouse's available units after the move.
   */
  move(warehouseId: string, change: StockChange): number {
    const a = change.available ?? 0;
    const r = change.reserved ?? 0;
    const s = change.sold ?? 0;
    // UPDATE first: an upsert would check the row's CHECKs against the raw deltas (negative).
    const updated = this.sql
      .exec<StockRow>(
        `UPDATE stock SET available = available + ?, reserved = reserved + ?, sold = sold + ?,
           received = received + ? WHERE warehouse_id = ? RETURNING *`,
        a,
        r,
        s,
        a + r + s,
        warehouseId,
      )
      .toArray()[0];
    const row = updated ?? { warehouse_id: warehouseId, available: a, reserved: r, sold: s, received: a + r + s };
    if (!updated) {
      this.sql.exec(
        "INSERT INTO stock (warehouse_id, available, reserved, sold, received) VALUES (?, ?, ?, ?, ?)",
        warehouseId,
        a,
        r,
        s,
        a + r + s,
      );
    }
    this.working?.stock.set(warehouseId, row);
    return row.available;
  }

  /** Appends a movement; `availableAfter` is the warehouse's available units once it applied. */
  log(m: MovementInput, availableAfter: number): void {
    const { seq } = this.sql
      .exec<{ seq: number }>(
        "INSERT INTO movements (op_id, warehouse_id, kind, quantity, reason, actor, at, available_after) VALUES (?, ?, ?, ?, ?, ?, ?, ?) RETURNING seq",
        m.opId,
        m.warehouseId,
        m.kind,
        m.quantity,
        m.reason,
        m.actor,
        m.at,
        availableAfter,
      )
      .one();
    if (this.working) this.working.revision = seq;
  }

  /** The movement an op id already made, if any: a replay answers what the first run did. */
  doneMovement(opId: string): { quantity: number; availableAfter: number } | undefined {
    return this.sql
      .exec<{ quantity: number; availableAfter: number }>(
        "SELECT quantity, available_after AS availableAfter FROM movements WHERE op_id = ?",
        opId,
      )
      .toArray()[0];
  }

  /** The newest `limit` movements (1 to 500) before sequence number `beforeSeq` (all when omitted), newest first. */
  movements(limit: number, beforeSeq = Number.MAX_SAFE_INTEGER): Movement[] {
    return this.sql
      .exec<MovementRow>(
        "SELECT * FROM movements WHERE seq < ? ORDER BY seq DESC LIMIT ?",
        beforeSeq,
        Math.min(Math.max(1, limit), 500),
      )
      .toArray()
      .map((m) => ({
        seq: m.seq,
        opId: m.op_id,
        warehouseId: m.warehouse_id,
        kind: m.kind,
        quantity: m.quantity,
        reason: m.reason,
        actor: m.actor,
        at: m.at,
        availableAfter: m.available_after,
      }));
  }

  /** A reservation as it stands, or null when the id was never seen. */
  reservation(reservationId: string): Reservation | null {
    const rows = this.sql
      .exec<ReservationRow>("SELECT * FROM reservations WHERE reservation_id = ? ORDER BY warehouse_id", reservationId)
      .toArray();
    const first = rows[0];
    if (!first) return null;
    const allocations = rows
      .filter((r) => r.quantity > 0)
      .map((r) => ({ warehouseId: r.warehouse_id, quantity: r.quantity }));
    return {
      reservationId,
      status: first.status,
      quantity: allocations.reduce((a, r) => a + r.quantity, 0),
      allocations,
      expiresAt: first.expires_at,
    };
  }

  /** Records a hold of `quantity` units in one warehouse until `expiresAt`. */
  insertHold(reservationId: string, warehouseId: string, quantity: number, expiresAt: number, at: number): void {
    this.sql.exec(
      "INSERT INTO reservations (reservation_id, warehouse_id, quantity, status, expires_at, created_at) VALUES (?, ?, ?, 'held', ?, ?)",
      reservationId,
      warehouseId,
      quantity,
      expiresAt,
      at,
    );
  }

  /**
   * Grows (or, negative, shrinks) one warehouse's part of a hold; a part it never had is added.
   * The column CHECK refuses taking more than the part holds.
   */
  resizeHold(reservationId: string, warehouseId: string, by: number, expiresAt: number, at: number): void {
    // UPDATE first, as in `move`: an upsert would check the CHECK against the raw (negative) change.
    const updated = this.sql
      .exec(
        "UPDATE reservations SET quantity = quantity + ? WHERE reservation_id = ? AND warehouse_id = ? RETURNING quantity",
        by,
        reservationId,
        warehouseId,
      )
      .toArray();
    if (updated.length === 0) this.insertHold(reservationId, warehouseId, by, expiresAt, at);
  }

  /** The hold `reservationId` was split from, if it was. */
  parentOf(reservationId: string): string | undefined {
    return this.sql
      .exec<{ parent_id: string }>("SELECT parent_id FROM hold_parents WHERE reservation_id = ?", reservationId)
      .toArray()[0]?.parent_id;
  }

  setParent(reservationId: string, parentId: string): void {
    this.sql.exec("INSERT INTO hold_parents (reservation_id, parent_id) VALUES (?, ?)", reservationId, parentId);
  }

  /** The units of reservation `reservationId` already returned, by warehouse id. */
  returnedUnits(reservationId: string): Map<string, number> {
    const rows = this.sql
      .exec<{ warehouse_id: string; quantity: number }>(
        "SELECT warehouse_id, quantity FROM returned_units WHERE reservation_id = ?",
        reservationId,
      )
      .toArray();
    return new Map(rows.map((r) => [r.warehouse_id, r.quantity]));
  }

  /** Counts `quantity` more units of reservation `reservationId` returned to `warehouseId`. */
  addReturned(reservationId: string, warehouseId: string, quantity: number): void {
    this.sql.exec(
      `INSERT INTO returned_units (reservation_id, warehouse_id, quantity) VALUES (?, ?, ?)
         ON CONFLICT (reservation_id, warehouse_id) DO UPDATE SET quantity = quantity + excluded.quantity`,
      reservationId,
      warehouseId,
      quantity,
    );
  }

  /** Records a release that arrived before its reserve, so the late reserve holds nothing. */
  insertTombstone(reservationId: string, at: number): void {
    this.sql.exec(
      "INSERT INTO reservations (reservation_id, warehouse_id, quantity, status, expires_at, created_at) VALUES (?, '', 0, 'released', ?, ?)",
      reservationId,
      at,
      at,
    );
  }

  setReservationStatus(reservationId: string, status: ReservationStatus): void {
    this.sql.exec("UPDATE reservations SET status = ? WHERE reservation_id = ?", status, reservationId);
  }

  /** Up to 500 reservations still held whose time is up at `now`. */
  dueReservationIds(now: number): string[] {
    return this.sql
      .exec<{ reservation_id: string }>(
        "SELECT DISTINCT reservation_id FROM reservations WHERE status = 'held' AND expires_at <= ? LIMIT 500",
        now,
      )
      .toArray()
      .map((r) => r.reservation_id);
  }

  /** When the next held reservation expires, or null when none is held. */
  nextExpiry(): number | null {
    return this.sql
      .exec<{ at: number | null }>("SELECT min(expires_at) AS at FROM reservations WHERE status = 'held'")
      .one().at;
  }

  /** Queues an event (its JSON) for the alarm to publish. */
  enqueue(body: string): void {
    this.sql.exec("INSERT INTO outbox (body) VALUES (?)", body);
    if (this.working) this.working.enqueued = true;
  }

  /** The queued events, oldest first. */
  queued(): { seq: number; body: string }[] {
    return this.sql.exec<{ seq: number; body: string }>("SELECT * FROM outbox ORDER BY seq").toArray();
  }

  queuedCount(): number {
    return this.sql.exec<{ n: number }>("SELECT count(*) AS n FROM outbox").one().n;
  }

  /** Drops a queued event once it is published. */
  dequeue(seq: number): void {
    this.sql.exec("DELETE FROM outbox WHERE seq = ?", seq);
  }
}
