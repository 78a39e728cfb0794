/** The refunds table: rows, the statements that write them, and the reads payments need. */
import { and, eq, sql } from "drizzle-orm";
import { refunds } from "../../db/schema";
import { assertExists, type Db } from "../platform/db";

export type RefundRow = typeof refunds.$inferSelect;

/**
 * Whether refund `refund` returns the order's own money. A `duplicate_payment` refund returns a
 * second payment for an order another payment paid: the order's payment stands, so neither its
 * paymentStatus nor its refundStatus follows that refund (docs/decisions.md); every other refund
 * (paid_after_cancel included: that payment was the cancelled order's) moves both.
 */
export const returnsOrdersMoney = (refund: { reason: string }) => refund.reason !== "duplicate_payment";

export function findRefund(db: Db, id: string): Promise<RefundRow | undefined> {
  return db.query.refunds.findFirst({ where: eq(refunds.id, id) });
}

export function refundsOfPayment(db: Db, paymentId: string): Promise<RefundRow[]> {
  return db.select().from(refunds).where(eq(refunds.paymentId, paymentId));
}

export function refundsOfOrder(db: Db, orderId: string): Promise<RefundRow[]> {
  return db.select().from(refunds).where(eq(refunds.orderId, orderId)).orderBy(refunds.createdAt, refunds.id);
}

export function insertRefund(db: Db, row: typeof refunds.$inferInsert) {
  return db.insert(refunds).values(row);
}

/** Moves `row` on if nobody moved it since it was read, asserted like a payment's move. */
export function moveRefundStatements(
  db: Db,
  row: RefundRow,
  set: Partial<Pick<RefundRow, "status" | "providerRefundId" | "note">>,
  change: { opId: string; now: number },
) {
  return [
    db
      .update(refunds)
      .set({ ...set, version: row.version + 1, lastOpId: change.opId, updatedAt: change.now })
      .where(and(eq(refunds.id, row.id), eq(refunds.version, row.version))),
    assertExists(db, sql`SELECT 1 FROM refunds WHERE id = ${row.id} AND last_op_id = ${change.opId}`),
  ] as const;
}

/** Records the provider's id for a refund asked of it (once: a later ask keeps the first id). */
export function setProviderRefundId(db: Db, id: string, providerRefundId: string, now: number) {
  return db
    .update(refunds)
    .set({ providerRefundId, updatedAt: now })
    .where(and(eq(refunds.id, id), sql`${refunds.providerRefundId} IS NULL`));
}
