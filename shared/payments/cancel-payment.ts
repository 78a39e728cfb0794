/**
 * When a pay order closes (its last order cancelled, or the payment deadline passed) while a
 * payment is live, the provider is asked to cancel it, so the shopper cannot pay on its page
 * anymore. If they already did, the success arrives anyway and is refunded (`paid_after_cancel`).
 */
import { loadPayOrder } from "../orders/payment-status";
import type { Db } from "../platform/db";
import { adapterFor, type PaymentAdapters } from "./adapters";
import { livePaymentOf } from "./payments-repo";
import type { PaymentProvider } from "./provider-events";

/** Cancels the closed pay order's live payment at its provider (idempotent). */
export async function cancelLivePayment(
  deps: { db: Db; adapters: PaymentAdapters },
  payOrderId: string,
): Promise<void> {
  const state = await loadPayOrder(deps.db, payOrderId);
  if (state?.payOrder.paymentStatus !== "CLOSED") return;
  const live = await livePaymentOf(deps.db, payOrderId);
  if (!live?.providerPaymentId) return;
  await adapterFor(deps.adapters, live.provider as PaymentProvider).cancelPayment({
    providerPaymentId: live.providerPaymentId,
    idempotencyKey: `payment:${live.id}:cancel`,
  });
}
