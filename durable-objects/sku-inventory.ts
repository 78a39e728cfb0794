/**
 * One SKU's stock: the system of record for how many units are available, reserved and sold in
 * each warehouse, the reservations (timed holds) of checkouts, and an append-only movement log.
 *
 * Every write runs in `transactionSync` on the object's SQLite storage (writes that queue up
 * meanwhile share one: see `write`), so the invariant
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
 *
 * The tables and the statements on them live in sku-inventory-tables.ts; the allocation rule in
 * shared/inventory/allocation.ts (pure, unit-tested outside workerd).
 */
import { DurableObject } from "cloudflare:workers";
import { makeEvent } from "../shared/events/messages";
import { type Producers, publish } from "../shared/events/producer";
import { allocateStock } from "../shared/inventory/allocation";
import {
  type AdjustResult,
  adjustStockInput,
  type Movement,
  type Reservation,
  type ReserveResult,
  type ReturnSoldResult,
  reservationRefInput,
  reserveInput,
  returnSoldInput,
  type SettleResult,
  type SplitHoldResult,
  type StockView,
  safetyStockInput,
  splitHoldInput,
  type TransferResult,
  transferInput,
} from "../shared/inventory/schemas";
import { SkuInventoryTables } from "./sku-inventory-tables";

/** Writes within this window reach the projection as one event. */
export const PUBLISH_DELAY_MS = 1_000;

/** A write waiting for its batch, and how to answer its caller. */
interface QueuedWrite {
  work: () => unknown;
  resolve: (value: unknown) => void;
  reject: (reason: unknown) => void;
}

type Outcome = { ok: true; value: unknown } | { ok: false; error: unknown };

export class SkuInventory extends DurableObject<Producers> {
  private readonly tables: SkuInventoryTables;
  /** Memo of the SKU id (set once, never changes). */
  private knownSkuId: string | undefined;
  /** Memo of the armed alarm: undefined until read; null when none is armed. */
  private alarmAt: number | null | undefined;
  /** Writes waiting for the next batch (see `write`). */
  private readonly waiting: QueuedWrite[] = [];

  constructor(ctx: DurableObjectState, env: Producers) {
    super(ctx, env);
    this.tables = new SkuInventoryTables(ctx.storage.sql);
  }

  // -------------------------------------------------------------------------------------------
  // Reads

  private skuId(fallback?: string): string {
    if (this.knownSkuId) return this.knownSkuId;
    const known = this.tables.meta("sku_id");
    if (known) {
      this.knownSkuId = known;
      return known;
    }
    if (!fallback) return "";
    // Not memoized here: the transaction writing it may still roll back.
    this.tables.setMeta("sku_id", fallback);
    return fallback;
  }

  /** Current stock, summed and per warehouse. */
  view(): StockView {
    return this.tables.view(this.skuId());
  }

  /** A reservation as it stands, or null when the id was never seen. */
  reservation(reservationId: string): Reservation | null {
    return this.tables.reservation(reservationId);
  }

  /** The newest movements first; with `beforeSeq`, those older than that sequence number (paging). */
  movements(limit = 50, beforeSeq?: number): Movement[] {
    return this.tables.movements(limit, beforeSeq);
  }

  // -------------------------------------------------------------------------------------------
  // Batches: the writes queued meanwhile, one transaction and one storage commit

