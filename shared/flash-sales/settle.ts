/**
 * Settling a campaign: once admission has ended and every admission has had its purchase window
 * (PURCHASE_WINDOW_MS), the quota is closed (what was not ordered is recalled and counted unsold)
 * and the carve-out hold is released, so the unsold units are back in the SKU's available stock.
 * Orders already placed keep their own holds; cancelled later, their units go to available too,
 * because the hold they were split from is gone (the SKU object decides that, atomically).
 *
 * Each step is idempotent (close and release by id, the outcome recorded only by the first), so
 * the cron, a read after the end and an early end may all try at once.
 */
import { releaseStock } from "../inventory/stock";
import { type Actor, actorText, SYSTEM_ACTOR } from "../platform/actor";
import type { Caller } from "../platform/auth";
import { AppError } from "../platform/errors";
import {
  type CampaignView,
  campaignView,
  carveIdOf,
  type FlashDeps,
  PURCHASE_WINDOW_MS,
  visibleCampaign,
} from "./campaigns";
import { type CampaignRow, endCampaignAt, findCampaign, recordSettlement, unsettledEndedBy } from "./campaigns-repo";

/** Whether the campaign is due to settle at `now` (admission ended, purchase window over, or ended early). */
export function settlementDue(row: CampaignRow, now: number): boolean {
  if (row.settledAt !== null) return false;
  return row.endedEarlyBy !== null ? now >= row.endsAt : now >= row.endsAt + PURCHASE_WINDOW_MS;
}

/** Closes the quota, releases the carve-out and records the outcome; the row as it stands after. */
export async function settleCampaign(
  deps: FlashDeps,
  row: CampaignRow,
  actor: Actor = SYSTEM_ACTOR,
): Promise<CampaignRow> {
  if (row.settledAt !== null) return row;
  const now = deps.clock.now();
  const outcome = await deps.quota.close(row.id);
  await releaseStock(deps.inventory, {
    skuId: row.skuId,
    reservationId: carveIdOf(row.id),
    actor: actorText(actor),
    at: now,
    reason: `flash sale ${row.id} ended: unsold units back on sale`,
  });
  await recordSettlement(deps.db, row.id, { ...outcome, at: now });
  const settled = await findCampaign(deps.db, row.id);
  if (!settled) throw new Error(`flash sale ${row.id} vanished while settling`);
  return settled;
}

/** Settles the row when it is due (a read after the end does this), else answers it as it is. */
export async function settledIfDue(deps: FlashDeps, row: CampaignRow): Promise<CampaignRow> {
  return settlementDue(row, deps.clock.now()) ? settleCampaign(deps, row) : row;
}

/** Cron: settles up to `limit` campaigns that are due; answers how many. */
export async function settleDueCampaigns(deps: FlashDeps, limit = 20): Promise<number> {
  const now = deps.clock.now();
  const candidates = await unsettledEndedBy(deps.db, now, limit);
  let settled = 0;
  for (const row of candidates) {
    if (!settlementDue(row, now)) continue;
    await settleCampaign(deps, row);
    settled += 1;
  }
  return settled;
}

/**
 * Ends a campaign now (its shop's seller or an operator): admission stops, the quota closes
 * (admissions not yet ordered lapse) and the unsold units return to the SKU's stock at once.
 * Ending an ended campaign answers it as it is.
 */
export async function endCampaignEarly(
  deps: FlashDeps,
  caller: Caller,
  actor: Actor,
  campaignId: string,
): Promise<CampaignView> {
  const row = await visibleCampaign(deps.db, caller, campaignId);
  const now = deps.clock.now();
  if (row.settledAt === null) {
    if (now < row.endsAt) await endCampaignAt(deps.db, row.id, now, actorText(actor));
    const ended = await findCampaign(deps.db, row.id);
    if (!ended) throw new AppError("not_found", { detail: `No flash sale ${campaignId}` });
    const settled = await settleCampaign(deps, ended, actor);
    return campaignView(settled, null, deps.clock.now());
  }
  return campaignView(row, null, now);
}
