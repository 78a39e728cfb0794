/** Holds each SKU's units in its object until the payment deadline (plus a margin); 409 `out_of_stock`. */
import { reserveFlashUnits } from "../../flash-sales/flash-order";
import { releaseStockAll, reserveStock } from "../../inventory/stock";
import { actorText, orderActor } from "../../platform/actor";
import { CompensationFailed, type Step } from "../saga";
import { HOLD_MARGIN_MS } from "../settings";
import { need, type OrderContext, type OrderDeps } from "./context";

const undone = (ctx: OrderContext, deps: OrderDeps) => ({
  actor: actorText(orderActor(ctx.sagaId)),
  at: deps.clock.now(),
  reason: "checkout failed",
});

export function reserveStockStep(deps: OrderDeps): Step<OrderContext> {
  return {
    name: "reserve_stock",
    async run(ctx) {
      const priorities = need(ctx.facts, "the facts").warehousePriorities;
      const shopOf = new Map(
        need(ctx.quote, "the quote").orders.flatMap((o) => o.lines.map((l) => [l.skuId, o.shopId])),
      );
      const payBy = ctx.now + deps.settings.holdMs;
      const { flash } = ctx;
      const outcomes = await Promise.allSettled(
        ctx.reservations.map((r) =>
          // A flash-sale order's units come out of its campaign's carve-out, not available stock.
          flash
            ? reserveFlashUnits(deps.inventory, flash, r, {
                ttlMs: payBy + HOLD_MARGIN_MS - ctx.now,
                actor: actorText(orderActor(ctx.sagaId)),
                at: ctx.now,
              })
            : reserveStock(deps.inventory, {
                ...r,
                priorities: priorities.get(shopOf.get(r.skuId) ?? "") ?? {},
                ttlMs: payBy + HOLD_MARGIN_MS - ctx.now,
                actor: actorText(orderActor(ctx.sagaId)),
                at: ctx.now,
              }),
        ),
      );
      const failure = outcomes.find((o): o is PromiseRejectedResult => o.status === "rejected");
      if (failure) {
        // This step's own partial work: the holds that did go through (and tombstones for the rest).
        try {
          await releaseStockAll(deps.inventory, ctx.reservations, undone(ctx, deps));
        } catch (cause) {
          throw new CompensationFailed("reserve_stock", failure.reason, cause);
        }
        throw failure.reason;
      }
    },
    async compensate(ctx) {
      await releaseStockAll(deps.inventory, ctx.reservations, undone(ctx, deps));
    },
  };
}
