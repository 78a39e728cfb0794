/** The allocation rule for partial units (shared/refunds/allocation.ts), on its own. */
import { describe, expect, it } from "vitest";
import { type ItemShare, shippingPart, unitsAmount } from "../../shared/refunds/allocation";

/** Refunds `parts` units in turn, each against what the earlier ones hold; answers their amounts. */
function refundInTurn(item: { quantity: number; paidAmount: number }, parts: number[]): number[] {
  const share: ItemShare = { ...item, heldQuantity: 0, heldAmount: 0 };
  return parts.map((units) => {
    const amount = unitsAmount(share, units);
    share.heldQuantity += units;
    share.heldAmount += amount;
    return amount;
  });
}

describe("unitsAmount", () => {
  it("splits 3 units that paid 100 as 34 + 33 + 33 (the remainder goes to the first refunded)", () => {
    expect(refundInTurn({ quantity: 3, paidAmount: 100 }, [1, 1, 1])).toEqual([34, 33, 33]);
    expect(refundInTurn({ quantity: 3, paidAmount: 100 }, [2, 1])).toEqual([67, 33]);
    expect(refundInTurn({ quantity: 3, paidAmount: 100 }, [1, 2])).toEqual([34, 66]);
    expect(refundInTurn({ quantity: 3, paidAmount: 101 }, [1, 1, 1])).toEqual([34, 34, 33]);
  });

  it("adds up to exactly what was paid for any way of splitting the units, and the last refund takes what is left", () => {
    for (let quantity = 1; quantity <= 7; quantity++) {
      for (const paidAmount of [0, 1, 99, 100, 101, 7_999, 23_456]) {
        const parts = Array.from({ length: quantity }, () => 1);
        const amounts = refundInTurn({ quantity, paidAmount }, parts);
        expect(amounts.reduce((a, b) => a + b, 0)).toBe(paidAmount);
        expect(Math.max(...amounts) - Math.min(...amounts)).toBeLessThanOrEqual(1);
      }
    }
  });

  it("computes the same figures again after a rejected refund gave its units and amount back", () => {
    const item = { quantity: 3, paidAmount: 100, heldQuantity: 1, heldAmount: 34 };
    // The first unit's refund (34) is rejected: its hold is given back, and the next one is 34 again.
    expect(unitsAmount({ ...item, heldQuantity: 0, heldAmount: 0 }, 1)).toBe(34);
    expect(unitsAmount(item, 2)).toBe(66);
  });

  it("refuses more units than are left", () => {
    expect(() => unitsAmount({ quantity: 2, paidAmount: 10, heldQuantity: 2, heldAmount: 10 }, 1)).toThrow(RangeError);
    expect(() => unitsAmount({ quantity: 2, paidAmount: 10, heldQuantity: 0, heldAmount: 0 }, 3)).toThrow(RangeError);
  });
});

describe("shippingPart", () => {
  it("is what the total holds beyond the items' paid amounts", () => {
    expect(shippingPart({ totalAmount: 2_100 }, [{ paidAmount: 1_000 }, { paidAmount: 900 }])).toBe(200);
    expect(shippingPart({ totalAmount: 1_900 }, [{ paidAmount: 1_000 }, { paidAmount: 900 }])).toBe(0);
  });
});
