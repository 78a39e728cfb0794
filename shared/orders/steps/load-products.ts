/** Prices the checkout: every SKU exists and is on sale, split per seller and kind, shipping, discounts. */
import { priceCheckout } from "../../checkout/pricing";
import type { Step } from "../saga";
import { need, type OrderContext, type OrderDeps } from "./context";

export function loadProductsStep(_deps: OrderDeps): Step<OrderContext> {
  return {
    name: "load_products",
    async run(ctx) {
      ctx.quote = priceCheckout(need(ctx.facts, "the facts"), ctx.request);
    },
  };
}
