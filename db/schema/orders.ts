/**
 * The order center's tables (seed: 订单模型): pay orders, per-seller orders, their items, the
 * items' content-addressed snapshots (订单商品快照 option 3), the order-creation saga's progress,
 * every status change, and the sellers' shipping templates. Every mutable row has a `version`
 * that each update compares and sets (并发更新的ABA问题). Money columns are integer minor units in
 * the row's `currency`.
 */
import { index, integer, sqliteTable, text, uniqueIndex } from "drizzle-orm/sqlite-core";
import { shops } from "./users";

/** One payment covering one or more orders (one per seller) of a checkout. */
export const payOrders = sqliteTable(
  "pay_orders",
  {
    /** A 19-digit order number (shared/orders/order-numbers.ts). */
    id: text("id").primaryKey(),
    /**
     * The shopper. No foreign key to `users` (nor `orders.shop_id` to `shops`): orders live in the
     * order shards, which hold no users or shops (shared/orders/order-store.ts; migration 0034).
     */
    userId: text("user_id").notNull(),
    /** The saga that created it; one saga writes at most one pay order. */
    sagaId: text("saga_id").notNull().unique(),
    currency: text("currency").notNull(),
    /** What the orders still open under it add up to (items + shipping − discounts). */
    payAmount: integer("pay_amount").notNull(),
    cashAmount: integer("cash_amount").notNull(),
    coinAmount: integer("coin_amount").notNull().default(0),
    voucherAmount: integer("voucher_amount").notNull().default(0),
    paymentMethod: text("payment_method"),
    paymentStatus: text("payment_status").notNull(),
    /** When an unpaid pay order cancels itself (and its stock holds end). */
    payBy: integer("pay_by").notNull(),
    version: integer("version").notNull().default(1),
    /** The operation whose compare-and-set last won (checked inside the writing batch). */
    lastOpId: text("last_op_id"),
    createdAt: integer("created_at").notNull(),
    updatedAt: integer("updated_at").notNull(),
  },
  (t) => [index("pay_orders_user").on(t.userId, t.createdAt), index("pay_orders_unpaid").on(t.paymentStatus, t.payBy)],
);

/** One seller's part of a checkout. Four status fields, each moved by shared/orders/state-machine.ts. */
export const orders = sqliteTable(
  "orders",
  {
    id: text("id").primaryKey(),
    payOrderId: text("pay_order_id")
      .notNull()
      .references(() => payOrders.id),
    /** The shopper and the shop, with no foreign keys (see `pay_orders.user_id`). */
    userId: text("user_id").notNull(),
    shopId: text("shop_id").notNull(),
    /** `physical` or `virtual`: which checkout and fulfillment strategy the order follows. */
    kind: text("kind", { enum: ["physical", "virtual"] }).notNull(),
    status: text("status").notNull(),
    paymentStatus: text("payment_status").notNull(),
    fulfillmentStatus: text("fulfillment_status").notNull(),
    refundStatus: text("refund_status").notNull(),
    currency: text("currency").notNull(),
    itemsAmount: integer("items_amount").notNull(),
    shippingFee: integer("shipping_fee").notNull(),
    discountAmount: integer("discount_amount").notNull(),
    totalAmount: integer("total_amount").notNull(),
    /** JSON copy of the delivery address at checkout (null for virtual goods). */
    address: text("address"),
    cancelReason: text("cancel_reason"),
    version: integer("version").notNull().default(1),
    /** The operation whose compare-and-set last won (checked inside the writing batch). */
    lastOpId: text("last_op_id"),
    createdAt: integer("created_at").notNull(),
    updatedAt: integer("updated_at").notNull(),
  },
  (t) => [
    index("orders_user").on(t.userId, t.createdAt),
    index("orders_shop").on(t.shopId, t.createdAt),
    index("orders_pay_order").on(t.payOrderId),
  ],
);

/** What was bought, deduplicated by content hash: identical content shares one row. */
export const orderSnapshots = sqliteTable("order_snapshots", {
  /** `osn_` + the first 32 hex digits of the content's SHA-256. */
  id: text("id").primaryKey(),
  skuId: text("sku_id").notNull(),
  contentHash: text("content_hash").notNull().unique(),
  /** Canonical JSON of the product content at purchase time. */
  content: text("content").notNull(),
  createdAt: integer("created_at").notNull(),
});

