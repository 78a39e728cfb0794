/** Which handler runs for which message type, per queue. Domains add theirs as they land. */
import { processChunk } from "../../shared/catalog/bulk-jobs";
import { rebuildSearchDocument } from "../../shared/catalog/indexer";
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
  "catalog-events": {
    "platform.canary": canary,
    "catalog.product_changed": async (message, { db, clock }) => {
      await rebuildSearchDocument(db, message.data.productId, clock.now());
    },
  },
  "bulk-jobs": {
    "platform.canary": canary,
    "bulk.chunk_ready": async (message, deps) => {
      await processChunk(deps, message.data.jobId, message.data.chunk);
    },
  },
};
