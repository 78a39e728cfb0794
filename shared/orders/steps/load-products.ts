/** Prices the checkout: every SKU exists and is on sale, split per seller and kind, shipping, discounts. */
import { priceCheckout, type QuoteBody } from "../../checkout/quote";
import type { Step } from "../saga";
import { need, type OrderContext, type OrderDeps } from "./context";

export function loadProductsStep(_deps: OrderDeps): Step<OrderContext> {
  return {
    name: "load_products",
    async run(ctx) {
      const body: QuoteBody =
        "items" in ctx.body
          ? ctx.body
          : {
              items: (ctx.claims?.items ?? []).map(({ skuId, quantity }) => ({ skuId, quantity })),
              ...(ctx.claims?.addressId ? { addressId: ctx.claims.addressId } : {}),
            };
      ctx.quote = priceCheckout(need(ctx.facts, "the facts"), body);
    },
  };
}
