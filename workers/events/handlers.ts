/** Which handler runs for which message type, per queue. Domains add theirs as they land. */

import { processChunk } from "../../shared/catalog/bulk-jobs";
import { indexProductChange } from "../../shared/catalog/price-windows";
import { processRebuildChunk } from "../../shared/catalog/search-rebuild";
import { applyStockViews } from "../../shared/catalog/stock-views";
import { countPaidOrder } from "../../shared/discovery/co-purchases";
import { attributePaidOrder } from "../../shared/discovery/experiments/serving";
import { markCanaryConsumed } from "../../shared/events/canaries";
import type { Coalesce, Handlers } from "../../shared/events/consumer";
import type { QueueName } from "../../shared/events/queues";
import { releaseCancelledFlashAdmission } from "../../shared/flash-sales/flash-order";
import { applyCarrierEvent } from "../../shared/fulfillment/apply-carrier-event";
import { earnCompletedCoins } from "../../shared/fulfillment/complete-order";
import { fulfillPaidOrder } from "../../shared/fulfillment/order-paid";
import { retryVirtualFulfillment } from "../../shared/fulfillment/virtual-goods";
import { applyStockChange, recordStockAlert } from "../../shared/inventory/stock-intake";
import { consumePaidOrderPromotions, returnCancelledOrderPromotions } from "../../shared/orders/order-promotions";
import { expireUnpaid, releaseOrderStock } from "../../shared/orders/orders";
import { applyProviderEvent } from "../../shared/payments/apply-provider-event";
import { cancelLivePayment } from "../../shared/payments/cancel-payment";
import { requestPayout } from "../../shared/payments/refund-payouts";
import { restockRefundedUnits } from "../../shared/refunds/restock";

const canary: Handlers<QueueName>["platform.canary"] = async (message, { db, clock }) => {
  await markCanaryConsumed(db, message.data.canaryId, clock.now());
};

/** The handlers of every queue. */
export const HANDLERS: { [Q in QueueName]: Handlers<Q> } = {
  "order-events": {
    "platform.canary": canary,
    // Nothing reacts to a new order yet; payments and notifications subscribe here.
    "order.created": async (message, { log }) => {
      log.info("order created", { payOrderId: message.data.payOrderId, orders: message.data.orderIds.length });
    },
    "order.payment_timeout": async (message, deps) => {
      await expireUnpaid(deps, message.data.payOrderId);
    },
    // The completing code posted its coins after the commit unless it died first: posted again here,
    // once by the posting's key (the order's shard and the ledger are two databases). Notifications
    // and settlement subscribe here too.
    "order.completed": async (message, { db, log, promotions }) => {
      const { orderId, userId, total } = message.data;
      await earnCompletedCoins(
        db,
        { id: orderId, userId, currency: total.currency, totalAmount: total.amount },
        message.occurredAt,
        promotions,
      );
      log.info("order completed", { orderId, kind: message.data.kind });
    },
    // The cancelling request released the holds already unless it died first; releases are idempotent.
    // A payment still live on a pay order this cancel closed is cancelled at its provider.
    "order.cancelled": async (message, deps) => {
      await releaseOrderStock(deps, message.data.orderId, message.data.reason);
      // After the units went back to the campaign's carve-out (above), the admission goes back to its quota.
      await releaseCancelledFlashAdmission(deps, message.data.orderId);
      await returnCancelledOrderPromotions(deps, message.data.orderId);
      await cancelLivePayment(deps, message.data.payOrderId);
    },
  },
  "payment-events": {
    "platform.canary": canary,
    "payment.provider_event": async (message, deps) => {
      await applyProviderEvent(deps, message.data);
    },
  },
  "fulfillment-events": {
    "platform.canary": canary,
    // The order's held coins are spent and its voucher uses consumed (idempotent), then it is fulfilled.
    "order.paid": async (message, deps) => {
      await consumePaidOrderPromotions(deps, message.data.orderId);
      await fulfillPaidOrder(deps, message);
      // "Bought together" counts (idempotent by the order: a redelivery adds nothing).
      await countPaidOrder(deps.db, deps.orders, message.data.orderId, deps.clock.now());
      // A/B conversions of the shopper's running experiments (once per experiment and order).
      await attributePaidOrder(deps.db, { ...message.data, paidAt: message.occurredAt });
    },
    "shipment.carrier_event": async (message, deps) => {
      await applyCarrierEvent(deps, message.data);
    },
    // A virtual order's top-up timed out; this arrives (delayed) when the next attempt is due.
    "fulfillment.topup_timed_out": async (message, deps) => {
      await retryVirtualFulfillment(deps, message.data);
    },
  },
  "refund-events": {
    "platform.canary": canary,
    // Units refunded before they shipped go back on sale first (idempotent per refund and item).
    "refund.requested": async (message, deps) => {
      await restockRefundedUnits(deps, message.data);
      await requestPayout(deps, message.data);
    },
  },
  "catalog-events": {
    "platform.canary": canary,
    "catalog.product_changed": async (message, deps) => {
      await indexProductChange(deps, message.data);
    },
    // Views sent before stock views had their own queue.
    "inventory.stock_changed": async (message, deps) => {
      await applyStockChange(deps, message.data.view);
    },
    "inventory.low_stock": async (message, { db }) => {
      await recordStockAlert(db, { id: message.id, ...message.data, at: message.occurredAt });
    },
  },
  "bulk-jobs": {
    "platform.canary": canary,
    "bulk.chunk_ready": async (message, deps) => {
      await processChunk(deps, message.data.jobId, message.data.chunk);
    },
    "search.rebuild_chunk_ready": async (message, deps) => {
      await processRebuildChunk(deps, message.data.jobId, message.data.after);
    },
  },
  "stock-views": {
    "platform.canary": canary,
    // Views are handled a batch at a time by COALESCE below; this one-by-one path is its fallback.
    "inventory.stock_changed": async (message, deps) => {
      await applyStockChange(deps, message.data.view);
    },
  },
};

/**
 * Queues whose messages supersede one another within a batch. A SKU's views: only the newest
 * revision is projected (the projection is revision-guarded, so skipping older ones loses nothing).
 */
export const COALESCE: { [Q in QueueName]?: Coalesce<Q> } = {
  "stock-views": {
    key: (event) =>
      event.type === "inventory.stock_changed" ? { key: event.data.view.skuId, rank: event.data.view.revision } : null,
    // The batch's views in one projection write (only stock_changed events are coalesced).
    handleAll: async (events, deps) => {
      await applyStockViews(
        deps,
        events.flatMap((e) => (e.type === "inventory.stock_changed" ? [e.data.view] : [])),
      );
    },
  },
};
