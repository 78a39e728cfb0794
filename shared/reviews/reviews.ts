/**
 * Reviews and ratings (the seed's index document carries `ratings`): a shopper reviews an item of
 * one of their COMPLETED orders once (1–5 stars, text, optional uploaded images); the shop's seller
 * may answer; an operator may hide one, which takes it out of the list and the rating. Each write
 * recomputes the product's rating in its own batch and queues a catalog change, so the search
 * document (sort `rating`) and the product detail follow.
 */
import { and, desc, eq, isNull, sql } from "drizzle-orm";
import { z } from "zod";
import { productRatings, reviews } from "../../db/schema";
import { imageUrlSchema } from "../catalog/images";
import { indexedPriceWindow } from "../catalog/indexer";
import { makeEvent } from "../events/messages";
import { outboxInsert, outboxRow, sendOutbox } from "../events/outbox";
import type { Producers } from "../events/producer";
import type { OrderStore } from "../orders/order-store";
import { getOrder } from "../orders/orders";
import type { Clock } from "../platform/clock";
import { createdCursorSchema, decodeCursor, olderThan, pageOf } from "../platform/cursor";
import { type Db, isUniqueViolation, runBatch } from "../platform/db";
import { AppError } from "../platform/errors";
import { newId } from "../platform/ids";
import { createLogger, errorFields, type Logger } from "../platform/logger";
import { limitSchema } from "../platform/validation";
import { ratingOf, recomputeRating } from "./ratings";

export interface ReviewDeps {
  db: Db;
  clock: Clock;
  producers: Producers;
  log?: Logger;
}

export const reviewBody = z.strictObject({
  stars: z.number().int().min(1).max(5),
  text: z.string().trim().min(1).max(2000),
  images: z.array(imageUrlSchema).max(9).optional(),
});
export type ReviewBody = z.infer<typeof reviewBody>;

export const replyBody = z.strictObject({ text: z.string().trim().min(1).max(2000) });
export const hideBody = z.strictObject({ reason: z.string().trim().min(1).max(500) });

export const reviewSchema = z.object({
  reviewId: z.string(),
  stars: z.number().int(),
  text: z.string(),
  images: z.array(z.string()),
  reply: z.object({ text: z.string(), createdAt: z.string() }).nullable(),
  createdAt: z.string(),
});
export const reviewListSchema = z.object({
  rating: z.object({ average: z.number(), count: z.number().int() }),
  items: z.array(reviewSchema),
  nextCursor: z.string().nullable(),
});
export const reviewListQuery = z.strictObject({ limit: limitSchema, cursor: z.string().min(1).max(512).optional() });

type ReviewRow = typeof reviews.$inferSelect;

function viewOf(row: ReviewRow): z.infer<typeof reviewSchema> {
  return {
    reviewId: row.id,
    stars: row.stars,
    text: row.text,
    images: JSON.parse(row.images) as string[],
    reply:
      row.reply !== null && row.repliedAt !== null
        ? { text: row.reply, createdAt: new Date(row.repliedAt).toISOString() }
        : null,
    createdAt: new Date(row.createdAt).toISOString(),
  };
}

/** The catalog change that re-indexes the product's document with its new rating. */
async function ratingChanged(db: Db, productId: string, shopId: string, now: number) {
  const indexed = await indexedPriceWindow(db, productId);
  return outboxRow(
    "catalog-events",
    makeEvent(
      "catalog.product_changed",
      { productId, shopId, change: "updated", version: Math.max(1, indexed?.version ?? 1) },
      now,
    ),
  );
}

async function commitWithRating(
  deps: ReviewDeps,
  productId: string,
  shopId: string,
  write: Parameters<typeof runBatch>[1][number],
) {
  const now = deps.clock.now();
  const event = await ratingChanged(deps.db, productId, shopId, now);
  await runBatch(deps.db, [write, recomputeRating(deps.db, productId, now), outboxInsert(deps.db, event)]);
  // Sent now; if this fails the events cron sends it from the outbox.
  await sendOutbox(deps.db, deps.producers, [event], now).catch((err: unknown) =>
    (deps.log ?? createLogger()).warn("rating change not sent; the events cron sends it", {
      eventId: event.id,
      ...errorFields(err),
    }),
  );
}

