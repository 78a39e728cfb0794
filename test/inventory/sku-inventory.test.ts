/**
 * The SKU inventory object, called directly through its stub: concurrency, allocation,
 * idempotency, expiry (by sweep and by the real alarm), eviction, transfers, safety-stock alerts
 * and publishing to the catalog-events queue (observed through what the consumer writes to D1).
 */
import { env, evictDurableObject, runDurableObjectAlarm, runInDurableObject } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import type { SkuInventory } from "../../durable-objects/sku-inventory";
import { inventoryOf } from "../../shared/inventory/binding";
import type { ReservationRefInput, ReserveInput, StockView } from "../../shared/inventory/schemas";
import { newSeller, postProduct, tshirt } from "../helpers/catalog";

type Stub = DurableObjectStub<SkuInventory>;

const ACTOR = "inventory-test";
const HOUR = 3_600_000;
/** Far enough ahead that the object's own alarm (real time) never expires these holds. */
const FUTURE = Date.now() + 24 * HOUR;

function freshSku(): { skuId: string; stub: Stub } {
  const skuId = `sku_test_${crypto.randomUUID()}`;
  return { skuId, stub: inventoryOf(env).getByName(skuId) };
}

/** Sets each warehouse's available stock (a stock take per warehouse). */
async function stock(stub: Stub, skuId: string, levels: Record<string, number>): Promise<StockView> {
  let view: StockView | undefined;
  for (const [warehouseId, quantity] of Object.entries(levels)) {
    const result = await stub.adjust({
      skuId,
      opId: `open:${warehouseId}`,
      warehouseId,
      mode: "set",
      quantity,
      reason: "opening stock",
      actor: ACTOR,
      at: Date.now(),
    });
    if (!result.ok) throw new Error(`could not stock ${warehouseId}: ${result.detail}`);
    view = result.view;
  }
  if (!view) throw new Error("no levels given");
  return view;
}

function hold(
  skuId: string,
  reservationId: string,
  quantity: number,
  extra: Partial<Pick<ReserveInput, "priorities" | "ttlMs" | "at">> = {},
): ReserveInput {
  return { skuId, reservationId, quantity, ttlMs: 15 * 60_000, actor: ACTOR, at: FUTURE, ...extra };
}

function ref(skuId: string, reservationId: string, at = FUTURE): ReservationRefInput {
  return { skuId, reservationId, actor: ACTOR, at };
}

function byWarehouse(view: StockView): Record<string, { available: number; reserved: number; sold: number }> {
  const out: Record<string, { available: number; reserved: number; sold: number }> = {};
  for (const w of view.warehouses) {
    expect(w.available + w.reserved + w.sold).toBe(w.received);
    out[w.warehouseId] = { available: w.available, reserved: w.reserved, sold: w.sold };
  }
  return out;
}

function sqlRows<T extends Record<string, SqlStorageValue>>(stub: Stub, query: string, ...args: SqlStorageValue[]) {
  return runInDurableObject(stub, (_instance: SkuInventory, state) =>
    state.storage.sql.exec<T>(query, ...args).toArray(),
  );
}

function alarmOf(stub: Stub): Promise<number | null> {
  return runInDurableObject(stub, (_instance: SkuInventory, state) => state.storage.getAlarm());
}

