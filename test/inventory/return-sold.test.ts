/**
 * The SKU object's returnSold across warehouses: partial returns of one reservation, one after
 * another (three partial refunds of an order held in two warehouses), give each warehouse back what
 * the reservation sold there, once; never units another order sold in the same warehouse, and
 * never more than the reservation sold. Regression: every return started from the first warehouse
 * of the reservation, so the second took another order's sold unit there and the third failed
 * the stock CHECK (sold below zero).
 */
import { describe, expect, it } from "vitest";
import type { ReturnSoldInput, StockView } from "../../shared/inventory/schemas";
import { stockedSku } from "../helpers/sku-object";

const ACTOR = "return-sold-test";
const AT = Date.now() + 3_600_000;

function byWarehouse(view: StockView) {
  return Object.fromEntries(view.warehouses.map((w) => [w.warehouseId, { available: w.available, sold: w.sold }]));
}

describe("returnSold", () => {
  it("returns three partial refunds of a reservation held in two warehouses to the warehouses they were sold from", async () => {
    const { skuId, stub } = await stockedSku({ wh_a: 2, wh_b: 2 }, ACTOR);
    const hold = (reservationId: string, quantity: number) =>
      stub.reserve({ skuId, reservationId, quantity, ttlMs: 15 * 60_000, actor: ACTOR, at: AT });
    const ref = (reservationId: string) => ({ skuId, reservationId, actor: ACTOR, at: AT });
    // Another order sells one unit of wh_a first; the order then takes wh_a's last and both of wh_b's.
    expect(await hold("other", 1)).toMatchObject({ ok: true, reservation: { allocations: [{ warehouseId: "wh_a" }] } });
    const held = await hold("order", 3);
    expect(held.ok && held.reservation.allocations).toEqual([
      { warehouseId: "wh_a", quantity: 1 },
      { warehouseId: "wh_b", quantity: 2 },
    ]);
    expect((await stub.confirm(ref("other"))).ok).toBe(true);
    expect((await stub.confirm(ref("order"))).ok).toBe(true);

    const give = (opId: string, quantity: number, condition: ReturnSoldInput["condition"] = "sellable") =>
      stub.returnSold({
        skuId,
        opId,
        reservationId: "order",
        quantity,
        condition,
        reason: `refund ${opId}`,
        actor: ACTOR,
        at: AT,
      });
    const first = await give("refund-1", 1);
    expect(first.ok && byWarehouse(first.view)).toEqual({
      wh_a: { available: 1, sold: 1 },
      wh_b: { available: 0, sold: 2 },
    });
    const second = await give("refund-2", 1);
    // wh_a's remaining sold unit is the other order's: this one comes out of wh_b.
    expect(second.ok && byWarehouse(second.view)).toEqual({
      wh_a: { available: 1, sold: 1 },
      wh_b: { available: 1, sold: 1 },
    });
    // A redelivery of the second refund moves nothing.
    expect(await give("refund-2", 1)).toMatchObject({ ok: true, replayed: true });
    const third = await give("refund-3", 1, "damaged");
    expect(third.ok && byWarehouse(third.view)).toEqual({
      wh_a: { available: 1, sold: 1 },
      wh_b: { available: 1, sold: 0 },
    });
    // Everything the order sold is back: a fourth refund of it has nothing to return.
    expect(await give("refund-4", 1)).toMatchObject({ ok: false, code: "not_sold" });

    const moves = (await stub.movements(10)).filter((m) => m.kind === "return" || m.kind === "write_off");
    expect(moves.map((m) => [m.opId, m.warehouseId, m.kind, m.quantity]).reverse()).toEqual([
      ["refund-1:0", "wh_a", "return", 1],
      ["refund-2:0", "wh_b", "return", 1],
      ["refund-3:0", "wh_b", "write_off", -1],
    ]);
  });

  it("splits one return over both warehouses when it needs both, and refuses more than was sold", async () => {
    const { skuId, stub } = await stockedSku({ wh_a: 1, wh_b: 2 }, ACTOR);
    const base = { skuId, actor: ACTOR, at: AT };
    expect((await stub.reserve({ ...base, reservationId: "order", quantity: 3, ttlMs: 60_000 })).ok).toBe(true);
    expect((await stub.confirm({ ...base, reservationId: "order" })).ok).toBe(true);
    const give = (opId: string, quantity: number) =>
      stub.returnSold({ ...base, opId, reservationId: "order", quantity, condition: "sellable", reason: opId });
    expect(await give("refund-1", 4)).toMatchObject({ ok: false, code: "not_sold" });
    const first = await give("refund-1", 2);
    expect(first.ok && byWarehouse(first.view)).toEqual({
      wh_a: { available: 1, sold: 0 },
      wh_b: { available: 1, sold: 1 },
    });
    expect(await give("refund-2", 2)).toMatchObject({ ok: false, code: "not_sold" });
    const second = await give("refund-2", 1);
    expect(second.ok && byWarehouse(second.view)).toEqual({
      wh_a: { available: 1, sold: 0 },
      wh_b: { available: 2, sold: 0 },
    });
  });
});
