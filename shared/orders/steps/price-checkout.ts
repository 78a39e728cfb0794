/** Prices the checkout: every SKU exists and is on sale, split per seller and kind, shipping, discounts. */
import { priceCheckout } from "../../checkout/pricing";
import { promotionsRule } from "../../promotions/promotion-facts";
import type { Step } from "../saga";
import { need, type OrderContext, type OrderDeps } from "./context";

export function priceCheckoutStep(_deps: OrderDeps): Step<OrderContext> {
  return {
    name: "price_checkout",
    async run(ctx) {
      const promotions = need(ctx.promotions, "the promotions");
      ctx.quote = priceCheckout(need(ctx.facts, "the facts"), ctx.request, promotionsRule(promotions));
    },
  };
}
