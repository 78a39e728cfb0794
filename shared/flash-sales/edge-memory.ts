/**
 * What the storefront remembers about a flash sale at the edge, so a stampede on one campaign
 * reaches neither D1 nor the campaign's objects more than it must:
 *
 * - the campaign's row, per isolate, for CAMPAIGN_MEMO_MS (a campaign's price, window and limits
 *   do not change; an early end reaches the objects directly and an isolate within seconds);
 * - "sold out", per isolate and in the Cache API (every isolate of the colo), for SOLD_OUT_MEMO_MS:
 *   while it holds, an entry is answered 409 `sold_out` without touching any object. It is short,
 *   not forever, because units can come back (an admission lapses, an unpaid order is cancelled)
 *   and the sale must not stay closed while they are there to sell.
 */
import type { Db } from "../platform/db";
import { AppError } from "../platform/errors";
import { type CampaignRow, findCampaign } from "./campaigns-repo";

export const CAMPAIGN_MEMO_MS = 5_000;
export const SOLD_OUT_MEMO_MS = 3_000;

const campaigns = new Map<string, { row: CampaignRow; until: number }>();
const soldOut = new Map<string, number>();

/** The campaign's row (memoized per isolate); 404 `not_found` when there is none. */
export async function campaignAtEdge(db: Db, campaignId: string, now: number): Promise<CampaignRow> {
  const memo = campaigns.get(campaignId);
  if (memo && memo.until > now) return memo.row;
  const row = await findCampaign(db, campaignId);
  if (!row) throw new AppError("not_found", { detail: `No flash sale ${campaignId}` });
  // Bounded: a scan over made-up ids must not grow the isolate's memory without end.
  if (campaigns.size > 1_000) campaigns.clear();
  campaigns.set(campaignId, { row, until: now + CAMPAIGN_MEMO_MS });
  return row;
}

const cacheKeyOf = (campaignId: string) => `https://flash-sales.internal/${encodeURIComponent(campaignId)}/sold-out`;

/** The colo's cache, where the runtime has one (tests and local dev do; a missing one is not an error). */
function colo(): Cache | undefined {
  return typeof caches === "undefined" ? undefined : (caches as unknown as { default: Cache }).default;
}

/** Whether this isolate or this colo learnt within SOLD_OUT_MEMO_MS that the campaign is sold out. */
export async function knownSoldOut(campaignId: string, now: number): Promise<boolean> {
  const until = soldOut.get(campaignId);
  if (until !== undefined && until > now) return true;
  const hit = await colo()?.match(cacheKeyOf(campaignId));
  if (!hit) return false;
  soldOut.set(campaignId, now + SOLD_OUT_MEMO_MS);
  return true;
}

/** Remembers that the campaign answered sold out, here and in the colo's cache. */
export async function rememberSoldOut(campaignId: string, now: number): Promise<void> {
  if (soldOut.size > 1_000) soldOut.clear();
  soldOut.set(campaignId, now + SOLD_OUT_MEMO_MS);
  const seconds = Math.ceil(SOLD_OUT_MEMO_MS / 1000);
  await colo()?.put(
    cacheKeyOf(campaignId),
    new Response("sold out", { headers: { "Cache-Control": `max-age=${seconds}` } }),
  );
}

/** Forgets what this isolate remembers of a campaign (an early end, a test changing the clock). */
export function forgetCampaign(campaignId: string): void {
  campaigns.delete(campaignId);
  soldOut.delete(campaignId);
}
