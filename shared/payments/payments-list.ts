/**
 * GET /admin/v1/payments: payments newest first, for operators (any) and sellers (their orders').
 * Payments live in their pay order's shard: one pay order's come from its shard, a list from every
 * shard's first page merged by creation time (the cursor is a position in that order, so it holds
 * across shards), each shard answering only the slots the slot table gives it, so a moved slot's
 * copy awaiting its purge never shows a payment twice (as the admin order list, shared/orders/orders.ts).
 */
import { and, desc, eq, inArray, type SQL } from "drizzle-orm";
import { z } from "zod";
import { payments } from "../../db/schema";
import type { OrderStore } from "../orders/order-store";
import { inSlots } from "../orders/order-store";
import { payOrdersOfShop } from "../orders/payment-status";
import { createdCursorSchema, decodeCursor, olderThan, pageOf } from "../platform/cursor";
import type { Db } from "../platform/db";
import { type Currency, moneySchema } from "../platform/money";
import { PAYMENT_STATUSES } from "./payments-repo";
import { PAYMENT_PROVIDERS, type PaymentProvider } from "./provider-events";

export const listPaymentsQuery = z.object({
  payOrderId: z
    .string()
    .regex(/^\d{19}$/, "is not a pay order number")
    .optional(),
  shopId: z.string().min(1).max(64).optional().describe("Operators: only payments of this shop's orders"),
  limit: z.coerce.number().int().min(1).max(100).default(20),
  cursor: z.string().min(1).max(512).optional(),
});

export const adminPaymentSchema = z.object({
  paymentId: z.string(),
  payOrderId: z.string(),
  provider: z.enum(PAYMENT_PROVIDERS),
  providerPaymentId: z.string().nullable(),
  status: z.enum(PAYMENT_STATUSES),
  amount: moneySchema,
  failureCode: z.string().nullable(),
  createdAt: z.string(),
});

/** A page of payments; `shopId` limits them to pay orders holding that shop's orders. */
export async function listPayments(
  orders: OrderStore,
  query: { payOrderId?: string | undefined; limit: number; cursor?: string | undefined },
  shopId: string | undefined,
) {
  const shards: { shard: { db: Db }; slots: number[] | "all" }[] = query.payOrderId
    ? [{ shard: await orders.homeOfOrder(query.payOrderId), slots: "all" }]
    : await orders.routed();
  const after = query.cursor ? decodeCursor(createdCursorSchema, query.cursor) : undefined;
  const pages = await Promise.all(
    shards.map(({ shard: { db }, slots }) => {
      const conditions: (SQL | undefined)[] = [
        query.payOrderId ? eq(payments.payOrderId, query.payOrderId) : undefined,
        inSlots(payments.payOrderId, slots),
        // Orders and their payments share a shard, so the seller's filter is the shard's own.
        shopId === undefined ? undefined : inArray(payments.payOrderId, payOrdersOfShop(db, shopId)),
        after ? olderThan(payments.createdAt, payments.id, after) : undefined,
      ];
      return db
        .select()
        .from(payments)
        .where(and(...conditions))
        .orderBy(desc(payments.createdAt), desc(payments.id))
        .limit(query.limit + 1);
    }),
  );
  // SQLite's order, desc(createdAt), desc(id): ids are ASCII, so code-unit order is its byte order.
  const rows = pages
    .flat()
    .sort((a, b) => b.createdAt - a.createdAt || (a.id < b.id ? 1 : a.id > b.id ? -1 : 0))
    .slice(0, query.limit + 1);
  return pageOf(rows, query.limit, (p) => ({
    paymentId: p.id,
    payOrderId: p.payOrderId,
    provider: p.provider as PaymentProvider,
    providerPaymentId: p.providerPaymentId,
    status: p.status,
    amount: { amount: p.amount, currency: p.currency as Currency },
    failureCode: p.failureCode,
    createdAt: new Date(p.createdAt).toISOString(),
  }));
}
