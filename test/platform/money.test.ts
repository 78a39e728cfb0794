import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { add, allocate, formatDecimal, multiply, parseDecimal, subtract } from "../../shared/platform/money";

describe("parseDecimal", () => {
  it.each([
    ["79.00", "CNY", 7900],
    [79.0, "CNY", 7900],
    [79, "CNY", 7900],
    [5.0, "CNY", 500],
    [19.99, "CNY", 1999],
    [0.1, "CNY", 10],
    ["0.07", "CNY", 7],
    ["1234567.5", "USD", 123456750],
    [1500, "JPY", 1500],
    ["1.234", "BHD", 1234],
    ["-3.50", "EUR", -350],
    ["79.0000", "CNY", 7900],
  ] as const)("parses %s %s exactly as %i minor units", (input, currency, expected) => {
    expect(parseDecimal(input, currency)).toEqual({ ok: true, value: expected });
  });

  it.each([
    ["79.001", "CNY"],
    [79.001, "CNY"],
    ["1.5", "JPY"],
    ["1e3", "CNY"],
    [1e21, "CNY"],
    ["", "CNY"],
    ["12,50", "EUR"],
    [Number.NaN, "CNY"],
    [Number.POSITIVE_INFINITY, "CNY"],
    ["99999999999999999", "CNY"],
  ] as const)("refuses %s for %s", (input, currency) => {
    expect(parseDecimal(input, currency).ok).toBe(false);
  });

  it("round-trips every two-decimal amount through its JSON number form", () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 10_000_000_000 }), (minor) => {
        const asJsonNumber = JSON.parse(formatDecimal(minor, "CNY")) as number;
        expect(parseDecimal(asJsonNumber, "CNY")).toEqual({ ok: true, value: minor });
      }),
    );
  });
});

describe("arithmetic", () => {
  it("adds, subtracts and multiplies in one currency only", () => {
    expect(add({ amount: 100, currency: "CNY" }, { amount: 250, currency: "CNY" })).toEqual({
      amount: 350,
      currency: "CNY",
    });
    expect(subtract({ amount: 100, currency: "CNY" }, { amount: 250, currency: "CNY" }).amount).toBe(-150);
    expect(multiply({ amount: 7900, currency: "CNY" }, 3).amount).toBe(23700);
    expect(() => add({ amount: 1, currency: "CNY" }, { amount: 1, currency: "USD" })).toThrow(/currency mismatch/);
    expect(() => multiply({ amount: Number.MAX_SAFE_INTEGER, currency: "CNY" }, 2)).toThrow(/overflow/);
  });

  it("formats minor units back to decimals", () => {
    expect(formatDecimal(7900, "CNY")).toBe("79.00");
    expect(formatDecimal(5, "CNY")).toBe("0.05");
    expect(formatDecimal(-350, "EUR")).toBe("-3.50");
    expect(formatDecimal(1500, "JPY")).toBe("1500");
  });
});

describe("allocate", () => {
  it("splits a discount proportionally, largest remainder first", () => {
    expect(allocate(1000, [1, 1, 1])).toEqual([334, 333, 333]);
    expect(allocate(100, [7900, 2000])).toEqual([80, 20]);
    expect(allocate(0, [5, 5])).toEqual([0, 0]);
    expect(allocate(-10, [1, 2])).toEqual([-3, -7]);
    expect(allocate(7, [0, 0])).toEqual([4, 3]);
  });

  it("always sums exactly to the total and never gives a part more than one unit over its share", () => {
    fc.assert(
      fc.property(
        fc.integer({ min: -1_000_000_000, max: 1_000_000_000 }),
        fc.array(fc.integer({ min: 0, max: 1_000_000 }), { minLength: 1, maxLength: 20 }),
        (total, weights) => {
          const parts = allocate(total, weights);
          expect(parts.reduce((a, b) => a + b, 0)).toBe(total);
          const weightSum = weights.reduce((a, b) => a + b, 0);
          if (weightSum > 0) {
            parts.forEach((part, i) => {
              const exact = (total * (weights[i] ?? 0)) / weightSum;
              expect(Math.abs(part - exact)).toBeLessThan(1 + 1e-6);
            });
          }
        },
      ),
    );
  });
});