/** Reads until `done` holds or `timeoutMs` passes; returns the last read either way. */
async function eventually<T>(read: () => Promise<T>, done: (value: T) => boolean, timeoutMs = 8_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await read();
    if (done(value) || Date.now() > deadline) return value;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

describe("concurrent reservations", () => {
  it("sells 600 units to exactly 600 of 1,000 concurrent one-unit reserves, then releases exactly once", async () => {
    const { skuId, stub } = freshSku();
    await stock(stub, skuId, { wh_main: 600 });
    const ids = Array.from({ length: 1_000 }, (_, i) => `res-${i}`);
    const results = await Promise.all(ids.map((id) => stub.reserve(hold(skuId, id, 1))));
    const won = ids.filter((_, i) => results[i]?.ok);
    expect(won).toHaveLength(600);
    expect(results.filter((r) => !r.ok && r.code === "insufficient_stock")).toHaveLength(400);
    expect(results.filter((r) => r.ok && r.replayed)).toHaveLength(0);

    const view = await stub.view();
    expect(view).toMatchObject({ skuId, available: 0, reserved: 600, sold: 0 });
    expect(byWarehouse(view)).toEqual({ wh_main: { available: 0, reserved: 600, sold: 0 } });
    const reserveLog = await sqlRows<{ op_id: string; quantity: number }>(
      stub,
      "SELECT op_id, quantity FROM movements WHERE kind = 'reserve'",
    );
    expect(reserveLog).toHaveLength(600);
    expect(new Set(reserveLog.map((m) => m.op_id))).toEqual(new Set(won.map((id) => `reserve:${id}:wh_main`)));
    expect(reserveLog.every((m) => m.quantity === 1)).toBe(true);

    // 100 releases, each sent three times at once: each hold goes back exactly once.
    const released = won.slice(0, 100);
    const releases = await Promise.all(
      [...released, ...released, ...released].map((id) => stub.release(ref(skuId, id))),
    );
    expect(releases.every((r) => r.ok)).toBe(true);
    expect(releases.filter((r) => r.ok && !r.replayed)).toHaveLength(100);
    expect(releases.filter((r) => r.ok && r.replayed)).toHaveLength(200);
    expect(await stub.view()).toMatchObject({ available: 100, reserved: 500, sold: 0 });
    const releaseLog = await sqlRows<{ n: number }>(stub, "SELECT count(*) AS n FROM movements WHERE kind = 'release'");
    expect(releaseLog[0]?.n).toBe(100);
    // A released id never holds again, even with stock back on the shelf.
    expect(await stub.reserve(hold(skuId, released[0] ?? "", 1))).toMatchObject({
      ok: false,
      code: "reservation_closed",
    });
  });

  it("holds a reservation id once when the same reserve arrives many times at once", async () => {
    const { skuId, stub } = freshSku();
    await stock(stub, skuId, { wh_a: 10 });
    const results = await Promise.all(Array.from({ length: 20 }, () => stub.reserve(hold(skuId, "dup", 3))));
    expect(results.every((r) => r.ok)).toBe(true);
    expect(results.filter((r) => r.ok && !r.replayed)).toHaveLength(1);
    expect(await stub.view()).toMatchObject({ available: 7, reserved: 3 });
  });
});

describe("allocation across warehouses", () => {
  const allocationOf = async (stub: Stub, input: ReserveInput) => {
    const result = await stub.reserve(input);
    if (!result.ok) throw new Error(`reserve refused: ${result.code}`);
    return result.reservation.allocations;
  };

  it("takes the highest priority (lowest number) first, even when another warehouse has more", async () => {
    const { skuId, stub } = freshSku();
    await stock(stub, skuId, { wh_a: 5, wh_b: 50 });
    expect(await allocationOf(stub, hold(skuId, "r1", 3, { priorities: { wh_a: 0, wh_b: 1 } }))).toEqual([
      { warehouseId: "wh_a", quantity: 3 },
    ]);
    expect(await allocationOf(stub, hold(skuId, "r2", 3, { priorities: { wh_a: 5, wh_b: 1 } }))).toEqual([
      { warehouseId: "wh_b", quantity: 3 },
    ]);
    // Warehouses missing from the priorities come after the listed ones.
    expect(await allocationOf(stub, hold(skuId, "r3", 2, { priorities: { wh_a: 9 } }))).toEqual([
      { warehouseId: "wh_a", quantity: 2 },
    ]);
  });

  it("breaks priority ties by most available stock", async () => {
    const { skuId, stub } = freshSku();
    await stock(stub, skuId, { wh_a: 4, wh_b: 9, wh_c: 6 });
    expect(await allocationOf(stub, hold(skuId, "r1", 2, { priorities: { wh_a: 1, wh_b: 1, wh_c: 1 } }))).toEqual([
      { warehouseId: "wh_b", quantity: 2 },
    ]);
    // wh_b now has 7, still the most; without priorities everything ties.
    expect(await allocationOf(stub, hold(skuId, "r2", 2))).toEqual([{ warehouseId: "wh_b", quantity: 2 }]);
    // wh_b 5, wh_c 6: the tie now goes to wh_c.
    expect(await allocationOf(stub, hold(skuId, "r3", 1))).toEqual([{ warehouseId: "wh_c", quantity: 1 }]);
  });

  it("prefers one warehouse that covers the whole quantity over splitting", async () => {
    const { skuId, stub } = freshSku();
    await stock(stub, skuId, { wh_a: 5, wh_b: 8, wh_c: 12 });
    // wh_a comes first but holds only 5; wh_b is the first that covers 7 in one parcel.
    expect(await allocationOf(stub, hold(skuId, "r1", 7, { priorities: { wh_a: 0, wh_b: 1, wh_c: 2 } }))).toEqual([
      { warehouseId: "wh_b", quantity: 7 },
    ]);
    expect(await stub.view().then(byWarehouse)).toEqual({
      wh_a: { available: 5, reserved: 0, sold: 0 },
      wh_b: { available: 1, reserved: 7, sold: 0 },
      wh_c: { available: 12, reserved: 0, sold: 0 },
    });
  });

  it("splits in priority order when no single warehouse can cover, and is all-or-nothing", async () => {
    const { skuId, stub } = freshSku();
    await stock(stub, skuId, { wh_a: 5, wh_b: 10, wh_c: 8 });
    const priorities = { wh_a: 0, wh_b: 1, wh_c: 1 };
    const before = await stub.view();
    // 23 in all: 24 is refused whole, with nothing held anywhere.
    expect(await stub.reserve(hold(skuId, "too-many", 24, { priorities }))).toMatchObject({
      ok: false,
      code: "insufficient_stock",
      available: 23,
    });
    expect(await stub.view()).toEqual(before);
    expect(await stub.reservation("too-many")).toBeNull();
    // 20: wh_a first (5), then the tie wh_b (10, more) before wh_c (8) for the rest.
    const split = await stub.reserve(hold(skuId, "split", 20, { priorities }));
    expect(split).toMatchObject({
      ok: true,
      reservation: {
        status: "held",
        quantity: 20,
        allocations: [
          { warehouseId: "wh_a", quantity: 5 },
          { warehouseId: "wh_b", quantity: 10 },
          { warehouseId: "wh_c", quantity: 5 },
        ],
      },
    });
    expect(byWarehouse(await stub.view())).toEqual({
      wh_a: { available: 0, reserved: 5, sold: 0 },
      wh_b: { available: 0, reserved: 10, sold: 0 },
      wh_c: { available: 3, reserved: 5, sold: 0 },
    });
    // A hold across warehouses settles in each of them.
    expect(await stub.confirm(ref(skuId, "split"))).toMatchObject({ ok: true, replayed: false });
    expect(byWarehouse(await stub.view())).toEqual({
      wh_a: { available: 0, reserved: 0, sold: 5 },
      wh_b: { available: 0, reserved: 0, sold: 10 },
      wh_c: { available: 3, reserved: 0, sold: 5 },
    });
  });
});

describe("idempotency by reservation id", () => {
  it("applies reserve, confirm and release once each and refuses contradicting settlements", async () => {
    const { skuId, stub } = freshSku();
    await stock(stub, skuId, { wh_a: 10 });

    const first = await stub.reserve(hold(skuId, "paid", 4));
    expect(first).toMatchObject({ ok: true, replayed: false, view: { available: 6, reserved: 4 } });
    const again = await stub.reserve(hold(skuId, "paid", 9, { ttlMs: 60_000 }));
    expect(again).toMatchObject({ ok: true, replayed: true, view: { available: 6, reserved: 4 } });
    if (!first.ok || !again.ok) throw new Error("unreachable");
    expect(again.reservation).toEqual(first.reservation);
    expect(again.view.revision).toBe(first.view.revision);

    expect(await stub.confirm(ref(skuId, "paid"))).toMatchObject({
      ok: true,
      replayed: false,
      reservation: { status: "confirmed" },
      view: { available: 6, reserved: 0, sold: 4 },
    });
    const soldView = await stub.view();
    expect(await stub.confirm(ref(skuId, "paid"))).toMatchObject({ ok: true, replayed: true });
    expect(await stub.release(ref(skuId, "paid"))).toMatchObject({ ok: false, code: "reservation_confirmed" });
    expect(await stub.reserve(hold(skuId, "paid", 4))).toMatchObject({
      ok: true,
      replayed: true,
      reservation: { status: "confirmed" },
    });
    expect(await stub.view()).toEqual(soldView);

    expect(await stub.reserve(hold(skuId, "cancelled", 2))).toMatchObject({ ok: true, view: { available: 4 } });
    expect(await stub.release(ref(skuId, "cancelled"))).toMatchObject({
      ok: true,
      replayed: false,
      reservation: { status: "released" },
      view: { available: 6, reserved: 0 },
    });
    const releasedView = await stub.view();
    expect(await stub.release(ref(skuId, "cancelled"))).toMatchObject({ ok: true, replayed: true });
    expect(await stub.confirm(ref(skuId, "cancelled"))).toMatchObject({ ok: false, code: "reservation_released" });
    expect(await stub.reserve(hold(skuId, "cancelled", 2))).toMatchObject({ ok: false, code: "reservation_closed" });
    expect(await stub.view()).toEqual(releasedView);
  });

  it("leaves a tombstone when a release overtakes its reserve, and refuses to confirm an unknown id", async () => {
    const { skuId, stub } = freshSku();
    await stock(stub, skuId, { wh_a: 10 });
    const before = await stub.view();
    expect(await stub.confirm(ref(skuId, "never"))).toMatchObject({ ok: false, code: "unknown_reservation" });
    expect(await stub.reservation("never")).toBeNull();

    expect(await stub.release(ref(skuId, "late"))).toMatchObject({
      ok: true,
      replayed: false,
      reservation: { status: "released", quantity: 0, allocations: [] },
    });
    expect(await stub.release(ref(skuId, "late"))).toMatchObject({ ok: true, replayed: true });
    expect(await stub.reserve(hold(skuId, "late", 3))).toMatchObject({
      ok: false,
      code: "reservation_closed",
      reservation: { status: "released", quantity: 0 },
    });
    expect(await stub.confirm(ref(skuId, "late"))).toMatchObject({ ok: false, code: "reservation_released" });
    expect(await stub.view()).toEqual(before);
  });
});

describe("expiry", () => {
  it("expireDue(now) releases exactly the holds that are due, once", async () => {
    const { skuId, stub } = freshSku();
    await stock(stub, skuId, { wh_a: 10 });
    await stub.reserve(hold(skuId, "short", 3, { ttlMs: 1_000 }));
    await stub.reserve(hold(skuId, "long", 2, { ttlMs: 60_000 }));
    await stub.reserve(hold(skuId, "paid", 1, { ttlMs: 1_000 }));
    await stub.confirm(ref(skuId, "paid"));
    expect(await stub.view()).toMatchObject({ available: 4, reserved: 5, sold: 1 });

    expect(await stub.expireDue(FUTURE + 999)).toBe(0);
    expect(await stub.expireDue(FUTURE + 1_000)).toBe(1);
    expect(await stub.reservation("short")).toMatchObject({ status: "released", expiresAt: FUTURE + 1_000 });
    expect(await stub.reservation("long")).toMatchObject({ status: "held" });
    expect(await stub.reservation("paid")).toMatchObject({ status: "confirmed" });
    expect(await stub.view()).toMatchObject({ available: 7, reserved: 2, sold: 1 });
    const [newest] = await stub.movements(1);
    expect(newest).toMatchObject({
      opId: "release:short:wh_a",
      kind: "release",
      actor: "system",
      reason: "hold expired",
    });

    const settledView = await stub.view();
    expect(await stub.expireDue(FUTURE + 1_000)).toBe(0);
    expect(await stub.view()).toEqual(settledView);
    // An expired hold is released: paying it late is refused, not sold twice.
    expect(await stub.confirm(ref(skuId, "short"))).toMatchObject({ ok: false, code: "reservation_released" });

    expect(await stub.expireDue(FUTURE + 60_000)).toBe(1);
    expect(await stub.view()).toMatchObject({ available: 9, reserved: 0, sold: 1 });
  });

  it("the alarm releases a hold already past its expiry, stays armed for the next one, and a second run changes nothing", async () => {
    const { skuId, stub } = freshSku();
    await stock(stub, skuId, { wh_a: 10 });
    const now = Date.now();
    await stub.reserve(hold(skuId, "overdue", 3, { at: now - 2 * 60_000, ttlMs: 60_000 }));
    const keep = await stub.reserve(hold(skuId, "current", 2, { at: now, ttlMs: HOUR }));
    if (!keep.ok) throw new Error("reserve refused");
    // The alarm is due already and may have fired on its own; either way it has run after this.
    await runDurableObjectAlarm(stub);

    expect(await stub.reservation("overdue")).toMatchObject({ status: "released" });
    expect(await stub.reservation("current")).toMatchObject({ status: "held" });
    const view = await stub.view();
    expect(view).toMatchObject({ available: 8, reserved: 2, sold: 0 });
    const expiredLog = await sqlRows<{ actor: string; reason: string }>(
      stub,
      "SELECT actor, reason FROM movements WHERE op_id = 'release:overdue:wh_a'",
    );
    expect(expiredLog).toEqual([{ actor: "system", reason: "hold expired" }]);
    // Still armed, for the remaining hold's expiry at the latest.
    const armed = await alarmOf(stub);
    expect(armed).not.toBeNull();
    expect(armed ?? Number.POSITIVE_INFINITY).toBeLessThanOrEqual(keep.reservation.expiresAt);

    expect(await runDurableObjectAlarm(stub)).toBe(true);
    expect(await stub.view()).toEqual(view);
    expect(await stub.reservation("current")).toMatchObject({ status: "held" });
    expect(await alarmOf(stub)).toBe(keep.reservation.expiresAt);
  });

  it("the alarm fires by itself for an overdue hold and re-arms for the next expiry", async () => {
    const { skuId, stub } = freshSku();
    await stock(stub, skuId, { wh_a: 10 });
    const now = Date.now();
    const keep = await stub.reserve(hold(skuId, "later", 1, { at: now, ttlMs: HOUR }));
    await stub.reserve(hold(skuId, "overdue", 4, { at: now - 60_000, ttlMs: 1_000 }));
    if (!keep.ok) throw new Error("reserve refused");
    const released = await eventually(
      () => stub.reservation("overdue"),
      (r) => r?.status === "released",
    );
    expect(released?.status).toBe("released");
    expect(await stub.view()).toMatchObject({ available: 9, reserved: 1 });
    // After publishing, nothing is left to do but the remaining hold's expiry.
    const armed = await eventually(
      () => alarmOf(stub),
      (at) => at === keep.reservation.expiresAt,
    );
    expect(armed).toBe(keep.reservation.expiresAt);
  });
});

describe("eviction", () => {
  it("keeps reservations, their expiry and the alarm across eviction", async () => {
    const { skuId, stub } = freshSku();
    await stock(stub, skuId, { wh_a: 6, wh_b: 6 });
    await stub.reserve(hold(skuId, "split", 9, { ttlMs: 30_000 }));
    await stub.reserve(hold(skuId, "small", 1, { ttlMs: 90_000 }));
    const split = await stub.reservation("split");
    const viewBefore = await stub.view();
    expect(split).toMatchObject({ status: "held", quantity: 9, expiresAt: FUTURE + 30_000 });
    expect(split?.allocations).toHaveLength(2);

    await evictDurableObject(stub);
    expect(await stub.reservation("split")).toEqual(split);
    expect(await stub.view()).toEqual(viewBefore);
    expect(await alarmOf(stub)).not.toBeNull();
    expect(await stub.reserve(hold(skuId, "split", 9))).toMatchObject({ ok: true, replayed: true });

    await evictDurableObject(stub);
    expect(await stub.expireDue(FUTURE + 29_999)).toBe(0);
    expect(await stub.expireDue(FUTURE + 30_000)).toBe(1);
    await evictDurableObject(stub);
    expect(await stub.view()).toMatchObject({ available: 11, reserved: 1 });
    expect(await stub.reservation("small")).toMatchObject({ status: "held", expiresAt: FUTURE + 90_000 });
    expect(await stub.release(ref(skuId, "split"))).toMatchObject({ ok: true, replayed: true });
  });
});

describe("transfers", () => {
  it("moves available units between warehouses once per op id, and only what the source has free", async () => {
    const { skuId, stub } = freshSku();
    await stock(stub, skuId, { wh_a: 10 });
    const transfer = (opId: string, quantity: number, from = "wh_a", to = "wh_b") =>
      stub.transfer({
        skuId,
        opId,
        fromWarehouseId: from,
        toWarehouseId: to,
        quantity,
        reason: "rebalance",
        actor: ACTOR,
        at: Date.now(),
      });

    const moved = await transfer("t1", 4);
    expect(moved).toMatchObject({ ok: true, replayed: false, delta: 4 });
    expect(byWarehouse(await stub.view())).toEqual({
      wh_a: { available: 6, reserved: 0, sold: 0 },
      wh_b: { available: 4, reserved: 0, sold: 0 },
    });
    const afterFirst = await stub.view();
    expect(afterFirst.warehouses.map((w) => [w.warehouseId, w.received])).toEqual([
      ["wh_a", 6],
      ["wh_b", 4],
    ]);
    // A replay moves nothing and answers what the first run moved (since d92753a).
    expect(await transfer("t1", 4)).toMatchObject({ ok: true, replayed: true, delta: 4, availableAfter: 6 });
    expect(await stub.view()).toEqual(afterFirst);
    expect((await stub.movements(2)).map((m) => [m.opId, m.kind, m.quantity, m.availableAfter])).toEqual([
      ["t1:in", "transfer_in", 4, 4],
      ["t1:out", "transfer_out", -4, 6],
    ]);

    // Reserved units are not free to move.
    await stub.reserve(hold(skuId, "r1", 5, { priorities: { wh_a: 0 } }));
    expect(await transfer("t2", 2)).toMatchObject({ ok: false, code: "insufficient_stock", view: { available: 5 } });
    expect(await transfer("t3", 1, "wh_c", "wh_a")).toMatchObject({ ok: false, code: "insufficient_stock" });
    // A refused op id is not burnt: the same transfer goes through once stock is there.
    await stub.release(ref(skuId, "r1"));
    expect(await transfer("t2", 2)).toMatchObject({ ok: true, replayed: false });
    expect(await transfer("t4", 3, "wh_b", "wh_c")).toMatchObject({ ok: true, replayed: false });
    const view = await stub.view();
    expect(byWarehouse(view)).toEqual({
      wh_a: { available: 4, reserved: 0, sold: 0 },
      wh_b: { available: 3, reserved: 0, sold: 0 },
      wh_c: { available: 3, reserved: 0, sold: 0 },
    });
    expect(view).toMatchObject({ available: 10, reserved: 0, sold: 0 });
  });
});

describe("publishing to catalog-events", () => {
  it("raises one low-stock alert per crossing of the safety stock", async () => {
    const seller = await newSeller();
    const product = await postProduct(seller, tshirt());
    expect(product.status).toBe(201);
    const skuId = product.body.skuIds[0] ?? "";
    const stub = inventoryOf(env).getByName(skuId);
    expect(await stub.view()).toMatchObject({ skuId, available: 10 });

    expect(await stub.setSafetyStock({ skuId, threshold: 3 })).toMatchObject({ safetyStock: 3, available: 10 });
    const t0 = Date.now();
    const step = async (p: Promise<{ ok: boolean }>) => expect(await p).toMatchObject({ ok: true });
    await step(stub.reserve(hold(skuId, "a", 7, { at: t0 + 1 }))); // 3: falls to the threshold, alert
    await step(stub.reserve(hold(skuId, "b", 1, { at: t0 + 2 }))); // 2: still low, no alert
    await step(stub.release(ref(skuId, "b", t0 + 3))); // 3: not above, stays armed off
    await step(stub.release(ref(skuId, "a", t0 + 4))); // 10: above again, re-arms
    await step(stub.reserve(hold(skuId, "c", 8, { at: t0 + 5 }))); // 2: second crossing, alert
    await stub.flush();
    expect(await sqlRows(stub, "SELECT seq FROM outbox")).toEqual([]);

    const readAlerts = () =>
      env.DB.prepare(
        "SELECT shop_id, available, threshold, raised_at FROM stock_alerts WHERE sku_id = ? ORDER BY raised_at",
      )
        .bind(skuId)
        .all<{ shop_id: string; available: number; threshold: number; raised_at: number }>()
        .then((r) => r.results);
    const alerts = await eventually(readAlerts, (rows) => rows.length >= 2);
    expect(alerts).toEqual([
      { shop_id: seller.shopId, available: 3, threshold: 3, raised_at: t0 + 1 },
      { shop_id: seller.shopId, available: 2, threshold: 3, raised_at: t0 + 5 },
    ]);
    // Once the projection has caught up with the last write, no further alert is on its way.
    const { revision } = await stub.view();
    await stub.flush();
    await eventually(
      () => env.DB.prepare("SELECT revision FROM sku_stock WHERE sku_id = ?").bind(skuId).first<{ revision: number }>(),
      (row) => row?.revision === revision,
    );
    expect(await readAlerts()).toHaveLength(2);
  });

  it("flush() publishes the view and the consumer moves the D1 projection forward", async () => {
    const seller = await newSeller();
    const product = await postProduct(seller, tshirt());
    const skuId = product.body.skuIds[0] ?? "";
    const warehouseId = seller.warehouseId ?? "";
    const stub = inventoryOf(env).getByName(skuId);
    const readRow = () =>
      env.DB.prepare("SELECT available, reserved, sold, revision FROM sku_stock WHERE sku_id = ? AND warehouse_id = ?")
        .bind(skuId, warehouseId)
        .first<{ available: number; reserved: number; sold: number; revision: number }>();

    const reserved = await stub.reserve(hold(skuId, "proj-1", 4, { priorities: { [warehouseId]: 0 } }));
    expect(reserved).toMatchObject({ ok: true, view: { available: 6, reserved: 4 } });
    if (!reserved.ok) throw new Error("reserve refused");
    await stub.flush();
    expect(await eventually(readRow, (row) => row?.reserved === 4)).toEqual({
      available: 6,
      reserved: 4,
      sold: 0,
      revision: reserved.view.revision,
    });

    const confirmed = await stub.confirm(ref(skuId, "proj-1"));
    expect(confirmed).toMatchObject({ ok: true, view: { available: 6, reserved: 0, sold: 4 } });
    await stub.flush();
    expect(await eventually(readRow, (row) => row?.sold === 4)).toEqual({
      available: 6,
      reserved: 0,
      sold: 4,
      revision: confirmed.view.revision,
    });
    // Nothing new since: a second flush publishes nothing.
    expect(await stub.flush()).toEqual({ published: 0 });
  });
});
