/** Platform tables: idempotency keys, the consumers' inbox, dead letters and event canaries. */
import { sql } from "drizzle-orm";
import { index, integer, primaryKey, sqliteTable, text, uniqueIndex } from "drizzle-orm/sqlite-core";

/**
 * One row per (caller scope, Idempotency-Key). `state` is `running` while the first request
 * executes (guarded by `lock_token` until `locked_until`) and `done` once its response is stored.
 */
export const idempotencyKeys = sqliteTable(
  "idempotency_keys",
  {
    scope: text("scope").notNull(),
    key: text("key").notNull(),
    requestHash: text("request_hash").notNull(),
    state: text("state", { enum: ["running", "done"] }).notNull(),
    lockToken: text("lock_token").notNull(),
    lockedUntil: integer("locked_until").notNull(),
    responseStatus: integer("response_status"),
    responseContentType: text("response_content_type"),
    responseBody: text("response_body"),
    /** JSON object of the response headers a replay must carry (Location, Retry-After, RateLimit*). */
    responseHeaders: text("response_headers"),
    createdAt: integer("created_at").notNull(),
    expiresAt: integer("expires_at").notNull(),
  },
  (t) => [primaryKey({ columns: [t.scope, t.key] }), index("idempotency_keys_expires_at").on(t.expiresAt)],
);

/**
 * The consumers' inbox: an event id recorded here was fully handled by that consumer, so a
 * redelivery is acknowledged without running the handler again.
 */
export const processedEvents = sqliteTable(
  "processed_events",
  {
    consumer: text("consumer").notNull(),
    eventId: text("event_id").notNull(),
    processedAt: integer("processed_at").notNull(),
  },
  (t) => [primaryKey({ columns: [t.consumer, t.eventId] })],
);

/** Messages that could not be processed: retries exhausted (via a DLQ) or rejected as permanent. */
export const deadLetters = sqliteTable(
  "dead_letters",
  {
    id: text("id").primaryKey(),
    queue: text("queue").notNull(),
    messageId: text("message_id").notNull(),
    eventType: text("event_type"),
    body: text("body").notNull(),
    attempts: integer("attempts").notNull(),
    reason: text("reason").notNull(),
    status: text("status", { enum: ["dead", "replayed"] }).notNull(),
    createdAt: integer("created_at").notNull(),
    replayedAt: integer("replayed_at"),
    replayedBy: text("replayed_by"),
  },
  (t) => [
    uniqueIndex("dead_letters_queue_message").on(t.queue, t.messageId),
    index("dead_letters_status_created").on(t.status, t.createdAt),
  ],
);

/** End-to-end probes of the event pipeline: sent by an operator, marked when consumed. */
export const eventCanaries = sqliteTable("event_canaries", {
  id: text("id").primaryKey(),
  queue: text("queue").notNull(),
  requestedBy: text("requested_by").notNull(),
  createdAt: integer("created_at").notNull(),
  consumedAt: integer("consumed_at"),
  deliveries: integer("deliveries").notNull().default(sql`0`),
});
