/** Refuses the order (409 `price_changed`) when any price or the payable moved since the quote. */
import { AppError } from "../../platform/errors";
import type { Step } from "../saga";
import { need, type OrderContext, type OrderDeps } from "./context";

export function validatePriceStep(_deps: OrderDeps): Step<OrderContext> {
  return {
    name: "validate_price",
    async run(ctx) {
      if (!ctx.claims) return;
      const quote = need(ctx.quote, "the quote");
      const current = new Map(quote.orders.flatMap((o) => o.lines.map((l) => [l.skuId, l.unitPrice])));
      const changes = ctx.claims.items
        .filter((i) => current.get(i.skuId) !== i.unitPrice)
        .map((i) => ({
          skuId: i.skuId,
          quoted: { amount: i.unitPrice, currency: ctx.claims?.currency },
          current: { amount: current.get(i.skuId) ?? null, currency: quote.currency },
        }));
      if (changes.length > 0 || quote.payable !== ctx.claims.payable || quote.currency !== ctx.claims.currency) {
        throw new AppError("price_changed", {
          detail: "Prices or fees changed since the quote; ask for a new quote",
          extensions: {
            changes,
            quotedPayable: { amount: ctx.claims.payable, currency: ctx.claims.currency },
            payable: { amount: quote.payable, currency: quote.currency },
          },
        });
      }
    },
  };
}
