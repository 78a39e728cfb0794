/** GET /v1/pay-orders/:id: a pay order's payment status, its orders and every payment tried. */
import { z } from "zod";
import type { OrderStore } from "../orders/order-store";
import { loadPayOrder } from "../orders/payment-status";
import { AppError } from "../platform/errors";
import { type Currency, moneySchema } from "../platform/money";
import { PAYMENT_STATUSES, paymentsOf } from "./payments-repo";
import { PAYMENT_PROVIDERS, type PaymentProvider } from "./provider-events";

export const paymentSummarySchema = z.object({
  paymentId: z.string(),
  provider: z.enum(PAYMENT_PROVIDERS),
  status: z.enum(PAYMENT_STATUSES),
  amount: moneySchema,
  createdAt: z.string(),
});

export const payOrderViewSchema = z.object({
  payOrderId: z.string(),
  paymentStatus: z.string().describe("UNPAID, PENDING, FAILED, PAID, PARTIALLY_REFUNDED, REFUNDED or CLOSED"),
  payable: moneySchema.describe("What the pay order's open orders add up to"),
  payBy: z.string(),
  orders: z.array(z.object({ orderId: z.string(), status: z.string(), paymentStatus: z.string() })),
  payments: z.array(paymentSummarySchema).describe("Newest first"),
});
export type PayOrderView = z.infer<typeof payOrderViewSchema>;

/** The pay order as its shopper sees it (`userId`), or anyone's for operators (undefined). */
export async function viewPayOrder(orders: OrderStore, payOrderId: string, userId?: string): Promise<PayOrderView> {
  const { db } = await orders.homeOfOrder(payOrderId);
  const state = await loadPayOrder(db, payOrderId, userId);
  if (!state) throw new AppError("not_found", { detail: `No pay order ${payOrderId}` });
  const { payOrder } = state;
  const rows = await paymentsOf(db, payOrderId);
  return {
    payOrderId: payOrder.id,
    paymentStatus: payOrder.paymentStatus,
    payable: { amount: payOrder.payAmount, currency: payOrder.currency as Currency },
    payBy: new Date(payOrder.payBy).toISOString(),
    orders: state.orders.map((o) => ({ orderId: o.id, status: o.status, paymentStatus: o.paymentStatus })),
    payments: rows.map((p) => ({
      paymentId: p.id,
      provider: p.provider as PaymentProvider,
      status: p.status,
      amount: { amount: p.amount, currency: p.currency as Currency },
      createdAt: new Date(p.createdAt).toISOString(),
    })),
  };
}
