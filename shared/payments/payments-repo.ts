/** The payments table: rows, the statements that write them, and the reads payments need. */
import { and, desc, eq, inArray, sql } from "drizzle-orm";
import { payments } from "../../db/schema";
import { readChunks } from "../platform/d1-chunks";
import { assertExists, type Db } from "../platform/db";

export type PaymentRow = typeof payments.$inferSelect;
export type PaymentStatus = PaymentRow["status"];
/** Every payment status, as the table declares them. */
export const PAYMENT_STATUSES = payments.status.enumValues;
/** What a payment pays for: the open orders of its pay order when it started, with their totals. */
export type CoveredOrders = { orderId: string; amount: number }[];

/** Statuses in which a payment is live: at most one per pay order (a partial unique index). */
export const LIVE_STATUSES = ["CREATING", "PENDING"] as const satisfies readonly PaymentStatus[];

export function coveredOrders(row: PaymentRow): CoveredOrders {
  return JSON.parse(row.orders) as CoveredOrders;
}

export function findPayment(db: Db, id: string): Promise<PaymentRow | undefined> {
  return db.query.payments.findFirst({ where: eq(payments.id, id) });
}

/** Payment `id` as a query, for a batch that reads it beside something else. */
export function paymentRead(db: Db, id: string) {
  return db.select().from(payments).where(eq(payments.id, id));
}

/** A pay order's payments, newest first. */
export function paymentsOf(db: Db, payOrderId: string): Promise<PaymentRow[]> {
  return db
    .select()
    .from(payments)
    .where(eq(payments.payOrderId, payOrderId))
    .orderBy(desc(payments.createdAt), desc(payments.id));
}

/** The pay order's live payment (CREATING or PENDING), if any. */
export function livePaymentOf(db: Db, payOrderId: string): Promise<PaymentRow | undefined> {
  return db.query.payments.findFirst({
    where: and(eq(payments.payOrderId, payOrderId), inArray(payments.status, [...LIVE_STATUSES])),
  });
}

export function insertPayment(db: Db, row: typeof payments.$inferInsert) {
  return db.insert(payments).values(row);
}

/**
 * Moves `row` to `status` if nobody moved it since it was read (version compare-and-set), and
 * asserts it, so the rest of the batch commits only with it.
 */
export function movePaymentStatements(
  db: Db,
  row: PaymentRow,
  set: Partial<Pick<PaymentRow, "status" | "providerPaymentId" | "redirectUrl" | "failureCode">>,
  change: { opId: string; now: number },
) {
  return [
    db
      .update(payments)
      .set({ ...set, version: row.version + 1, lastOpId: change.opId, updatedAt: change.now })
      .where(and(eq(payments.id, row.id), eq(payments.version, row.version))),
    assertExists(db, sql`SELECT 1 FROM payments WHERE id = ${row.id} AND last_op_id = ${change.opId}`),
  ] as const;
}

/** The SUCCEEDED payments of these pay orders (chunked under D1's parameter cap). */
export function succeededPaymentsOf(db: Db, payOrderIds: readonly string[]) {
  return readChunks(payOrderIds, (chunk) =>
    db
      .select({ id: payments.id, payOrderId: payments.payOrderId })
      .from(payments)
      .where(and(inArray(payments.payOrderId, chunk), eq(payments.status, "SUCCEEDED"))),
  );
}
