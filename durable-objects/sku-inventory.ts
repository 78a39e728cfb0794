/**
 * One SKU's stock: the system of record for how many units are available, reserved and sold in
 * each warehouse, the reservations (timed holds) of checkouts, and an append-only movement log.
 *
 * Every write runs in `transactionSync` on the object's SQLite storage, so the invariant
 * available + reserved + sold = received holds per warehouse after every call (the table's CHECKs
 * refuse anything else) and survives eviction. Every write is idempotent: adjustments and
 * transfers by op id, reservations by reservation id (reserve, confirm and release each apply
 * once; a release that arrives before its reserve leaves a tombstone so the late reserve never
 * holds stock).
 *
 * The alarm does two jobs, both safe to run twice: it releases holds whose time is up, and it
 * publishes what changed: one `inventory.stock_changed` with the whole view per burst of writes
 * (coalesced over PUBLISH_DELAY_MS, so 1,000 reservations are not 1,000 projection updates) on
 * the stock-views queue, and any safety-stock alerts waiting in the object's outbox on
 * catalog-events. Publishing is at-least-once: the
 * published revision is recorded only after the send succeeds, and a throwing alarm is retried.
 */
import { DurableObject } from "cloudflare:workers";
import { makeEvent } from "../shared/events/messages";
import { type Producers, publish } from "../shared/events/producer";
import {
  type AdjustResult,
  adjustStockInput,
  type Movement,
  type Reservation,
  type ReservationStatus,
  type ReserveResult,
  reservationRefInput,
  reserveInput,
  type SettleResult,
  type StockView,
  safetyStockInput,
  type TransferResult,
  transferInput,
} from "../shared/inventory/schemas";

/** Writes within this window reach the projection as one event. */
export const PUBLISH_DELAY_MS = 1_000;

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

interface MovementInput {
  opId: string;
  warehouseId: string;
  kind: string;
  quantity: number;
  reason: string;
  actor: string;
  at: number;
}

export class SkuInventory extends DurableObject<Producers> {
  private readonly sql: SqlStorage;
  /** Memo of the SKU id (set once, never changes). */
  private knownSkuId: string | undefined;
  /** Memo of the armed alarm: undefined until read; null when none is armed. */
  private alarmAt: number | null | undefined;

