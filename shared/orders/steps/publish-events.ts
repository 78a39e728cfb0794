/** Sends the committed order's events (after the response when the Worker gives `waitUntil`); what is not sent waits in the outbox. */
import { sendOutbox } from "../../events/outbox";
import type { Step } from "../saga";
import type { OrderContext, OrderDeps } from "./context";

export function publishEventsStep(deps: OrderDeps): Step<OrderContext> {
  const { db } = deps;
  return {
    // The orders are committed; events the send misses stay in the outbox for the events cron.
    name: "publish_events",
    async run(ctx) {
      const sending = sendOutbox(db, deps.producers, ctx.outbox, deps.clock.now());
      if (!deps.waitUntil) return sending;
      deps.waitUntil(
        sending.catch((err) =>
          deps.log?.warn("order events left in the outbox", { sagaId: ctx.sagaId, error: String(err) }),
        ),
      );
    },
  };
}
