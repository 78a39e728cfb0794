/**
 * The units a shopper holds in unpaid orders (orders still CREATED), for the anti-fraud hold cap
 * (`assertWithinHoldLimit`). Counted from the orders themselves, so paying, cancelling or timing
 * out frees the allowance with no bookkeeping of its own.
 */
import { and, eq, sql } from "drizzle-orm";
import { orderItems, orders } from "../../db/schema";
import { type BatchRead, batchRead } from "../platform/d1-chunks";
import type { Db } from "../platform/db";

/** The user's units in unpaid orders, as a read for the caller's batch (checkout's facts). */
export function heldUnitsRead(db: Db, userId: string): BatchRead<number> {
  return batchRead(
    [
      [
        db
          .select({ units: sql<number>`coalesce(sum(${orderItems.quantity}), 0)` })
          .from(orderItems)
          .innerJoin(orders, eq(orders.id, orderItems.orderId))
          .where(and(eq(orders.userId, userId), eq(orders.status, "CREATED"))),
      ],
    ],
    ([[row]]) => row?.units ?? 0,
  );
}
