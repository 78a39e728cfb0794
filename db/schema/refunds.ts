/**
 * After-sales (seed: RefundPlaceOrder, RefundApproveService, ReturnPurchaseService): which order
 * items, how many units and how much money each refund covers. The refund itself is a row of
 * `refunds` (payments.ts); what each order item still has left lives on the item
 * (`order_items.refund_held_*`).
 */
import { integer, primaryKey, sqliteTable, text } from "drizzle-orm/sqlite-core";

export const refundItems = sqliteTable(
  "refund_items",
  {
    refundId: text("refund_id").notNull(),
    orderItemId: text("order_item_id").notNull(),
    quantity: integer("quantity").notNull(),
    /** These units' exact share of what was paid for the item (shared/refunds/allocation.ts). */
    amount: integer("amount").notNull(),
    /** These units' share of the coins the order spent (credited when it is REFUNDED: shared/promotions/refund-returns.ts). */
    coins: integer("coins").notNull().default(0),
  },
  (t) => [primaryKey({ columns: [t.refundId, t.orderItemId] })],
);
