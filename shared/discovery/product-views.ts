/**
 * A signed-in shopper's product views, for "for you": one row per (shopper, product) with the
 * count and the last view. Written off the request's path (the caller hands the promise to
 * `waitUntil`) and at most once per shopper and product per isolate per minute, so a shopper
 * flicking between two products costs a write a minute, not one per request.
 */
import { desc, eq, sql } from "drizzle-orm";
import { productViews } from "../../db/schema";
import type { Db } from "../platform/db";
import { errorFields, type Logger } from "../platform/logger";

/** Views of one product by one shopper closer together than this count once. */
export const VIEW_DEBOUNCE_MS = 60_000;
const MAX_REMEMBERED = 50_000;
const lastWritten = new Map<string, number>();

/** Counts a view (debounced per isolate); a failed write is logged, never thrown. */
export async function recordProductView(
  db: Db,
  view: { userId: string; productId: string; now: number },
  log: Logger,
): Promise<void> {
  const key = `${view.userId}\u0000${view.productId}`;
  const last = lastWritten.get(key);
  if (last !== undefined && view.now - last < VIEW_DEBOUNCE_MS) return;
  if (lastWritten.size >= MAX_REMEMBERED) lastWritten.clear();
  lastWritten.set(key, view.now);
  try {
    await db
      .insert(productViews)
      .values({ userId: view.userId, productId: view.productId, views: 1, lastViewedAt: view.now })
      .onConflictDoUpdate({
        target: [productViews.userId, productViews.productId],
        set: {
          views: sql`${productViews.views} + 1`,
          lastViewedAt: sql`max(${productViews.lastViewedAt}, ${view.now})`,
        },
      });
  } catch (err) {
    lastWritten.delete(key);
    log.error("product view not recorded", { productId: view.productId, ...errorFields(err) });
  }
}

/** The shopper's most recently viewed products, newest first (the index on (user, last view)). */
export async function recentViews(db: Db, userId: string, limit: number) {
  return db
    .select({ productId: productViews.productId, views: productViews.views })
    .from(productViews)
    .where(eq(productViews.userId, userId))
    .orderBy(desc(productViews.lastViewedAt))
    .limit(limit);
}
