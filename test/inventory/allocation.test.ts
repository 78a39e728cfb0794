/** The SKU object's allocation rule on its own: priority, ties, one covering warehouse, splits, shortfalls. */
import { describe, expect, it } from "vitest";
import { allocateStock, type WarehouseAvailability } from "../../shared/inventory/allocation";

const stock = (levels: Record<string, number>): WarehouseAvailability[] =>
  Object.entries(levels).map(([warehouseId, available]) => ({ warehouseId, available }));

describe("allocating a reservation over warehouses", () => {
  it("takes the highest priority (lowest number) first, even when another warehouse has more", () => {
    const levels = stock({ wh_a: 5, wh_b: 50 });
    expect(allocateStock(levels, 3, { wh_a: 0, wh_b: 1 })).toEqual({
      ok: true,
      allocations: [{ warehouseId: "wh_a", quantity: 3 }],
    });
    expect(allocateStock(levels, 3, { wh_a: 5, wh_b: 1 })).toEqual({
      ok: true,
      allocations: [{ warehouseId: "wh_b", quantity: 3 }],
    });
  });

  it("puts warehouses the shop did not rank after every ranked one", () => {
    expect(allocateStock(stock({ wh_a: 5, wh_b: 50 }), 2, { wh_a: 9 })).toEqual({
      ok: true,
      allocations: [{ warehouseId: "wh_a", quantity: 2 }],
    });
  });

  it("breaks priority ties by most available stock, then by warehouse id", () => {
    expect(allocateStock(stock({ wh_a: 4, wh_b: 9, wh_c: 6 }), 2, { wh_a: 1, wh_b: 1, wh_c: 1 })).toEqual({
      ok: true,
      allocations: [{ warehouseId: "wh_b", quantity: 2 }],
    });
    // No priorities at all: everything ties on rank.
    expect(allocateStock(stock({ wh_a: 4, wh_b: 5, wh_c: 6 }), 1, {})).toEqual({
      ok: true,
      allocations: [{ warehouseId: "wh_c", quantity: 1 }],
    });
    // Equal rank and equal stock: the lower id, whatever order the rows come in.
    expect(allocateStock(stock({ wh_z: 6, wh_m: 6 }), 1, {})).toEqual({
      ok: true,
      allocations: [{ warehouseId: "wh_m", quantity: 1 }],
    });
  });

  it("gives the whole quantity to the first warehouse that covers it rather than splitting", () => {
    // wh_a comes first but holds only 5; wh_b is the first that covers 7 in one parcel.
    expect(allocateStock(stock({ wh_a: 5, wh_b: 8, wh_c: 12 }), 7, { wh_a: 0, wh_b: 1, wh_c: 2 })).toEqual({
      ok: true,
      allocations: [{ warehouseId: "wh_b", quantity: 7 }],
    });
    // Exactly enough counts as covering.
    expect(allocateStock(stock({ wh_a: 7, wh_b: 100 }), 7, { wh_a: 0, wh_b: 1 })).toEqual({
      ok: true,
      allocations: [{ warehouseId: "wh_a", quantity: 7 }],
    });
  });

  it("splits in priority order when no single warehouse covers, taking all a warehouse has before the next", () => {
    const result = allocateStock(stock({ wh_c: 8, wh_b: 10, wh_a: 5 }), 20, { wh_a: 0, wh_b: 1, wh_c: 1 });
    // wh_a first (5), then the tie wh_b (10, more stock) before wh_c (8) for the rest.
    expect(result).toEqual({
      ok: true,
      allocations: [
        { warehouseId: "wh_a", quantity: 5 },
        { warehouseId: "wh_b", quantity: 10 },
        { warehouseId: "wh_c", quantity: 5 },
      ],
    });
    // All of the stock: every warehouse emptied, none listed twice.
    expect(allocateStock(stock({ wh_a: 5, wh_b: 10, wh_c: 8 }), 23, {})).toEqual({
      ok: true,
      allocations: [
        { warehouseId: "wh_b", quantity: 10 },
        { warehouseId: "wh_c", quantity: 8 },
        { warehouseId: "wh_a", quantity: 5 },
      ],
    });
  });

  it("skips empty warehouses, so none gets an allocation of zero", () => {
    expect(allocateStock(stock({ wh_a: 0, wh_b: 2, wh_c: 2 }), 3, { wh_a: 0, wh_b: 1, wh_c: 2 })).toEqual({
      ok: true,
      allocations: [
        { warehouseId: "wh_b", quantity: 2 },
        { warehouseId: "wh_c", quantity: 1 },
      ],
    });
  });

  it("allocates nothing when the warehouses together hold too little, and says how much there is", () => {
    expect(allocateStock(stock({ wh_a: 5, wh_b: 10, wh_c: 8 }), 24, { wh_a: 0 })).toEqual({
      ok: false,
      available: 23,
    });
    expect(allocateStock([], 1, {})).toEqual({ ok: false, available: 0 });
    expect(allocateStock(stock({ wh_a: 0 }), 1, {})).toEqual({ ok: false, available: 0 });
  });

  it("does not reorder the caller's rows", () => {
    const levels = stock({ wh_b: 1, wh_a: 9 });
    allocateStock(levels, 5, {});
    expect(levels.map((l) => l.warehouseId)).toEqual(["wh_b", "wh_a"]);
  });
});
