/**
 * How the console writes money and times. Money is the API's integer minor units turned into a
 * decimal string digit by digit (never through floating point) and formatted with its currency's
 * symbol and precision. Times are rendered in UTC inside `<time datetime>`; the console's script
 * rewrites them in the viewer's own time zone (assets.ts), so the server needs no zone.
 */
import { CURRENCY_EXPONENTS, type Money } from "../../../shared/platform/money";

/** `amount` minor units as an exact decimal string of major units (7900, CNY → "79.00"). */
export function majorUnits(amount: number, currency: string): string {
  const exponent = CURRENCY_EXPONENTS[currency as keyof typeof CURRENCY_EXPONENTS] ?? 2;
  const sign = amount < 0 ? "-" : "";
  const digits = String(Math.abs(amount)).padStart(exponent + 1, "0");
  if (exponent === 0) return `${sign}${digits}`;
  return `${sign}${digits.slice(0, -exponent)}.${digits.slice(-exponent)}`;
}

/** A money value with its currency, e.g. "CN¥79.00" or "¥1,200" (JPY). */
export function formatMoney(money: Money | { amount: number; currency: string }): string {
  const exponent = CURRENCY_EXPONENTS[money.currency as keyof typeof CURRENCY_EXPONENTS] ?? 2;
  const format = new Intl.NumberFormat("en", {
    style: "currency",
    currency: money.currency,
    minimumFractionDigits: exponent,
    maximumFractionDigits: exponent,
  });
  // Intl formats a decimal string exactly (no conversion to a double on the way).
  return format.format(majorUnits(money.amount, money.currency) as unknown as number);
}

/** An ISO time (or epoch ms) as UTC text, the fallback the viewer's zone replaces. */
export function utcText(time: string | number): string {
  const date = new Date(time);
  if (Number.isNaN(date.getTime())) return String(time);
  return `${date.toISOString().slice(0, 16).replace("T", " ")} UTC`;
}

/** The ISO form of a time for `<time datetime>`. */
export function isoOf(time: string | number): string {
  const date = new Date(time);
  return Number.isNaN(date.getTime()) ? String(time) : date.toISOString();
}