  constructor(ctx: DurableObjectState, env: Producers) {
    super(ctx, env);
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
    `);
  }

  // -------------------------------------------------------------------------------------------
  // Reads

  private meta(key: string): string | undefined {
    return this.sql.exec<{ value: string }>("SELECT value FROM meta WHERE key = ?", key).toArray()[0]?.value;
  }

  private setMeta(key: string, value: string | number): void {
    this.sql.exec(
      "INSERT INTO meta (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value",
      key,
      String(value),
    );
  }

  private skuId(fallback?: string): string {
    if (this.knownSkuId) return this.knownSkuId;
    const known = this.meta("sku_id");
    if (known) {
      this.knownSkuId = known;
      return known;
    }
    if (!fallback) return "";
    // Not memoized here: the transaction writing it may still roll back.
    this.setMeta("sku_id", fallback);
    return fallback;
  }

  private revision(): number {
    return this.sql.exec<{ seq: number | null }>("SELECT max(seq) AS seq FROM movements").one().seq ?? 0;
  }

  /** Current stock, summed and per warehouse. */
  view(): StockView {
    const rows = this.sql.exec<StockRow>("SELECT * FROM stock ORDER BY warehouse_id").toArray();
    const sum = (key: "available" | "reserved" | "sold") => rows.reduce((acc, r) => acc + r[key], 0);
    return {
      skuId: this.skuId(),
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

  // -------------------------------------------------------------------------------------------
  // Writes (each in one synchronous transaction)

  /**
   * Moves units between the columns of one warehouse row; the CHECKs refuse a broken invariant.
   * Returns the warehouse's available units after the move.
   */
  private move(warehouseId: string, change: { available?: number; reserved?: number; sold?: number }): number {
    const a = change.available ?? 0;
    const r = change.reserved ?? 0;
    const s = change.sold ?? 0;
    // UPDATE first: an upsert would check the row's CHECKs against the raw deltas (negative).
    const updated = this.sql
      .exec<{ available: number }>(
        `UPDATE stock SET available = available + ?, reserved = reserved + ?, sold = sold + ?,
           received = received + ? WHERE warehouse_id = ? RETURNING available`,
        a,
        r,
        s,
        a + r + s,
        warehouseId,
      )
      .toArray()[0];
    if (updated) return updated.available;
    this.sql.exec(
      "INSERT INTO stock (warehouse_id, available, reserved, sold, received) VALUES (?, ?, ?, ?, ?)",
      warehouseId,
      a,
      r,
      s,
      a + r + s,
    );
    return a;
  }

  /** Appends a movement; `availableAfter` is the warehouse's available units once it applied. */
  private log(m: MovementInput, availableAfter: number): void {
    this.sql.exec(
      "INSERT INTO movements (op_id, warehouse_id, kind, quantity, reason, actor, at, available_after) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
      m.opId,
      m.warehouseId,
      m.kind,
      m.quantity,
      m.reason,
      m.actor,
      m.at,
      availableAfter,
    );
  }

  /** The movement an op id already made, if any: a replay answers what the first run did. */
  private doneMovement(opId: string): { quantity: number; availableAfter: number } | undefined {
    return this.sql
      .exec<{ quantity: number; availableAfter: number }>(
        "SELECT quantity, available_after AS availableAfter FROM movements WHERE op_id = ?",
        opId,
      )
      .toArray()[0];
  }

  /**
   * After every write: queue a safety-stock alert when available stock has fallen to the
   * threshold (once per crossing; rising above it re-arms the alert), and make sure the alarm
   * will publish the change.
   */
  private afterWrite(at: number): void {
    const threshold = Number(this.meta("safety_stock") ?? 0);
    // Without a threshold there is nothing to alert (setting one re-arms the flag).
    if (threshold === 0) return;
    const available = this.sql.exec<{ n: number | null }>("SELECT sum(available) AS n FROM stock").one().n ?? 0;
    const alerted = this.meta("low_stock_alerted") === "1";
    if (threshold > 0 && available <= threshold && !alerted) {
      const event = makeEvent("inventory.low_stock", { skuId: this.skuId(), available, threshold }, at);
      this.sql.exec("INSERT INTO outbox (body) VALUES (?)", JSON.stringify(event));
      this.setMeta("low_stock_alerted", "1");
    } else if (alerted && available > threshold) {
      this.setMeta("low_stock_alerted", "0");
    }
  }

  /** Receives, writes off or counts stock in one warehouse; never below zero; once per op id. */
  async adjust(raw: unknown): Promise<AdjustResult> {
    const input = adjustStockInput.parse(raw);
    const result = this.ctx.storage.transactionSync((): AdjustResult => {
      this.skuId(input.skuId);
      const done = this.doneMovement(input.opId);
      if (done)
        return {
          ok: true,
          replayed: true,
          delta: done.quantity,
          availableAfter: done.availableAfter,
          view: this.view(),
        };
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
      const after = this.move(input.warehouseId, { available: delta });
      this.log(
        {
          ...input,
          kind: input.mode === "set" ? "count" : delta >= 0 ? "receive" : "write_off",
          quantity: delta,
        },
        after,
      );
      this.afterWrite(input.at);
      return { ok: true, replayed: false, delta, availableAfter: after, view: this.view() };
    });
    if (result.ok && !result.replayed) await this.schedule(true);
    return result;
  }

  /** Moves available units from one warehouse to another, once per op id. */
  async transfer(raw: unknown): Promise<TransferResult> {
    const input = transferInput.parse(raw);
    const result = this.ctx.storage.transactionSync((): TransferResult => {
      this.skuId(input.skuId);
      const done = this.doneMovement(`${input.opId}:out`);
      if (done) {
        return {
          ok: true,
          replayed: true,
          delta: -done.quantity,
          availableAfter: done.availableAfter,
          view: this.view(),
        };
      }
      const from =
        this.sql.exec<StockRow>("SELECT * FROM stock WHERE warehouse_id = ?", input.fromWarehouseId).toArray()[0]
          ?.available ?? 0;
      if (from < input.quantity) {
        return {
          ok: false,
          code: "insufficient_stock",
          detail: `Warehouse ${input.fromWarehouseId} has ${from} available; cannot transfer ${input.quantity}`,
          view: this.view(),
        };
      }
      // Received moves with the units: each warehouse's own invariant keeps holding.
      const fromAfter = this.move(input.fromWarehouseId, { available: -input.quantity });
      const toAfter = this.move(input.toWarehouseId, { available: input.quantity });
      const common = { reason: input.reason, actor: input.actor, at: input.at };
      this.log(
        {
          ...common,
          opId: `${input.opId}:out`,
          warehouseId: input.fromWarehouseId,
          kind: "transfer_out",
          quantity: -input.quantity,
        },
        fromAfter,
      );
      this.log(
        {
          ...common,
          opId: `${input.opId}:in`,
          warehouseId: input.toWarehouseId,
          kind: "transfer_in",
          quantity: input.quantity,
        },
        toAfter,
      );
      return { ok: true, replayed: false, delta: input.quantity, availableAfter: fromAfter, view: this.view() };
    });
    if (result.ok && !result.replayed) await this.schedule(true);
    return result;
  }

  /**
   * Holds units for a checkout. Allocation: warehouses in the shop's priority order, ties broken
   * by most available stock; the first warehouse that can cover the whole quantity takes it (one
   * parcel), otherwise the quantity is split across warehouses in that order. All or nothing.
   */
  async reserve(raw: unknown): Promise<ReserveResult> {
    const input = reserveInput.parse(raw);
    const result = this.ctx.storage.transactionSync((): ReserveResult => {
      this.skuId(input.skuId);
      const existing = this.reservation(input.reservationId);
      if (existing) {
        return existing.status === "released"
          ? { ok: false, code: "reservation_closed", reservation: existing, view: this.view() }
          : { ok: true, replayed: true, reservation: existing, view: this.view() };
      }
      const rows = this.sql.exec<StockRow>("SELECT * FROM stock WHERE available > 0").toArray();
      const rank = (w: string) => input.priorities[w] ?? Number.MAX_SAFE_INTEGER;
      rows.sort(
        (a, b) =>
          rank(a.warehouse_id) - rank(b.warehouse_id) ||
          b.available - a.available ||
          (a.warehouse_id < b.warehouse_id ? -1 : 1),
      );
      const total = rows.reduce((acc, r) => acc + r.available, 0);
      if (total < input.quantity) {
        return { ok: false, code: "insufficient_stock", available: total, view: this.view() };
      }
      const whole = rows.find((r) => r.available >= input.quantity);
      const allocations: { warehouseId: string; quantity: number }[] = [];
      if (whole) allocations.push({ warehouseId: whole.warehouse_id, quantity: input.quantity });
      else {
        let left = input.quantity;
        for (const r of rows) {
          if (left === 0) break;
          const take = Math.min(left, r.available);
          allocations.push({ warehouseId: r.warehouse_id, quantity: take });
          left -= take;
        }
      }
      const expiresAt = input.at + input.ttlMs;
      for (const a of allocations) {
        const after = this.move(a.warehouseId, { available: -a.quantity, reserved: a.quantity });
        this.sql.exec(
          "INSERT INTO reservations (reservation_id, warehouse_id, quantity, status, expires_at, created_at) VALUES (?, ?, ?, 'held', ?, ?)",
          input.reservationId,
          a.warehouseId,
          a.quantity,
          expiresAt,
          input.at,
        );
        this.log(
          {
            opId: `reserve:${input.reservationId}:${a.warehouseId}`,
            warehouseId: a.warehouseId,
            kind: "reserve",
            quantity: a.quantity,
            reason: `hold until ${new Date(expiresAt).toISOString()}`,
            actor: input.actor,
            at: input.at,
          },
          after,
        );
      }
      this.afterWrite(input.at);
      const reservation: Reservation = {
        reservationId: input.reservationId,
        status: "held",
        quantity: input.quantity,
        allocations: allocations.sort((x, y) => (x.warehouseId < y.warehouseId ? -1 : 1)),
        expiresAt,
      };
      return { ok: true, replayed: false, reservation, view: this.view() };
    });
    if (result.ok && !result.replayed) await this.schedule(true);
    return result;
  }

  /** Hold → sold (payment succeeded). Once per reservation; a released hold cannot be confirmed. */
  async confirm(raw: unknown): Promise<SettleResult> {
    return this.settle(raw, "confirmed");
  }

  /**
   * Hold → available (cancel, timeout, compensation). Once per reservation; releasing an id never
   * reserved leaves a tombstone so a reserve arriving later (a retry still in flight) holds nothing.
   */
  async release(raw: unknown): Promise<SettleResult> {
    return this.settle(raw, "released");
  }

  private async settle(raw: unknown, to: "confirmed" | "released"): Promise<SettleResult> {
    const input = reservationRefInput.parse(raw);
    const result = this.ctx.storage.transactionSync((): SettleResult => {
      this.skuId(input.skuId);
      const existing = this.reservation(input.reservationId);
      if (!existing) {
        if (to === "confirmed") return { ok: false, code: "unknown_reservation", view: this.view() };
        this.sql.exec(
          "INSERT INTO reservations (reservation_id, warehouse_id, quantity, status, expires_at, created_at) VALUES (?, '', 0, 'released', ?, ?)",
          input.reservationId,
          input.at,
          input.at,
        );
        return { ok: true, replayed: false, reservation: this.reservation(input.reservationId), view: this.view() };
      }
      if (existing.status === to) return { ok: true, replayed: true, reservation: existing, view: this.view() };
      if (existing.status !== "held") {
        return {
          ok: false,
          code: existing.status === "released" ? "reservation_released" : "reservation_confirmed",
          view: this.view(),
        };
      }
      this.closeHold(existing, to, input.actor, input.at, input.reason);
      this.afterWrite(input.at);
      return { ok: true, replayed: false, reservation: this.reservation(input.reservationId), view: this.view() };
    });
    if (result.ok && !result.replayed) await this.schedule(true);
    return result;
  }

  private closeHold(
    held: Reservation,
    to: "confirmed" | "released",
    actor: string,
    at: number,
    reason = to === "confirmed" ? "paid" : "released",
  ): void {
    for (const a of held.allocations) {
      const after = this.move(
        a.warehouseId,
        to === "confirmed"
          ? { reserved: -a.quantity, sold: a.quantity }
          : { reserved: -a.quantity, available: a.quantity },
      );
      this.log(
        {
          opId: `${to === "confirmed" ? "confirm" : "release"}:${held.reservationId}:${a.warehouseId}`,
          warehouseId: a.warehouseId,
          kind: to === "confirmed" ? "confirm" : "release",
          quantity: a.quantity,
          reason,
          actor,
          at,
        },
        after,
      );
    }
    this.sql.exec("UPDATE reservations SET status = ? WHERE reservation_id = ?", to, held.reservationId);
  }

  /** Releases every hold due at `now`; returns how many. Safe to run any number of times. */
  async expireDue(now: number): Promise<number> {
    const expired = this.ctx.storage.transactionSync(() => {
      const due = this.sql
        .exec<{ reservation_id: string }>(
          "SELECT DISTINCT reservation_id FROM reservations WHERE status = 'held' AND expires_at <= ? LIMIT 500",
          now,
        )
        .toArray();
      for (const { reservation_id } of due) {
        const held = this.reservation(reservation_id);
        if (held?.status === "held") this.closeHold(held, "released", "system", now, "hold expired");
      }
      if (due.length > 0) this.afterWrite(now);
      return due.length;
    });
    if (expired > 0) await this.schedule(true);
    return expired;
  }

  /**
   * Sets the safety-stock threshold (0 turns alerts off). Setting it re-arms the alert, so a
   * threshold at or above the current stock alerts at once: the seller learns it is already low.
   */
  async setSafetyStock(raw: unknown): Promise<StockView> {
    const input = safetyStockInput.parse(raw);
    this.ctx.storage.transactionSync(() => {
      this.skuId(input.skuId);
      this.setMeta("safety_stock", input.threshold);
      this.setMeta("low_stock_alerted", "0");
      this.afterWrite(Date.now());
    });
    await this.schedule(true);
    return this.view();
  }

  // -------------------------------------------------------------------------------------------
  // Alarm: expiry and publishing

  /**
   * Arms the alarm for the earliest of: the next hold expiry, and a pending publish. Writers pass
   * `publishPending` (they just moved the revision); the alarm works it out.
   */
  private async schedule(publishPending = this.publishPending()): Promise<void> {
    const nextExpiry = this.sql
      .exec<{ at: number | null }>("SELECT min(expires_at) AS at FROM reservations WHERE status = 'held'")
      .one().at;
    const candidates = [nextExpiry ?? Number.POSITIVE_INFINITY];
    if (publishPending) candidates.push(Date.now() + PUBLISH_DELAY_MS);
    const next = Math.min(...candidates);
    if (!Number.isFinite(next)) return;
    if (this.alarmAt === undefined) this.alarmAt = await this.ctx.storage.getAlarm();
    if (this.alarmAt === null || this.alarmAt > next) {
      await this.ctx.storage.setAlarm(next);
      this.alarmAt = next;
    }
  }

  private publishPending(): boolean {
    const published = Number(this.meta("published_revision") ?? 0);
    const outbox = this.sql.exec<{ n: number }>("SELECT count(*) AS n FROM outbox").one().n;
    return outbox > 0 || this.revision() > published;
  }

  override async alarm(): Promise<void> {
    // The runtime disarmed the alarm that is running now.
    this.alarmAt = null;
    await this.expireDue(Date.now());
    await this.flush();
    await this.schedule();
  }

  /** Publishes the current view (if it moved since the last publish) and queued alerts. */
  async flush(): Promise<{ published: number }> {
    let published = 0;
    const view = this.view();
    if (view.skuId && view.revision > Number(this.meta("published_revision") ?? 0)) {
      await publish(this.env, "stock-views", makeEvent("inventory.stock_changed", { view }, Date.now()));
      this.setMeta("published_revision", view.revision);
      published += 1;
    }
    const queued = this.sql.exec<{ seq: number; body: string }>("SELECT * FROM outbox ORDER BY seq").toArray();
    for (const row of queued) {
      await publish(this.env, "catalog-events", JSON.parse(row.body));
      this.sql.exec("DELETE FROM outbox WHERE seq = ?", row.seq);
      published += 1;
    }
    return { published };
  }
}