  /**
   * Applies `work` (synchronous reads and writes of the tables) in the object's next batch, and
   * answers once that batch has committed and the alarm is armed. Every write that reaches the
   * object before the batch runs joins it: calls queued behind one another share a transaction and
   * a storage commit, which were most of what a call cost (docs/decisions.md, "The SKU object's
   * own cost"). The batch runs on a zero timer, after the calls already delivered have queued
   * theirs; each work still runs alone and in arrival order, so every rule holds per call. A call
   * is answered only after its batch committed (and the output gate holds the answer until the
   * storage confirms it): an answered call is a persisted call.
   */
  private write<T>(work: () => T): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      this.waiting.push({ work, resolve: resolve as (value: unknown) => void, reject });
      if (this.waiting.length === 1) setTimeout(() => void this.runBatch(), 0);
    });
  }

  private async runBatch(): Promise<void> {
    const writes = this.waiting.splice(0);
    const { outcomes, changed } = this.applyAll(writes);
    let unscheduled: unknown;
    if (changed) {
      // As before batching: a write is answered only once the alarm that publishes it is armed.
      await this.schedule(true).catch((err: unknown) => {
        unscheduled = err;
      });
    }
    writes.forEach((w, i) => {
      const outcome = outcomes[i];
      if (outcome?.ok && unscheduled === undefined) w.resolve(outcome.value);
      else w.reject(outcome?.ok === false ? outcome.error : unscheduled);
    });
  }

  /**
   * All the writes in one transaction. If one throws (a refused CHECK: a bug, never a business
   * refusal, which is an answer), the transaction rolls back whole and each write runs again in its
   * own, so only the one that threw fails.
   */
  private applyAll(writes: readonly QueuedWrite[]): { outcomes: Outcome[]; changed: boolean } {
    const inTransaction = (works: readonly QueuedWrite[]) =>
      this.ctx.storage.transactionSync(() => this.tables.batch(() => works.map((w) => w.work())));
    try {
      const { value, changed } = inTransaction(writes);
      return { outcomes: value.map((v) => ({ ok: true, value: v })), changed };
    } catch (error) {
      if (writes.length === 1) return { outcomes: [{ ok: false, error }], changed: false };
      let changed = false;
      const outcomes = writes.map((w): Outcome => {
        try {
          const alone = inTransaction([w]);
          changed ||= alone.changed;
          return { ok: true, value: alone.value[0] };
        } catch (error) {
          return { ok: false, error };
        }
      });
      return { outcomes, changed };
    }
  }

  // -------------------------------------------------------------------------------------------
  // Writes (each applied alone and in order inside its batch's transaction)

  /**
   * After every write: queue a safety-stock alert when available stock has fallen to the
   * threshold (once per crossing; rising above it re-arms the alert), and make sure the alarm
   * will publish the change.
   */
  private afterWrite(at: number): void {
    const threshold = Number(this.tables.meta("safety_stock") ?? 0);
    // Without a threshold there is nothing to alert (setting one re-arms the flag).
    if (threshold === 0) return;
    const available = this.tables.totalAvailable();
    const alerted = this.tables.meta("low_stock_alerted") === "1";
    if (threshold > 0 && available <= threshold && !alerted) {
      const event = makeEvent("inventory.low_stock", { skuId: this.skuId(), available, threshold }, at);
      this.tables.enqueue(JSON.stringify(event));
      this.tables.setMeta("low_stock_alerted", "1");
    } else if (alerted && available > threshold) {
      this.tables.setMeta("low_stock_alerted", "0");
    }
  }

  /** Receives, writes off or counts stock in one warehouse; never below zero; once per op id. */
  async adjust(raw: unknown): Promise<AdjustResult> {
    const input = adjustStockInput.parse(raw);
    return this.write((): AdjustResult => {
      this.skuId(input.skuId);
      const done = this.tables.doneMovement(input.opId);
      if (done)
        return {
          ok: true,
          replayed: true,
          delta: done.quantity,
          availableAfter: done.availableAfter,
          view: this.view(),
        };
      const available = this.tables.available(input.warehouseId);
      const delta = input.mode === "set" ? input.quantity - available : input.quantity;
      if (available + delta < 0) {
        return {
          ok: false,
          code: "insufficient_stock",
          detail: `Warehouse ${input.warehouseId} has ${available} available; cannot ${input.mode === "set" ? `set ${input.quantity}` : `remove ${-delta}`}`,
          view: this.view(),
        };
      }
      const after = this.tables.move(input.warehouseId, { available: delta });
      this.tables.log(
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
  }

  /** Moves available units from one warehouse to another, once per op id. */
  async transfer(raw: unknown): Promise<TransferResult> {
    const input = transferInput.parse(raw);
    return this.write((): TransferResult => {
      this.skuId(input.skuId);
      const done = this.tables.doneMovement(`${input.opId}:out`);
      if (done) {
        return {
          ok: true,
          replayed: true,
          delta: -done.quantity,
          availableAfter: done.availableAfter,
          view: this.view(),
        };
      }
      const from = this.tables.available(input.fromWarehouseId);
      if (from < input.quantity) {
        return {
          ok: false,
          code: "insufficient_stock",
          detail: `Warehouse ${input.fromWarehouseId} has ${from} available; cannot transfer ${input.quantity}`,
          view: this.view(),
        };
      }
      // Received moves with the units: each warehouse's own invariant keeps holding.
      const fromAfter = this.tables.move(input.fromWarehouseId, { available: -input.quantity });
      const toAfter = this.tables.move(input.toWarehouseId, { available: input.quantity });
      const common = { reason: input.reason, actor: input.actor, at: input.at };
      this.tables.log(
        {
          ...common,
          opId: `${input.opId}:out`,
          warehouseId: input.fromWarehouseId,
          kind: "transfer_out",
          quantity: -input.quantity,
        },
        fromAfter,
      );
      this.tables.log(
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
  }

  /**
   * Holds units for a checkout, from the warehouses `allocateStock` picks (shared/inventory/
   * allocation.ts): the shop's priority order, ties to most available stock, the first warehouse
   * covering the whole quantity takes it, otherwise a split in that order. All or nothing.
   */
  async reserve(raw: unknown): Promise<ReserveResult> {
    const input = reserveInput.parse(raw);
    return this.write((): ReserveResult => {
      this.skuId(input.skuId);
      const existing = this.reservation(input.reservationId);
      if (existing) {
        return existing.status === "released"
          ? { ok: false, code: "reservation_closed", reservation: existing, view: this.view() }
          : { ok: true, replayed: true, reservation: existing, view: this.view() };
      }
      const stocked = this.tables.stockedRows().map((r) => ({ warehouseId: r.warehouse_id, available: r.available }));
      const allocated = allocateStock(stocked, input.quantity, input.priorities);
      if (!allocated.ok) {
        return { ok: false, code: "insufficient_stock", available: allocated.available, view: this.view() };
      }
      const { allocations } = allocated;
      const expiresAt = input.at + input.ttlMs;
      for (const a of allocations) {
        const after = this.tables.move(a.warehouseId, { available: -a.quantity, reserved: a.quantity });
        this.tables.insertHold(input.reservationId, a.warehouseId, a.quantity, expiresAt, input.at);
        this.tables.log(
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
  }

  /**
   * Moves units of a held parent (a flash-sale campaign's carve-out) into a hold of their own (a
   * flash-sale order's): reserved before and after, so available does not move. The new hold
   * remembers its parent: releasing it (cancel, timeout, compensation, expiry) puts its units back
   * into the parent while that is still held, and into available once it is not (closeHold).
   */
  async splitHold(raw: unknown): Promise<SplitHoldResult> {
    const input = splitHoldInput.parse(raw);
    return this.write((): SplitHoldResult => {
      this.skuId(input.skuId);
      const existing = this.reservation(input.reservationId);
      if (existing) {
        return existing.status === "released"
          ? { ok: false, code: "reservation_closed", view: this.view() }
          : { ok: true, replayed: true, reservation: existing, view: this.view() };
      }
      const parent = this.reservation(input.parentReservationId);
      if (parent?.status !== "held") return { ok: false, code: "parent_closed", view: this.view() };
      if (parent.quantity < input.quantity) {
        return { ok: false, code: "insufficient_stock", held: parent.quantity, view: this.view() };
      }
      const expiresAt = input.at + input.ttlMs;
      let left = input.quantity;
      for (const a of parent.allocations) {
        const units = Math.min(left, a.quantity);
        if (units === 0) break;
        this.tables.resizeHold(parent.reservationId, a.warehouseId, -units, parent.expiresAt, input.at);
        this.tables.insertHold(input.reservationId, a.warehouseId, units, expiresAt, input.at);
        this.tables.log(
          {
            opId: `split:${input.reservationId}:${a.warehouseId}`,
            warehouseId: a.warehouseId,
            kind: "split",
            quantity: units,
            reason: `from ${parent.reservationId}, hold until ${new Date(expiresAt).toISOString()}`,
            actor: input.actor,
            at: input.at,
          },
          this.tables.available(a.warehouseId),
        );
        left -= units;
      }
      this.tables.setParent(input.reservationId, parent.reservationId);
      const reservation = this.reservation(input.reservationId);
      if (!reservation) throw new Error(`split hold ${input.reservationId} was not written`);
      return { ok: true, replayed: false, reservation, view: this.view() };
    });
  }

  /**
   * Sold units of a reservation come back (a refund received the returned goods): sellable ones
   * to available in the warehouses they were sold from, damaged ones written off (sold and
   * received both drop, logged as a `write_off`). Once per op id; never more than it sold. Each
   * warehouse gives back only what this reservation sold there and has not returned yet, so
   * partial returns one after another take every warehouse's units once, never another order's.
   */
  async returnSold(raw: unknown): Promise<ReturnSoldResult> {
    const input = returnSoldInput.parse(raw);
    return this.write((): ReturnSoldResult => {
      this.skuId(input.skuId);
      // A movement per warehouse touched, numbered from 0: the first one marks the op as done.
      if (this.tables.doneMovement(`${input.opId}:0`)) return { ok: true, replayed: true, view: this.view() };
      const sold = this.reservation(input.reservationId);
      const returned = this.tables.returnedUnits(input.reservationId);
      const unreturned = (sold?.status === "confirmed" ? sold.allocations : []).map((a) => ({
        warehouseId: a.warehouseId,
        quantity: a.quantity - (returned.get(a.warehouseId) ?? 0),
      }));
      const soldUnits = unreturned.reduce((n, a) => n + a.quantity, 0);
      if (!sold || soldUnits < input.quantity) return { ok: false, code: "not_sold", view: this.view() };
      let left = input.quantity;
      let written = 0;
      for (const a of unreturned) {
        const units = Math.min(left, a.quantity);
        if (left === 0) break;
        if (units === 0) continue;
        const sellable = input.condition === "sellable";
        const after = this.tables.move(a.warehouseId, sellable ? { sold: -units, available: units } : { sold: -units });
        this.tables.addReturned(input.reservationId, a.warehouseId, units);
        this.tables.log(
          {
            opId: `${input.opId}:${written++}`,
            warehouseId: a.warehouseId,
            kind: sellable ? "return" : "write_off",
            quantity: sellable ? units : -units,
            reason: input.reason,
            actor: input.actor,
            at: input.at,
          },
          after,
        );
        left -= units;
      }
      this.afterWrite(input.at);
      return { ok: true, replayed: false, view: this.view() };
    });
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
    return this.write((): SettleResult => {
      this.skuId(input.skuId);
      const existing = this.reservation(input.reservationId);
      if (!existing) {
        if (to === "confirmed") return { ok: false, code: "unknown_reservation", view: this.view() };
        this.tables.insertTombstone(input.reservationId, input.at);
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
  }

  private closeHold(
    held: Reservation,
    to: "confirmed" | "released",
    actor: string,
    at: number,
    reason = to === "confirmed" ? "paid" : "released",
  ): void {
    if (to === "released" && this.rejoinParent(held, actor, at, reason)) return;
    for (const a of held.allocations) {
      const after = this.tables.move(
        a.warehouseId,
        to === "confirmed"
          ? { reserved: -a.quantity, sold: a.quantity }
          : { reserved: -a.quantity, available: a.quantity },
      );
      this.tables.log(
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
    this.tables.setReservationStatus(held.reservationId, to);
  }

  /**
   * A released split hold gives its units back to the hold it came from while that is still held
   * (a flash-sale order cancelled during its campaign: the campaign can sell them again); reserved
   * throughout. Returns false when there is no held parent (the units go back to available).
   */
  private rejoinParent(held: Reservation, actor: string, at: number, reason: string): boolean {
    const parentId = this.tables.parentOf(held.reservationId);
    const parent = parentId ? this.reservation(parentId) : null;
    if (!parent || parent.status !== "held") return false;
    for (const a of held.allocations) {
      this.tables.resizeHold(parent.reservationId, a.warehouseId, a.quantity, parent.expiresAt, at);
      this.tables.log(
        {
          opId: `rejoin:${held.reservationId}:${a.warehouseId}`,
          warehouseId: a.warehouseId,
          kind: "rejoin",
          quantity: a.quantity,
          reason: `${reason}: back to ${parent.reservationId}`,
          actor,
          at,
        },
        this.tables.available(a.warehouseId),
      );
    }
    this.tables.setReservationStatus(held.reservationId, "released");
    return true;
  }

  /** Releases every hold due at `now`; returns how many. Safe to run any number of times. */
  async expireDue(now: number): Promise<number> {
    return this.write(() => {
      const due = this.tables.dueReservationIds(now);
      for (const reservationId of due) {
        const held = this.reservation(reservationId);
        if (held?.status === "held") this.closeHold(held, "released", "system", now, "hold expired");
      }
      if (due.length > 0) this.afterWrite(now);
      return due.length;
    });
  }

  /**
   * Sets the safety-stock threshold (0 turns alerts off). Setting it re-arms the alert, so a
   * threshold at or above the current stock alerts at once: the seller learns it is already low.
   */
  async setSafetyStock(raw: unknown): Promise<StockView> {
    const input = safetyStockInput.parse(raw);
    return this.write(() => {
      this.skuId(input.skuId);
      this.tables.setMeta("safety_stock", input.threshold);
      this.tables.setMeta("low_stock_alerted", "0");
      this.afterWrite(Date.now());
      return this.view();
    });
  }

  // -------------------------------------------------------------------------------------------
  // Alarm: expiry and publishing

  /**
   * Arms the alarm for the earliest of: the next hold expiry, and a pending publish. Writers pass
   * `publishPending` (they just moved the revision); the alarm works it out.
   */
  private async schedule(publishPending = this.publishPending()): Promise<void> {
    const nextExpiry = this.tables.nextExpiry();
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
    const published = Number(this.tables.meta("published_revision") ?? 0);
    return this.tables.queuedCount() > 0 || this.tables.revision() > published;
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
    if (view.skuId && view.revision > Number(this.tables.meta("published_revision") ?? 0)) {
      await publish(this.env, "stock-views", makeEvent("inventory.stock_changed", { view }, Date.now()));
      this.tables.setMeta("published_revision", view.revision);
      published += 1;
    }
    for (const row of this.tables.queued()) {
      await publish(this.env, "catalog-events", JSON.parse(row.body));
      this.tables.dequeue(row.seq);
      published += 1;
    }
    return { published };
  }
}
