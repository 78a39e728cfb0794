/** The refunds table: rows, the statements that write them, and the reads payments need. */
import { and, eq, sql } from "drizzle-orm";
import { refunds } from "../../db/schema";
import type { Db } from "../platform/db";
import { moveRefundStatements as moveThroughMachine } from "../refunds/refund-writes";

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

/** The refund machine's event for each outcome the provider reports. */
const OUTCOME_EVENTS = { REFUNDED: "succeed", FAILED: "fail" } as const;

/**
 * Moves `row` to the provider's outcome through the refund machine (409 `invalid_transition`
 * from anything but PROCESSING), compared on the version read and logged like every refund move
 * (shared/refunds/refund-writes.ts), the refund itself as the actor.
 */
export function moveRefundStatements(
  db: Db,
  row: RefundRow,
  set: { status: keyof typeof OUTCOME_EVENTS } & Partial<Pick<RefundRow, "providerRefundId" | "note">>,
  change: { opId: string; now: number },
) {
  const { status, ...fields } = set;
  return moveThroughMachine(
    db,
    row,
    [OUTCOME_EVENTS[status]],
    { ...change, actor: { type: "refund", id: row.id } },
    fields,
  );
}

/** Records the provider's id for a refund asked of it (once: a later ask keeps the first id). */
export function setProviderRefundId(db: Db, id: string, providerRefundId: string, now: number) {
  return db
    .update(refunds)
    .set({ providerRefundId, updatedAt: now })
    .where(and(eq(refunds.id, id), sql`${refunds.providerRefundId} IS NULL`));
}
