/**
 * Order shards (issue #20): where each of the 1,000 order slots lives, and the fences that keep a
 * shard from taking writes for a slot it is handing over. The order number carries the slot
 * (`user_id % 1000`, shared/orders/order-numbers.ts), so these two tables are all it takes to
 * find an order's database. Every database gets the same migrations; `order_slots` is read from
 * the commerce database, `order_slot_fences` from each order shard (shared/orders/order-store.ts).
 */
import { integer, sqliteTable, text } from "drizzle-orm/sqlite-core";

/** The slot table (commerce database): a slot without a row lives on shard 0. */
export const orderSlots = sqliteTable("order_slots", {
  /** `user_id % 1000`, 0 ≤ slot < 1000. */
  slot: integer("slot").primaryKey(),
  /** The index of the `ORDERS_<i>` binding that holds the slot's orders. */
  shard: integer("shard").notNull(),
  updatedAt: integer("updated_at").notNull(),
});

/**
 * In an order shard: a slot this shard must not take writes for. Every write batch of an order
 * starts with a check that its slot has no fence here (OrderStore.write), so a writer that routed
 * by a slot table it cached before a move is refused (409 `order_slot_moving`, retryable), never
 * written to the old home after the copy.
 */
export const orderSlotFences = sqliteTable("order_slot_fences", {
  slot: integer("slot").primaryKey(),
  /** `moving`: the copy is running; `moved`: the slot lives on `toShard` now. */
  state: text("state", { enum: ["moving", "moved"] }).notNull(),
  toShard: integer("to_shard").notNull(),
  since: integer("since").notNull(),
});
