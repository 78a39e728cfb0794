/**
 * What a refund gives back of an order's promotions (SPEC §7, issue #15):
 * - coins by the allocation: each order item's share of the order's coins discount (its line
 *   share, largest remainder, as written with the order), split over the item's units by the same
 *   rule as its money (shared/refunds/allocation.ts). A refund holds its units' coins with their
 *   quantity, so concurrent partial refunds never give back more coins than the order spent.
 * - a voucher use (and its budget) only when every order it discounted is wholly refunded (or was
 *   cancelled before it was paid): a partial refund keeps the use, whatever it returns of money.
 *
 * Both happen in the batch that makes the refund REFUNDED (the provider paid the money back),
 * never earlier: a refund that fails or is released has given nothing back, so nothing has to be
 * taken back from the shopper; and the shopper gets coins and money at the same moment. Both are
 * idempotent: the coins posting's key names the refund, and each use goes back only from the
 * status it was read in, so the same completion applied twice gives back once.
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
 * REFUNDED refund, or it was cancelled with no refund of its units (before it was paid, or paid
 * after the cancel and refunded automatically, whose cancel already returned what it held).
 */
// Through refunds.order_id (indexed) and refund_items' primary key: refund_items has no index by item.
const ORDER_DONE = sql`(
  NOT EXISTS (
    SELECT 1 FROM order_items i WHERE i.order_id = o.id AND i.quantity > (
      SELECT coalesce(sum(ri.quantity), 0) FROM refunds r JOIN refund_items ri ON ri.refund_id = r.id
       WHERE r.order_id = o.id AND r.status = 'REFUNDED' AND ri.order_item_id = i.id))
  OR (o.status = 'CANCELLED' AND NOT EXISTS (
    SELECT 1 FROM refunds r JOIN refund_items ri ON ri.refund_id = r.id WHERE r.order_id = o.id))
)`;

/**
 * The statements giving back what refund `refund` (of order `order`, its units holding `coins`)
 * returns of promotions, for the batch that moves it to REFUNDED, after that move (the voucher
 * condition counts this refund as REFUNDED). `wholeOrderHeld`: every unit of the order is in some
 * refund (else no voucher can come back, and nothing about vouchers is read).
 */
export async function refundedPromotionsStatements(
  db: Db,
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
    const spent = (await orderDiscountShares(db, input.order.id))
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
  const discounted = await db
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
    // Every order of the checkout this voucher discounted (a platform voucher spans shops).
    const allDone = sql`NOT EXISTS (
      SELECT 1 FROM order_discounts d JOIN orders o ON o.id = d.order_id
       WHERE d.saga_id = ${use.sagaId} AND d.source_id = ${use.voucherId} AND NOT ${ORDER_DONE})`;
    // Both: the order.paid consumer may consume a held use between this read and the batch.
    statements.push(
      ...returnUseStatements(db, use, "held", input.now, allDone),
      ...returnUseStatements(db, use, "consumed", input.now, allDone),
    );
  }
  return statements;
}
