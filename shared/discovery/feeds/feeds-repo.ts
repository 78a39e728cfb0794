/** The feeds tables (db/schema/feeds.ts): the only module that touches them. */
import { and, asc, desc, eq, isNull, lt, lte, or, type SQL } from "drizzle-orm";
import { feedRuns, feeds } from "../../../db/schema";
import { olderThan } from "../../platform/cursor";
import type { Db } from "../../platform/db";

export type FeedRow = typeof feeds.$inferSelect;
export type FeedRunRow = typeof feedRuns.$inferSelect;

export async function insertFeed(db: Db, row: typeof feeds.$inferInsert): Promise<void> {
  await db.insert(feeds).values(row);
}

export async function findFeed(db: Db, feedId: string): Promise<FeedRow | undefined> {
  return db.query.feeds.findFirst({ where: eq(feeds.id, feedId) });
}

/** A page of feeds, newest first (one more than `limit`, for the cursor). */
export async function feedRows(
  db: Db,
  filter: { shopId: string | undefined; cursor: { createdAt: number; id: string } | undefined; limit: number },
): Promise<FeedRow[]> {
  const conditions: (SQL | undefined)[] = [
    filter.shopId ? eq(feeds.shopId, filter.shopId) : undefined,
    olderThan(feeds.createdAt, feeds.id, filter.cursor),
  ];
  return db
    .select()
    .from(feeds)
    .where(and(...conditions))
    .orderBy(desc(feeds.createdAt), desc(feeds.id))
    .limit(filter.limit + 1);
}

export async function updateFeed(db: Db, feedId: string, set: Partial<typeof feeds.$inferInsert>): Promise<void> {
  await db.update(feeds).set(set).where(eq(feeds.id, feedId));
}

/** Deletes a feed and its runs (their bulk jobs stay, as any job does). */
export async function deleteFeed(db: Db, feedId: string): Promise<void> {
  await db.batch([
    db.delete(feedRuns).where(eq(feedRuns.feedId, feedId)),
    db.delete(feeds).where(eq(feeds.id, feedId)),
  ]);
}

/** Takes the feed's run lease until `until` unless a live one is held; answers the feed when taken. */
export async function leaseFeed(db: Db, feedId: string, now: number, until: number): Promise<FeedRow | undefined> {
  const [row] = await db
    .update(feeds)
    .set({ leasedUntil: until })
    .where(and(eq(feeds.id, feedId), or(isNull(feeds.leasedUntil), lt(feeds.leasedUntil, now))))
    .returning();
  return row;
}

/** Enabled feeds due by `now` and not held by a run, soonest first. */
export async function dueFeeds(db: Db, now: number, limit: number): Promise<FeedRow[]> {
  return db
    .select()
    .from(feeds)
    .where(
      and(
        eq(feeds.enabled, true),
        lte(feeds.nextRunAt, now),
        or(isNull(feeds.leasedUntil), lt(feeds.leasedUntil, now)),
      ),
    )
    .orderBy(asc(feeds.nextRunAt))
    .limit(limit);
}

/** Records a run and the feed's state after it in one batch, releasing the lease. */
export async function recordRun(
  db: Db,
  run: typeof feedRuns.$inferInsert,
  feedId: string,
  set: Partial<typeof feeds.$inferInsert>,
): Promise<void> {
  await db.batch([
    db.insert(feedRuns).values(run),
    db
      .update(feeds)
      .set({ ...set, leasedUntil: null })
      .where(eq(feeds.id, feedId)),
  ]);
}

/** A feed's runs, newest first (one more than `limit`). */
export async function runRows(
  db: Db,
  feedId: string,
  cursor: { createdAt: number; id: string } | undefined,
  limit: number,
): Promise<FeedRunRow[]> {
  return db
    .select()
    .from(feedRuns)
    .where(and(eq(feedRuns.feedId, feedId), olderThan(feedRuns.createdAt, feedRuns.id, cursor)))
    .orderBy(desc(feedRuns.createdAt), desc(feedRuns.id))
    .limit(limit + 1);
}
