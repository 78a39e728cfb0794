/**
 * Split holds in the SKU object (a flash-sale campaign's carve-out handing units to its orders):
 * units move from the parent hold to the order's hold and stay reserved; a released order hold
 * goes back to the parent while the parent is held, and to available once it is not; the
 * invariant available + reserved + sold = received holds throughout, under parallel splits too.
 */
import { env, runInDurableObject } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import type { SkuInventory } from "../../durable-objects/sku-inventory";
import { inventoryOf } from "../../shared/inventory/binding";
import type { StockView } from "../../shared/inventory/schemas";

type Stub = DurableObjectStub<SkuInventory>;
const ACTOR = "split-test";
const HOUR = 3_600_000;
const AT = Date.now();

function freshSku(): { skuId: string; stub: Stub } {
  const skuId = `sku_split_${crypto.randomUUID()}`;
  return { skuId, stub: inventoryOf(env).getByName(skuId) };
}

async function stocked(levels: Record<string, number>): Promise<{ skuId: string; stub: Stub }> {
  const sku = freshSku();
  for (const [warehouseId, quantity] of Object.entries(levels)) {
    const r = await sku.stub.adjust({
      skuId: sku.skuId,
      opId: `open:${warehouseId}`,
      warehouseId,
      mode: "set",
      quantity,
      reason: "opening stock",
      actor: ACTOR,
      at: AT,
    });
    if (!r.ok) throw new Error(r.detail);
  }
  return sku;
}

async function carve(sku: { skuId: string; stub: Stub }, quantity: number, ttlMs = 24 * HOUR) {
  const r = await sku.stub.reserve({
    skuId: sku.skuId,
    reservationId: "campaign",
    quantity,
    ttlMs,
    actor: ACTOR,
    at: AT,
  });
  if (!r.ok) throw new Error(r.code);
}

const split = (sku: { skuId: string; stub: Stub }, reservationId: string, quantity = 1) =>
  sku.stub.splitHold({
    skuId: sku.skuId,
    parentReservationId: "campaign",
    reservationId,
    quantity,
    ttlMs: HOUR,
    actor: ACTOR,
    at: AT,
  });

const release = (sku: { skuId: string; stub: Stub }, reservationId: string) =>
  sku.stub.release({ skuId: sku.skuId, reservationId, actor: ACTOR, at: AT });

function balanced(view: StockView): boolean {
  return view.warehouses.every((w) => w.available + w.reserved + w.sold === w.received);
}

describe("split holds", () => {
  it("moves units from the parent to the order's hold without touching available, once per id", async () => {
    const sku = await stocked({ w1: 10 });
    await carve(sku, 4);
    const first = await split(sku, "order-1", 3);
    expect(first).toMatchObject({ ok: true, replayed: false, reservation: { quantity: 3, status: "held" } });
    const again = await split(sku, "order-1", 3);
    expect(again).toMatchObject({ ok: true, replayed: true });
    const view = await sku.stub.view();
    expect(view).toMatchObject({ available: 6, reserved: 4, sold: 0 });
    expect((await sku.stub.reservation("campaign"))?.quantity).toBe(1);
    expect(await split(sku, "order-2", 2)).toMatchObject({ ok: false, code: "insufficient_stock", held: 1 });
  });

  it("a released order hold goes back to the held parent; a confirmed one is sold", async () => {
    const sku = await stocked({ w1: 5 });
    await carve(sku, 2);
    await split(sku, "paid");
    await split(sku, "cancelled");
    await sku.stub.confirm({ skuId: sku.skuId, reservationId: "paid", actor: ACTOR, at: AT });
    await release(sku, "cancelled");
    await release(sku, "cancelled");
    expect((await sku.stub.reservation("campaign"))?.quantity).toBe(1);
    expect(await sku.stub.view()).toMatchObject({ available: 3, reserved: 1, sold: 1 });
    // The rejoined unit can be split again (the campaign sells it to someone else).
    expect(await split(sku, "next")).toMatchObject({ ok: true, replayed: false });
    expect(await split(sku, "cancelled")).toMatchObject({ ok: false, code: "reservation_closed" });
  });

  it("once the parent is released its orders' released units go to available, and nothing splits", async () => {
    const sku = await stocked({ w1: 3, w2: 3 });
    await carve(sku, 5);
    await split(sku, "late", 2);
    await release(sku, "campaign");
    expect(await sku.stub.view()).toMatchObject({ available: 4, reserved: 2, sold: 0 });
    await release(sku, "late");
    const view = await sku.stub.view();
    expect(view).toMatchObject({ available: 6, reserved: 0, sold: 0 });
    expect(balanced(view)).toBe(true);
    expect(await split(sku, "after-end")).toMatchObject({ ok: false, code: "parent_closed" });
  });

  it("the parent's expiry returns only what it still holds; a split across warehouses stays exact", async () => {
    const sku = await stocked({ w1: 2, w2: 2 });
    await carve(sku, 4, 1);
    const wide = await split(sku, "wide", 3);
    expect(wide.ok && wide.reservation.allocations.length).toBe(2);
    await runInDurableObject(sku.stub, async (object: SkuInventory) => {
      await object.expireDue(AT + 10);
    });
    const view = await sku.stub.view();
    expect(view).toMatchObject({ available: 1, reserved: 3 });
    expect(balanced(view)).toBe(true);
  });

  it("twenty parallel splits of a parent holding ten: exactly ten succeed", async () => {
    const sku = await stocked({ w1: 50 });
    await carve(sku, 10);
    const results = await Promise.all(Array.from({ length: 20 }, (_, i) => split(sku, `o-${i}`)));
    expect(results.filter((r) => r.ok)).toHaveLength(10);
    expect(results.filter((r) => !r.ok && r.code === "insufficient_stock")).toHaveLength(10);
    const view = await sku.stub.view();
    expect(view).toMatchObject({ available: 40, reserved: 10 });
    expect((await sku.stub.reservation("campaign"))?.quantity).toBe(0);
  });
});