/** A shopper reviews one item of their COMPLETED order, once: a second review of the item is 409 already_reviewed. */
export async function createReview(
  deps: ReviewDeps & { orders: OrderStore },
  input: { userId: string; orderId: string; orderItemId: string; body: ReviewBody },
): Promise<{ reviewId: string }> {
  // The order from its shard (deps.orders); the review and the rating in the commerce DB.
  const { db: orderDb } = await deps.orders.homeOfOrder(input.orderId);
  const order = await getOrder(orderDb, { userId: input.userId }, input.orderId);
  const item = order.items.find((i) => i.orderItemId === input.orderItemId);
  if (!item) throw new AppError("not_found", { detail: `No item ${input.orderItemId} in order ${input.orderId}` });
  if (order.status !== "COMPLETED") {
    throw new AppError("invalid_transition", {
      detail: `Only items of a COMPLETED order can be reviewed; this order is ${order.status}`,
      extensions: { machine: "order", currentStatus: order.status, event: "review" },
    });
  }
  const now = deps.clock.now();
  const reviewId = newId("review", now);
  try {
    await commitWithRating(
      deps,
      item.productId,
      order.sellerId,
      deps.db.insert(reviews).values({
        id: reviewId,
        orderItemId: item.orderItemId,
        orderId: order.orderId,
        productId: item.productId,
        skuId: item.skuId,
        shopId: order.sellerId,
        userId: input.userId,
        stars: input.body.stars,
        text: input.body.text,
        images: JSON.stringify(input.body.images ?? []),
        createdAt: now,
      }),
    );
  } catch (err) {
    if (isUniqueViolation(err, "reviews.order_item_id")) {
      throw new AppError("already_reviewed", { detail: `Item ${input.orderItemId} is already reviewed` });
    }
    throw err;
  }
  return { reviewId };
}

async function reviewFor(db: Db, reviewId: string, shopId: string | undefined): Promise<ReviewRow> {
  const row = await db.query.reviews.findFirst({
    where: and(eq(reviews.id, reviewId), shopId === undefined ? undefined : eq(reviews.shopId, shopId)),
  });
  if (!row) throw new AppError("not_found", { detail: `No review ${reviewId}` });
  return row;
}

/** The shop's seller answers a review of one of its products (a second answer replaces the first). */
export async function replyToReview(
  db: Db,
  input: { reviewId: string; shopId: string | undefined; text: string; now: number },
) {
  const row = await reviewFor(db, input.reviewId, input.shopId);
  // The reply and the product's reviews revision move together, so the cached product page
  // (keyed by that revision) is never served without the reply once this returns.
  await runBatch(db, [
    db.update(reviews).set({ reply: input.text, repliedAt: input.now }).where(eq(reviews.id, input.reviewId)),
    touchReviews(db, row.productId, input.now),
  ]);
  return viewOf(await reviewFor(db, input.reviewId, input.shopId));
}

/** An operator hides a review: out of the list and the rating (hiding it again changes nothing). */
export async function hideReview(deps: ReviewDeps, input: { reviewId: string; actor: string; reason: string }) {
  const row = await reviewFor(deps.db, input.reviewId, undefined);
  if (row.hiddenAt === null) {
    await commitWithRating(
      deps,
      row.productId,
      row.shopId,
      deps.db
        .update(reviews)
        .set({ hiddenAt: deps.clock.now(), hiddenBy: input.actor, hiddenReason: input.reason })
        .where(and(eq(reviews.id, row.id), isNull(reviews.hiddenAt))),
    );
  }
  const hidden = await reviewFor(deps.db, input.reviewId, undefined);
  return { reviewId: hidden.id, hidden: true as const, hiddenAt: new Date(hidden.hiddenAt ?? 0).toISOString() };
}

/** A product's visible reviews, newest first, with its rating. */
export async function productReviews(db: Db, productId: string, query: z.infer<typeof reviewListQuery>) {
  const cursor = query.cursor ? decodeCursor(createdCursorSchema, query.cursor) : undefined;
  const [rating, rows] = await Promise.all([
    ratingOf(db, productId),
    db
      .select()
      .from(reviews)
      .where(
        and(
          eq(reviews.productId, productId),
          isNull(reviews.hiddenAt),
          olderThan(reviews.createdAt, reviews.id, cursor),
        ),
      )
      .orderBy(desc(reviews.createdAt), desc(reviews.id))
      .limit(query.limit + 1),
  ]);
  return { rating, ...pageOf(rows, query.limit, viewOf) };
}

/**
 * Marks a product's reviews as changed without a rating change (a reply): the rating row's
 * `updated_at` is the reviews revision the product page's cache key carries. Never moves back.
 */
function touchReviews(db: Db, productId: string, now: number) {
  return db
    .update(productRatings)
    .set({ updatedAt: sql`max(${productRatings.updatedAt}, ${now})` })
    .where(eq(productRatings.productId, productId));
}

/** The revision of a product's visible reviews and replies (0 before the first review), for cache keys. */
export async function reviewsRevision(db: Db, productId: string): Promise<number> {
  const row = await db.query.productRatings.findFirst({
    columns: { updatedAt: true },
    where: eq(productRatings.productId, productId),
  });
  return row?.updatedAt ?? 0;
}
