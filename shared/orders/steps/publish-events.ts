/**
 * After the commit: sends the order's events (what is not sent waits in the shard's outbox for the
 * events cron) and takes what was ordered out of the shopper's cart (other lines stay; a line
 * added while the order was being placed stays too, as the facts batch did not see it). Both run
 * after the response when the Worker gives `waitUntil`. The cart is the commerce database's, out
 * of the order batch's reach: a clean-up that fails leaves lines the shopper can remove, never an
 * order without its lines gone twice.
 */
import { removeOrderedLines } from "../../cart/cart";
import { sendOutbox } from "../../events/outbox";
import { runChunks } from "../../platform/d1-chunks";
import type { Step } from "../saga";
import { need, type OrderContext, type OrderDeps } from "./context";

export function publishEventsStep(deps: OrderDeps): Step<OrderContext> {
  return {
    // The orders are committed; events the send misses stay in the outbox for the events cron.
    name: "publish_events",
    async run(ctx) {
      // Only lines the cart held when the facts were read: an order of nothing in the cart writes nothing there.
      const inCart = need(ctx.inCart, "the cart's lines");
      const ordered = need(ctx.quote, "the quote")
        .orders.flatMap((o) => o.lines.map((l) => l.skuId))
        .filter((skuId) => inCart.has(skuId));
      const sending = Promise.all([
        sendOutbox(ctx.home.db, deps.producers, ctx.outbox, deps.clock.now()).catch((err) =>
          deps.log?.warn("order events left in the outbox", { sagaId: ctx.sagaId, error: String(err) }),
        ),
        runChunks(deps.db, removeOrderedLines(deps.db, ctx.userId, ordered)).catch((err) =>
          deps.log?.warn("ordered lines left in the cart", { sagaId: ctx.sagaId, error: String(err) }),
        ),
      ]);
      if (!deps.waitUntil) {
        await sending;
        return;
      }
      deps.waitUntil(sending);
    },
  };
}
