/**
 * What a refund gives back of an order's promotions (SPEC §7, issue #15):
 * - coins by the allocation: each order item's share of the order's coins discount (its line
 *   share, largest remainder, as written with the order), split over the item's units by the same
 *   rule as its money (shared/refunds/allocation.ts). A refund holds its units' coins with their
 *   quantity, so concurrent partial refunds never give back more coins than the order spent.
 * - a voucher use (and its budget) only when every order it discounted is wholly refunded (or was
 *   cancelled before it was paid): a partial refund keeps the use, whatever it returns of money.
 *
 * Both happen when the provider paid the money back (its refund.updated succeeded), never
 * earlier: a refund that fails or is released has given nothing back, so nothing has to be taken
 * back from the shopper. Coins and vouchers are commerce tables while the refund is in its order's
 * shard, so they are written in the commerce database just BEFORE the shard's batch that makes the
 * refund REFUNDED, with its refund_paid posting (a crash in between is repaired by the event's
 * redelivery). Both are idempotent: the coins posting's key names the refund, and each use goes
 * back only from the status it was read in, so the same completion applied twice gives back once.
 */
import { and, eq, inArray, sql } from "drizzle-orm";
import type { BatchItem } from "drizzle-orm/batch";
import { orderDiscounts, voucherUses } from "../../db/schema";
import type { Db } from "../platform/db";
import { creditCoinsStatements, spendHeldCoinsStatements } from "./coins";
import { orderDiscountShares, returnUseStatements } from "./holds";

/** Each item's share of the coins order `orderId` spent, by order item id (0 for items without). */
export async function itemCoins(
  db: Db,
  orderId: string,
  items: readonly { id: string; skuId: string }[],
): Promise<Map<string, number>> {
  const coins = (await orderDiscountShares(db, orderId)).filter((d) => d.source === "coins");
  return new Map(items.map((i) => [i.id, coins.reduce((sum, d) => sum + (d.lineShares[i.skuId] ?? 0), 0)]));
}

/**
 * Order `o` (an alias in the enclosing query) no longer uses its vouchers: every unit of it is in a
 * REFUNDED refund (or in refund `refunding`, the one being completed), or it was cancelled with no
 * refund of its units (before it was paid, or paid after the cancel and refunded automatically,
 * whose cancel already returned what it held). Read in the order shard; never a condition of the
 * commerce database's writes.
 */
// Through refunds.order_id (indexed) and refund_items' primary key: refund_items has no index by item.
const orderDone = (refunding: string) => sql`(
  NOT EXISTS (
    SELECT 1 FROM order_items i WHERE i.order_id = o.id AND i.quantity > (
      SELECT coalesce(sum(ri.quantity), 0) FROM refunds r JOIN refund_items ri ON ri.refund_id = r.id
       WHERE r.order_id = o.id AND (r.status = 'REFUNDED' OR r.id = ${refunding}) AND ri.order_item_id = i.id))
  OR (o.status = 'CANCELLED' AND NOT EXISTS (
    SELECT 1 FROM refunds r JOIN refund_items ri ON ri.refund_id = r.id WHERE r.order_id = o.id))
)`;

/**
 * Whether every order of checkout `sagaId` that voucher `voucherId` discounted no longer uses it
 * (a platform voucher spans shops), counting refund `refunding` as REFUNDED. A checkout's orders
 * are one shopper's, so they all live in `orderDb`, the shard of that shopper's slot.
 */
async function voucherFreed(orderDb: Db, use: { sagaId: string; voucherId: string }, refunding: string) {
  const [row] = await orderDb.all<{ freed: number }>(sql`SELECT NOT EXISTS (
      SELECT 1 FROM order_discounts d JOIN orders o ON o.id = d.order_id
       WHERE d.saga_id = ${use.sagaId} AND d.source_id = ${use.voucherId} AND NOT ${orderDone(refunding)}) AS freed`);
  return row?.freed === 1;
}

/**
 * The statements giving back what refund `refund` (of order `order`, its units holding `coins`)
 * returns of promotions: writes of the commerce database `db` (coins, voucher uses and budgets),
 * decided from reads of the order's shard `orderDb` (its discounts, and whether the checkout's
 * orders are all done, counting this refund as REFUNDED), so they can run before the shard's batch
 * that makes it REFUNDED (shared/payments/refund-payouts.ts). `wholeOrderHeld`: every unit of the
 * order is in some refund (else no voucher can come back, and nothing about vouchers is read).
 * Idempotent: the coin postings by key, each voucher use only from the status it was read in.
 */
export async function refundedPromotionsStatements(
  db: Db,
  orderDb: Db,
  input: {
    refundId: string;
    order: { id: string; userId: string };
    coins: number;
    wholeOrderHeld: boolean;
    now: number;
  },
): Promise<BatchItem<"sqlite">[]> {
  const statements: BatchItem<"sqlite">[] = [];
  if (input.coins > 0) {
    const spent = (await orderDiscountShares(orderDb, input.order.id))
      .filter((d) => d.source === "coins")
      .reduce((sum, d) => sum + d.amount, 0);
    statements.push(
      // The order's spend, under its own key: a no-op when order.paid's consumer spent the coins
      // already, and what keeps them from staying held when it comes late (a refunded order that
      // was cancelled meanwhile consumes nothing).
      ...spendHeldCoinsStatements(
        db,
        { key: `coins:spend:${input.order.id}`, ref: input.order.id, userId: input.order.userId, amount: spent },
        input.now,
      ),
      ...creditCoinsStatements(
        db,
        {
          kind: "refunded",
          key: `coins:refund:${input.refundId}`,
          ref: input.order.id,
          userId: input.order.userId,
          amount: input.coins,
          memo: "order refunded",
        },
        input.now,
      ),
    );
  }
  if (!input.wholeOrderHeld) return statements;
  const discounted = await orderDb
    .select({ sagaId: orderDiscounts.sagaId, voucherId: orderDiscounts.sourceId })
    .from(orderDiscounts)
    .where(
      and(
        eq(orderDiscounts.orderId, input.order.id),
        inArray(orderDiscounts.source, ["shop_voucher", "platform_voucher"]),
      ),
    );
  const [first] = discounted;
  const voucherIds = discounted.flatMap((d) => (d.voucherId ? [d.voucherId] : []));
  if (!first || voucherIds.length === 0) return statements;
  const uses = await db
    .select()
    .from(voucherUses)
    .where(
      and(
        eq(voucherUses.sagaId, first.sagaId),
        inArray(voucherUses.voucherId, voucherIds),
        inArray(voucherUses.status, ["held", "consumed"]),
      ),
    );
  for (const use of uses) {
    if (!(await voucherFreed(orderDb, use, input.refundId))) continue;
    // Both: the order.paid consumer may consume a held use between this read and the batch.
    statements.push(
      ...returnUseStatements(db, use, "held", input.now),
      ...returnUseStatements(db, use, "consumed", input.now),
    );
  }
  return statements;
}
