/** The flash-sale campaigns table: the only module that reads or writes it. */
import { and, desc, eq, isNull, lte, type SQL } from "drizzle-orm";
import { flashSaleCampaigns } from "../../db/schema";
import { olderThan } from "../platform/cursor";
import type { Db } from "../platform/db";

export type CampaignRow = typeof flashSaleCampaigns.$inferSelect;

export async function insertCampaign(db: Db, row: typeof flashSaleCampaigns.$inferInsert): Promise<void> {
  await db.insert(flashSaleCampaigns).values(row);
}

export async function findCampaign(db: Db, campaignId: string): Promise<CampaignRow | undefined> {
  return db.query.flashSaleCampaigns.findFirst({ where: eq(flashSaleCampaigns.id, campaignId) });
}

/** A page (`limit + 1` rows, newest first) of campaigns, of one shop or all. */
export async function campaignRows(
  db: Db,
  filter: { shopId?: string | undefined; cursor?: { createdAt: number; id: string } | undefined; limit: number },
): Promise<CampaignRow[]> {
  const conditions: (SQL | undefined)[] = [
    filter.shopId ? eq(flashSaleCampaigns.shopId, filter.shopId) : undefined,
    olderThan(flashSaleCampaigns.createdAt, flashSaleCampaigns.id, filter.cursor),
  ];
  return db
    .select()
    .from(flashSaleCampaigns)
    .where(and(...conditions))
    .orderBy(desc(flashSaleCampaigns.createdAt), desc(flashSaleCampaigns.id))
    .limit(filter.limit + 1);
}

/** Campaigns not settled whose admission ended by `endedBy` (the cron settles them). */
export async function unsettledEndedBy(db: Db, endedBy: number, limit: number): Promise<CampaignRow[]> {
  return db
    .select()
    .from(flashSaleCampaigns)
    .where(and(isNull(flashSaleCampaigns.settledAt), lte(flashSaleCampaigns.endsAt, endedBy)))
    .limit(limit);
}

/** Moves admission's end earlier (an early end), unless the campaign already settled. */
export async function endCampaignAt(db: Db, campaignId: string, at: number, by: string): Promise<void> {
  await db
    .update(flashSaleCampaigns)
    .set({ endsAt: at, endedEarlyBy: by, updatedAt: at })
    .where(and(eq(flashSaleCampaigns.id, campaignId), isNull(flashSaleCampaigns.settledAt)));
}

/** Records the outcome once: the first settlement wins, a repeat changes nothing. */
export async function recordSettlement(
  db: Db,
  campaignId: string,
  outcome: { sold: number; unsold: number; at: number },
): Promise<void> {
  await db
    .update(flashSaleCampaigns)
    .set({ status: "ENDED", sold: outcome.sold, unsold: outcome.unsold, settledAt: outcome.at, updatedAt: outcome.at })
    .where(and(eq(flashSaleCampaigns.id, campaignId), isNull(flashSaleCampaigns.settledAt)));
}
