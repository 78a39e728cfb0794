/**
 * One SKU's stock: the system of record for how many units are available, reserved and sold in
 * each warehouse, with an append-only movement log. All writes run in `transactionSync` on the
 * object's SQLite storage, so the invariant available + reserved + sold = received holds per
 * warehouse after every call (the table's CHECKs refuse anything else), and it survives eviction.
 * Every write is idempotent by its op id. Reservations arrive with checkout.
 */
import { DurableObject } from "cloudflare:workers";
import { type AdjustResult, adjustStockInput, type Movement, type StockView } from "../shared/inventory/schemas";

interface StockRow {
  warehouse_id: string;
  available: number;
  reserved: number;
  sold: number;
  received: number;
  [key: string]: SqlStorageValue;
}

export class SkuInventory extends DurableObject {
  private readonly sql: SqlStorage;

  constructor(ctx: DurableObjectState, env: unknown) {
    super(ctx, env as never);
    this.sql = ctx.storage.sql;
    this.sql.exec(`
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
    `);
  }

  private skuId(fallback?: string): string {
    const row = this.sql.exec<{ value: string }>("SELECT value FROM meta WHERE key = 'sku_id'").toArray()[0];
    if (row) return row.value;
    if (!fallback) return "";
    this.sql.exec("INSERT INTO meta (key, value) VALUES ('sku_id', ?)", fallback);
    return fallback;
  }

  /** Current stock, summed and per warehouse. */
  view(): StockView {
    const rows = this.sql.exec<StockRow>("SELECT * FROM stock ORDER BY warehouse_id").toArray();
    const revision = this.sql.exec<{ seq: number | null }>("SELECT max(seq) AS seq FROM movements").one().seq ?? 0;
    const sum = (key: "available" | "reserved" | "sold") => rows.reduce((acc, r) => acc + r[key], 0);
    return {
      skuId: this.skuId(),
      available: sum("available"),
      reserved: sum("reserved"),
      sold: sum("sold"),
      revision,
      warehouses: rows.map((r) => ({
        warehouseId: r.warehouse_id,
        available: r.available,
        reserved: r.reserved,
        sold: r.sold,
        received: r.received,
      })),
    };
  }

  /** Receives, writes off or counts stock in one warehouse; never below zero; once per op id. */
  adjust(raw: unknown): AdjustResult {
    const input = adjustStockInput.parse(raw);
    return this.ctx.storage.transactionSync((): AdjustResult => {
      this.skuId(input.skuId);
      const done = this.sql.exec("SELECT seq FROM movements WHERE op_id = ?", input.opId).toArray();
      if (done.length > 0) return { ok: true, replayed: true, delta: 0, view: this.view() };
      const current = this.sql
        .exec<StockRow>("SELECT * FROM stock WHERE warehouse_id = ?", input.warehouseId)
        .toArray()[0];
      const available = current?.available ?? 0;
      const delta = input.mode === "set" ? input.quantity - available : input.quantity;
      if (available + delta < 0) {
        return {
          ok: false,
          code: "insufficient_stock",
          detail: `Warehouse ${input.warehouseId} has ${available} available; cannot ${input.mode === "set" ? `set ${input.quantity}` : `remove ${-delta}`}`,
          view: this.view(),
        };
      }
      this.sql.exec(
        `INSERT INTO stock (warehouse_id, available, reserved, sold, received) VALUES (?, ?, 0, 0, ?)
         ON CONFLICT (warehouse_id) DO UPDATE SET available = available + ?, received = received + ?`,
        input.warehouseId,
        available + delta,
        available + delta,
        delta,
        delta,
      );
      this.sql.exec(
        "INSERT INTO movements (op_id, warehouse_id, kind, quantity, reason, actor, at, available_after) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
        input.opId,
        input.warehouseId,
        input.mode === "set" ? "count" : delta >= 0 ? "receive" : "write_off",
        delta,
        input.reason,
        input.actor,
        input.at,
        available + delta,
      );
      return { ok: true, replayed: false, delta, view: this.view() };
    });
  }

  /** The newest movements first. */
  movements(limit = 50): Movement[] {
    return this.sql
      .exec<{
        seq: number;
        op_id: string;
        warehouse_id: string;
        kind: string;
        quantity: number;
        reason: string;
        actor: string;
        at: number;
        available_after: number;
      }>("SELECT * FROM movements ORDER BY seq DESC LIMIT ?", Math.min(Math.max(1, limit), 500))
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
}
