/**
 * Money as integer minor units plus an ISO 4217 currency. Never floating point: amounts are
 * safe integers, arithmetic stays in integers, and decimal input is parsed digit by digit.
 *
 * Guarantees:
 * - `parseDecimal("79.00", "CNY")` is exactly 7900; `79.001` for CNY is refused, never rounded.
 * - JSON numbers are read through their shortest round-trip decimal form (`String(n)`), which is
 *   what the sender wrote for any number with at most 15 significant digits, so `19.99` is 1999.
 * - Every result is a safe integer; anything that would not be is refused.
 * - `allocate` splits an amount into parts proportional to weights that sum exactly to the amount.
 */
import { z } from "zod";

/** Minor-unit exponents of the currencies we accept. Extend as markets open. */
export const CURRENCY_EXPONENTS = {
  CNY: 2,
  USD: 2,
  EUR: 2,
  GBP: 2,
  HKD: 2,
  SGD: 2,
  AUD: 2,
  CAD: 2,
  JPY: 0,
  KRW: 0,
  BHD: 3,
  KWD: 3,
} as const;

export type Currency = keyof typeof CURRENCY_EXPONENTS;
export const CURRENCIES = Object.keys(CURRENCY_EXPONENTS) as [Currency, ...Currency[]];
export const DEFAULT_CURRENCY: Currency = "CNY";

/** A money value: integer minor units of `currency`. */
export interface Money {
  amount: number;
  currency: Currency;
}

export const currencySchema = z.enum(CURRENCIES);

/** Wire schema of a money value, `{ amount: <integer minor units>, currency }`. */
export const moneySchema = z
  .object({
    amount: z.number().int().refine(Number.isSafeInteger, "must be a safe integer"),
    currency: currencySchema,
  })
  .strict();

/** The result of parsing a decimal amount: the minor units, or why it was refused. */
export type ParseResult = { ok: true; value: number } | { ok: false; reason: string };

const DECIMAL = /^(-)?(\d+)(?:\.(\d+))?$/;

/**
 * Parses a decimal amount (string or JSON number) into minor units of `currency`, exactly.
 * Refuses more fractional digits than the currency has, exponents, and unsafe magnitudes.
 */
export function parseDecimal(input: string | number, currency: Currency): ParseResult {
  if (typeof input === "number" && !Number.isFinite(input)) return { ok: false, reason: "must be a finite number" };
  const text = typeof input === "number" ? String(input) : input.trim();
  const match = DECIMAL.exec(text);
  if (!match) return { ok: false, reason: "must be a plain decimal number like 79.00" };
  const [, sign, whole = "", fraction = ""] = match;
  const exponent = CURRENCY_EXPONENTS[currency];
  const significant = fraction.replace(/0+$/, "");
  if (significant.length > exponent) {
    return { ok: false, reason: `has more than ${exponent} decimal places, the precision of ${currency}` };
  }
  const digits = `${whole}${fraction.padEnd(exponent, "0").slice(0, exponent)}`.replace(/^0+(?=\d)/, "");
  const value = Number(digits);
  if (!Number.isSafeInteger(value)) return { ok: false, reason: "is too large" };
  return { ok: true, value: sign && value !== 0 ? -value : value };
}

/**
 * zod schema for a decimal price as the seed's product JSON writes it (`"price": 79.00`),
 * transformed into minor units of `currency`. Negative prices are refused.
 */
export function decimalPriceSchema(currency: Currency = DEFAULT_CURRENCY) {
  return z.union([z.number(), z.string()]).transform((input, ctx) => {
    const parsed = parseDecimal(input, currency);
    if (!parsed.ok) {
      ctx.addIssue({ code: "custom", message: parsed.reason });
      return z.NEVER;
    }
    if (parsed.value < 0) {
      ctx.addIssue({ code: "custom", message: "must not be negative" });
      return z.NEVER;
    }
    return parsed.value;
  });
}

/** Formats minor units as a decimal string, e.g. `formatDecimal(7900, "CNY")` → `"79.00"`. */
export function formatDecimal(amount: number, currency: Currency): string {
  const exponent = CURRENCY_EXPONENTS[currency];
  const negative = amount < 0;
  const digits = String(Math.abs(amount)).padStart(exponent + 1, "0");
  const whole = digits.slice(0, digits.length - exponent);
  const fraction = exponent > 0 ? `.${digits.slice(digits.length - exponent)}` : "";
  return `${negative ? "-" : ""}${whole}${fraction}`;
}

function assertSafe(value: number): number {
  if (!Number.isSafeInteger(value)) throw new RangeError("money amount overflow");
  return value;
}

function assertSameCurrency(a: Money, b: Money): void {
  if (a.currency !== b.currency) throw new RangeError(`currency mismatch: ${a.currency} vs ${b.currency}`);
}

/** `a + b`; both must share a currency. */
export function add(a: Money, b: Money): Money {
  assertSameCurrency(a, b);
  return { amount: assertSafe(a.amount + b.amount), currency: a.currency };
}

/** `a - b`; both must share a currency. */
export function subtract(a: Money, b: Money): Money {
  assertSameCurrency(a, b);
  return { amount: assertSafe(a.amount - b.amount), currency: a.currency };
}

/** `m × quantity` for an integer quantity. */
export function multiply(m: Money, quantity: number): Money {
  if (!Number.isInteger(quantity)) throw new RangeError("quantity must be an integer");
  return { amount: assertSafe(m.amount * quantity), currency: m.currency };
}

/** Sum of values in one currency; `currency` names the result of an empty list. */
export function sum(values: readonly Money[], currency: Currency): Money {
  return values.reduce<Money>((acc, v) => add(acc, v), { amount: 0, currency });
}

/**
 * Splits `total` minor units into parts proportional to `weights`, summing exactly to `total`
 * (largest-remainder method; ties go to the earlier part). Used to allocate an order discount
 * to its items so that refunding any subset returns exactly what was paid for it.
 */
export function allocate(total: number, weights: readonly number[]): number[] {
  if (!Number.isSafeInteger(total)) throw new RangeError("total must be a safe integer");
  if (weights.length === 0) return [];
  if (weights.some((w) => !Number.isSafeInteger(w) || w < 0))
    throw new RangeError("weights must be non-negative integers");
  const weightSum = weights.reduce((a, b) => a + b, 0);
  if (weightSum === 0)
    return allocate(
      total,
      weights.map(() => 1),
    );
  const sign = total < 0 ? -1 : 1;
  const magnitude = BigInt(Math.abs(total));
  const denominator = BigInt(weightSum);
  const shares = weights.map((w) => (magnitude * BigInt(w)) / denominator);
  const remainders = weights.map((w, i) => ({ i, r: (magnitude * BigInt(w)) % denominator }));
  let left = magnitude - shares.reduce((a, b) => a + b, 0n);
  remainders.sort((a, b) => (a.r === b.r ? a.i - b.i : a.r > b.r ? -1 : 1));
  for (const { i } of remainders) {
    if (left === 0n) break;
    shares[i] = (shares[i] ?? 0n) + 1n;
    left -= 1n;
  }
  return shares.map((s) => (s === 0n ? 0 : sign * Number(s)));
}
