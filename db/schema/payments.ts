/**
 * Payments (seed: 订单支付和支付结果回调). The provider-event inbox: every webhook a provider sent,
 * stored once by its own event id before anything acts on it, so a duplicate delivery is
 * recognised and an event that cannot be applied yet (an unknown payment) is parked, not lost.
 */
import { index, integer, primaryKey, sqliteTable, text } from "drizzle-orm/sqlite-core";

export const paymentProviderEvents = sqliteTable(
  "payment_provider_events",
  {
    /** `sandbox` or `stripe`. */
    provider: text("provider").notNull(),
    /** The provider's event id (`evt_...`): one row per event, whatever the redeliveries. */
    eventId: text("event_id").notNull(),
    type: text("type").notNull(),
    /** The verified raw body, exactly as signed. */
    payload: text("payload").notNull(),
    /** `received` until a consumer acts; `applied`; or `parked` (it names nothing we know yet). */
    status: text("status", { enum: ["received", "applied", "parked"] }).notNull(),
    /** Why it was parked, for the operator who looks. */
    note: text("note"),
    /** The provider's own timestamp (`created`, unix seconds × 1000). */
    createdAt: integer("created_at").notNull(),
    receivedAt: integer("received_at").notNull(),
    updatedAt: integer("updated_at").notNull(),
  },
  (t) => [
    primaryKey({ columns: [t.provider, t.eventId] }),
    index("payment_provider_events_status").on(t.status, t.receivedAt),
  ],
);