export const orderItems = sqliteTable(
  "order_items",
  {
    id: text("id").primaryKey(),
    orderId: text("order_id")
      .notNull()
      .references(() => orders.id),
    skuId: text("sku_id").notNull(),
    productId: text("product_id").notNull(),
    snapshotId: text("snapshot_id")
      .notNull()
      .references(() => orderSnapshots.id),
    quantity: integer("quantity").notNull(),
    unitPrice: integer("unit_price").notNull(),
    /** This item's exact share of the order's discounts (largest remainder, see pricing.ts). */
    discount: integer("discount").notNull(),
    /** unit price × quantity − discount: what a full refund of this item returns. */
    paidAmount: integer("paid_amount").notNull(),
    /** The stock hold in the SKU's object. */
    reservationId: text("reservation_id").notNull(),
    /**
     * Virtual goods: the phone number the top-up provider delivers to, captured at quote/order
     * time (the shopper's `rechargeTarget`, else the account's phone); null for goods that ship.
     */
    rechargeTarget: text("recharge_target"),
    /**
     * Units of this item in live or completed refunds, and what they return (shared/refunds):
     * moved only by a compare-and-set on both, so concurrent refund requests never overlap.
     */
    refundHeldQuantity: integer("refund_held_quantity").notNull().default(0),
    refundHeldAmount: integer("refund_held_amount").notNull().default(0),
    /** The coins those units give back (their share of the order's coins discount, same rule). */
    refundHeldCoins: integer("refund_held_coins").notNull().default(0),
    /** The refund operation whose compare-and-set last won (checked inside the writing batch). */
    refundOpId: text("refund_op_id"),
    status: text("status").notNull(),
    createdAt: integer("created_at").notNull(),
  },
  (t) => [index("order_items_order").on(t.orderId)],
);

/**
 * The order-creation saga's progress (seed: 创单). Written once before the first step with side
 * effects and closed in the same D1 batch that writes the orders, so a crash in between leaves a
 * `running` row whose lease lapses; the sweeper then finishes or undoes it.
 */
export const orderSagas = sqliteTable(
  "order_sagas",
  {
    id: text("id").primaryKey(),
    userId: text("user_id").notNull(),
    /** A quote token creates at most one order: its id is unique here. */
    quoteId: text("quote_id").unique(),
    /**
     * The request's idempotency identity (a hash of caller scope, route and Idempotency-Key): one
     * key runs one saga at a time and makes one order at most, even after its idempotency lock lapsed.
     */
    requestKey: text("request_key").unique(),
    status: text("status", { enum: ["running", "completed", "compensating", "compensated", "failed"] }).notNull(),
    /** JSON: what compensations need (the reservations asked for) and how far the saga got. */
    context: text("context").notNull(),
    /** The step that failed, and why. */
    error: text("error"),
    /** While the runner holds it; after this the sweeper may take the saga over. */
    leaseUntil: integer("lease_until").notNull(),
    version: integer("version").notNull().default(1),
    createdAt: integer("created_at").notNull(),
    updatedAt: integer("updated_at").notNull(),
  },
  (t) => [index("order_sagas_status_lease").on(t.status, t.leaseUntil)],
);

/** Every status change of an order or pay order: which field, from, to, by which event and actor. */
export const orderStatusLog = sqliteTable(
  "order_status_log",
  {
    id: text("id").primaryKey(),
    entityType: text("entity_type", { enum: ["order", "pay_order", "shipment", "refund"] }).notNull(),
    entityId: text("entity_id").notNull(),
    field: text("field").notNull(),
    fromStatus: text("from_status"),
    toStatus: text("to_status").notNull(),
    event: text("event").notNull(),
    actor: text("actor").notNull(),
    at: integer("at").notNull(),
  },
  (t) => [index("order_status_log_entity").on(t.entityId, t.at)],
);

/**
 * A seller's shipping template: a first-weight fee, a fee per additional weight step, regional
 * overrides (JSON `[{ country, provinces?, firstFee, additionalFee }]`) and a free-shipping threshold.
 */
export const shippingTemplates = sqliteTable("shipping_templates", {
  shopId: text("shop_id")
    .primaryKey()
    .references(() => shops.id),
  currency: text("currency").notNull(),
  firstWeightGrams: integer("first_weight_grams").notNull(),
  firstFee: integer("first_fee").notNull(),
  additionalWeightGrams: integer("additional_weight_grams").notNull(),
  additionalFee: integer("additional_fee").notNull(),
  freeThreshold: integer("free_threshold"),
  regions: text("regions").notNull().default("[]"),
  version: integer("version").notNull().default(1),
  createdAt: integer("created_at").notNull(),
  updatedAt: integer("updated_at").notNull(),
});

/** Safety-stock alerts raised by SKU objects when available stock falls to the SKU's threshold. */
export const stockAlerts = sqliteTable(
  "stock_alerts",
  {
    /** The object's event id, so a redelivered alert is stored once. */
    id: text("id").primaryKey(),
    skuId: text("sku_id").notNull(),
    shopId: text("shop_id").notNull(),
    available: integer("available").notNull(),
    threshold: integer("threshold").notNull(),
    raisedAt: integer("raised_at").notNull(),
  },
  (t) => [index("stock_alerts_shop").on(t.shopId, t.raisedAt)],
);

/**
 * Transactional outbox: events written in the same D1 batch as the change they report, sent by
 * the writer right after the commit and by the events cron if the writer died first.
 */
export const outbox = sqliteTable(
  "outbox",
  {
    /** The event id. */
    id: text("id").primaryKey(),
    queue: text("queue").notNull(),
    body: text("body").notNull(),
    /** Deliver no earlier than this (ms); the delay is worked out when the event is sent. */
    deliverAt: integer("deliver_at"),
    createdAt: integer("created_at").notNull(),
  },
  (t) => [uniqueIndex("outbox_created").on(t.createdAt, t.id)],
);
