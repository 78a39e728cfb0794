/**
 * Holds the checkout's voucher uses, voucher budget and coins (shared/promotions/holds.ts), all or
 * nothing, before any stock is held: a checkout that loses the race for a voucher's last use gets
 * 409 `voucher_exhausted` holding nothing. Its compensation gives everything back (idempotent;
 * the sweeper does the same for a saga whose runner died).
 */

import { isAppError } from "../../platform/errors";
import { holdPromotions, holdsOf, releaseSagaPromotions } from "../../promotions/holds";
import { CompensationFailed, type Step } from "../saga";
import { need, type OrderContext, type OrderDeps } from "./context";

export function holdPromotionsStep(deps: OrderDeps): Step<OrderContext> {
  const release = (ctx: OrderContext) =>
    releaseSagaPromotions(deps.db, { sagaId: ctx.sagaId, userId: ctx.userId, now: deps.clock.now() });
  return {
    name: "hold_promotions",
    async run(ctx) {
      const offers = need(ctx.promotions, "the promotions").vouchers;
      const holds = holdsOf(
        need(ctx.quote, "the quote").orders,
        (id) => offers.find((v) => v.voucherId === id)?.code ?? "",
      );
      try {
        await holdPromotions(deps.db, { sagaId: ctx.sagaId, userId: ctx.userId, ...holds, now: ctx.now });
      } catch (err) {
        // A refusal held nothing (the batch rolled back); any other failure may have committed.
        if (isAppError(err)) throw err;
        try {
          await release(ctx);
        } catch (cause) {
          throw new CompensationFailed("hold_promotions", err, cause);
        }
        throw err;
      }
    },
    async compensate(ctx) {
      await release(ctx);
    },
  };
}
