/** Prices the checkout: every SKU exists and is on sale, split per seller and kind, shipping, discounts. */
import { priceCheckout } from "../../checkout/pricing";
import type { Step } from "../saga";
import { need, type OrderContext, type OrderDeps } from "./context";

export function priceCheckoutStep(_deps: OrderDeps): Step<OrderContext> {
  return {
    name: "price_checkout",
    async run(ctx) {
      ctx.quote = priceCheckout(need(ctx.facts, "the facts"), ctx.request);
    },
  };
}
