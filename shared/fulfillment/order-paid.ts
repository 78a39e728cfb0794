/**
 * What a paid order sets off (the `order.paid` consumer, fulfillment-events): physical goods wait
 * for the seller to ship (await-seller.ts); virtual goods are delivered by the top-up adapter
 * (virtual-goods.ts). Each branch is idempotent, since the message may arrive more than once.
 */
import type { ConsumerDeps } from "../events/consumer";
import type { QueueMessage } from "../events/messages";
import { awaitSeller } from "./await-seller";
import { startVirtualFulfillment } from "./virtual-goods";

type OrderPaid = Extract<QueueMessage<"fulfillment-events">, { type: "order.paid" }>;

export async function fulfillPaidOrder(deps: ConsumerDeps & { attempts: number }, message: OrderPaid): Promise<void> {
  const { orderId, kind } = message.data;
  if (kind === "physical") {
    await awaitSeller(deps, orderId);
    return;
  }
  await startVirtualFulfillment(deps, orderId);
}
