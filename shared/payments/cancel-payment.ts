/**
 * When a pay order closes (its last order cancelled, or the payment deadline passed) or is paid
 * by another attempt while a payment is live, the provider is asked to cancel it, so the shopper
 * cannot pay on its page anymore. If they already did, the success arrives anyway and is refunded
 * (`paid_after_cancel` or `duplicate_payment`).
 */
import type { OrderStore } from "../orders/order-store";
import { loadPayOrder } from "../orders/payment-status";
import { adapterFor, type PaymentAdapters } from "./adapters";
import { livePaymentOf } from "./payments-repo";
import type { PaymentProvider } from "./provider-events";

/** Statuses in which a pay order needs no payment anymore. */
const SETTLED = ["CLOSED", "PAID", "PARTIALLY_REFUNDED", "REFUNDED"];

/** Cancels the live payment of a pay order that is closed or already paid, at its provider (idempotent). */
export async function cancelLivePayment(
  deps: { orders: OrderStore; adapters: PaymentAdapters },
  payOrderId: string,
): Promise<void> {
  const { db } = await deps.orders.homeOfOrder(payOrderId);
  const state = await loadPayOrder(db, payOrderId);
  if (!state || !SETTLED.includes(state.payOrder.paymentStatus)) return;
  const live = await livePaymentOf(db, payOrderId);
  if (!live?.providerPaymentId) return;
  await adapterFor(deps.adapters, live.provider as PaymentProvider).cancelPayment({
    providerPaymentId: live.providerPaymentId,
    idempotencyKey: `payment:${live.id}:cancel`,
  });
}
