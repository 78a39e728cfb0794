/**
 * A product's rating: the count and star sum of its visible reviews. Recomputed from the reviews in
 * the same D1 batch as every change to them (a batch is one serialized transaction), so racing
 * writes and retries can never drift it; the cost is one index range scan of the product's visible
 * reviews per review write.
 */
import { and, eq, isNull, sql } from "drizzle-orm";
import { productRatings, reviews } from "../../db/schema";
import type { Db } from "../platform/db";

export interface Rating {
  average: number;
  count: number;
}

/** The statement that recomputes `productId`'s rating, for the changing batch. */
export function recomputeRating(db: Db, productId: string, now: number) {
  return db
    .insert(productRatings)
    .select(
      db
        .select({
          productId: sql<string>`${productId}`.as("product_id"),
          count: sql<number>`count(*)`.as("count"),
          starsSum: sql<number>`coalesce(sum(${reviews.stars}), 0)`.as("stars_sum"),
          updatedAt: sql<number>`${now}`.as("updated_at"),
        })
        .from(reviews)
        .where(and(eq(reviews.productId, productId), isNull(reviews.hiddenAt))),
    )
    .onConflictDoUpdate({
      target: productRatings.productId,
      set: { count: sql`excluded.count`, starsSum: sql`excluded.stars_sum`, updatedAt: sql`excluded.updated_at` },
    });
}

/** The average (one decimal) of `count` reviews summing to `starsSum`; 0 without reviews. */
export function averageOf(count: number, starsSum: number): number {
  return count === 0 ? 0 : Math.round((starsSum / count) * 10) / 10;
}

/** The stored count and star sum (what the search document carries). */
export async function ratingTotalsOf(db: Db, productId: string): Promise<{ count: number; starsSum: number }> {
  const row = await db.query.productRatings.findFirst({ where: eq(productRatings.productId, productId) });
  return { count: row?.count ?? 0, starsSum: row?.starsSum ?? 0 };
}

/** The product's rating as shoppers see it. */
export async function ratingOf(db: Db, productId: string): Promise<Rating> {
  const totals = await ratingTotalsOf(db, productId);
  return { average: averageOf(totals.count, totals.starsSum), count: totals.count };
}
