/** Which handler runs for which message type, per queue. Domains add theirs as they land. */
import { markCanaryConsumed } from "../../shared/events/canaries";
import type { Handlers } from "../../shared/events/consumer";
import type { QueueName } from "../../shared/events/queues";

const canary: Handlers<QueueName>["platform.canary"] = async (message, { db, clock }) => {
  await markCanaryConsumed(db, message.data.canaryId, clock.now());
};

/** The handlers of every queue. */
export const HANDLERS: { [Q in QueueName]: Handlers<Q> } = {
  "order-events": { "platform.canary": canary },
  "payment-events": { "platform.canary": canary },
  "fulfillment-events": { "platform.canary": canary },
  "refund-events": { "platform.canary": canary },
  "catalog-events": { "platform.canary": canary },
  "bulk-jobs": { "platform.canary": canary },
};
