/** Loads what the checkout needs in one D1 batch and refuses accounts that may not order. */
import { assertMayOrder, loadCheckoutFacts } from "../../checkout/checkout-facts";
import type { Step } from "../saga";
import type { OrderContext, OrderDeps } from "./context";

export function loadCheckoutFactsStep(deps: OrderDeps): Step<OrderContext> {
  const { db } = deps;
  return {
    name: "load_checkout_facts",
    async run(ctx) {
      const { items, addressId } = ctx.request;
      ctx.facts = await loadCheckoutFacts(
        db,
        { userId: ctx.userId, skuIds: items.map((i) => i.skuId), addressId },
        ctx.now,
      );
      assertMayOrder(ctx.facts);
    },
  };
}
