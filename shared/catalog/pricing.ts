/**
 * The catalog's price rules, pure: which of a SKU's price rows a shopper pays at an instant, and
 * when that answer next changes. Product views, search documents, the cart and checkout all use
 * these, so a promo window means the same everywhere.
 */
import type { Currency, Money } from "../platform/money";
import type { PriceRow } from "./products-repo";

/** The price a shopper sees at `now`: an effective promo price beats the standard one. */
export function effectivePrice(rows: readonly PriceRow[], now: number): Money | null {
  const live = rows.filter((p) => p.effectiveAt <= now && (p.expiresAt === null || p.expiresAt > now));
  const pick = (type: "promo" | "standard") =>
    live.filter((p) => p.type === type).sort((a, b) => b.effectiveAt - a.effectiveAt)[0];
  const chosen = pick("promo") ?? pick("standard");
  return chosen ? { amount: chosen.amount, currency: chosen.currency as Currency } : null;
}

/**
 * The first instant after `now` at which one of `rows` takes effect or expires: until then the
 * effective prices (and so a document's minPrice/maxPrice) stay as they are. Null: none pending.
 */
export function nextPriceBoundary(rows: readonly Pick<PriceRow, "effectiveAt" | "expiresAt">[], now: number) {
  let next: number | null = null;
  for (const r of rows) {
    for (const at of [r.effectiveAt, r.expiresAt]) {
      if (at !== null && at > now && (next === null || at < next)) next = at;
    }
  }
  return next;
}
