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

/** The cookie the console script keeps the viewer's IANA time zone in (assets.ts). */
export const ZONE_COOKIE = "console-tz";

/** The viewer's zone from its cookie if it is one Intl knows, else UTC. */
export function viewerZone(cookie: string | undefined): string {
  if (!cookie) return "UTC";
  try {
    return new Intl.DateTimeFormat("en", { timeZone: cookie }).resolvedOptions().timeZone;
  } catch {
    return "UTC";
  }
}

/**
 * The epoch ms of the last midnight in `zone` at `now`: now less the wall-clock time of day there.
 * (On a day whose clocks moved, the hour gained or lost is counted into "today" or left out.)
 */
export function startOfDayIn(now: number, zone: string): number {
  const parts = new Intl.DateTimeFormat("en", {
    timeZone: zone,
    hourCycle: "h23",
    hour: "numeric",
    minute: "numeric",
    second: "numeric",
  }).formatToParts(new Date(now));
  const part = (type: string) => Number(parts.find((p) => p.type === type)?.value ?? 0);
  return now - (now % 1000) - ((part("hour") * 60 + part("minute")) * 60 + part("second")) * 1000;
}
