/** Reads what promotions the checkout may use: its voucher codes, its shops' threshold discounts, the shopper's coins. */
import { loadCheckoutPromotions } from "../../promotions/promotion-facts";
import type { Step } from "../saga";
import { need, type OrderContext, type OrderDeps } from "./context";

export function loadPromotionsStep(deps: OrderDeps): Step<OrderContext> {
  return {
    name: "load_promotions",
    async run(ctx) {
      ctx.promotions = await loadCheckoutPromotions(
        deps.db,
        { userId: ctx.userId, request: ctx.request, skus: need(ctx.facts, "the facts").skus.values(), now: ctx.now },
        deps.promotions,
      );
    },
  };
}
