/**
 * Flash-sale campaigns for sellers (their shop's SKUs) and operators: create, read, list, end early.
 *
 * Creating a campaign carves its quota out of the SKU's available stock: one hold
 * `flash:<campaignId>` in the SKU's object (409 `insufficient_stock` when the stock is not there),
 * lasting until after the campaign settles. Each flash order splits its units out of that hold
 * (durable-objects/sku-inventory.ts `splitHold`), so the carved units are sold once, and a cancelled
 * order's units rejoin the campaign while it runs. Settlement (settle.ts) closes the quota and
 * releases what the hold still has back to available.
 */
import { z } from "zod";
import type { SkuInventory } from "../../durable-objects/sku-inventory";
import { skuForStock } from "../catalog/product-views";
import { releaseStock, reserveStock } from "../inventory/stock";
import { type Actor, actorText } from "../platform/actor";
import type { Caller } from "../platform/auth";
import type { Clock } from "../platform/clock";
import { createdCursorSchema, decodeCursor, pageOf } from "../platform/cursor";
import type { Db } from "../platform/db";
import { AppError, isAppError } from "../platform/errors";
import { newId } from "../platform/ids";
import type { Logger } from "../platform/logger";
import { moneySchema } from "../platform/money";
import { canAccessShop, shopFilterFor } from "../platform/shop-access";
import { listQuerySchema } from "../platform/validation";
import { type CampaignRow, campaignRows, findCampaign, insertCampaign } from "./campaigns-repo";
import type { FlashQuota, QuotaCounts } from "./quota";

/** How long an admission may wait for its order; campaigns settle this long after admission ends. */
export const PURCHASE_WINDOW_MS = 5 * 60_000;
/** The carve-out hold outlives settlement by this much: a backstop if settlement is late. */
const HOLD_BACKSTOP_MS = 60 * 60_000;
/** A campaign must end within this (the SKU object's holds last at most a week). */
const MAX_CAMPAIGN_AHEAD_MS = 6 * 24 * 3600_000;
export const MAX_BUCKETS = 32;

export interface FlashDeps {
  db: Db;
  clock: Clock;
  inventory: DurableObjectNamespace<SkuInventory>;
  quota: FlashQuota;
  log?: Logger;
}

/** The SKU hold a campaign's quota is carved into. */
export function carveIdOf(campaignId: string): string {
  return `flash:${campaignId}`;
}

/** Buckets when the request names none: one per 100 units of quota, 1 to 8. */
export function defaultBuckets(quota: number): number {
  return Math.min(8, Math.max(1, Math.ceil(quota / 100)));
}

const isoTime = z.iso.datetime({ offset: true });

export const createCampaignBody = z
  .object({
    skuId: z.string().min(1).max(64),
    price: moneySchema.refine((m) => m.amount > 0, "must be more than zero"),
    quota: z.number().int().min(1).max(1_000_000),
    startsAt: isoTime,
    endsAt: isoTime,
    perUserLimit: z.number().int().min(1).max(100),
    buckets: z.number().int().min(1).max(MAX_BUCKETS).optional(),
  })
  .strict()
  .superRefine((v, ctx) => {
    const issue = (path: string, message: string) => ctx.addIssue({ code: "custom", path: [path], message });
    if (Date.parse(v.endsAt) <= Date.parse(v.startsAt)) issue("endsAt", "must be after startsAt");
    if (v.perUserLimit > v.quota) issue("perUserLimit", "must not exceed quota");
    if (v.buckets && v.buckets > v.quota) issue("buckets", "must not exceed quota (each bucket needs a unit)");
  });
export type CreateCampaignBody = z.infer<typeof createCampaignBody>;

export const campaignStatusSchema = z.enum(["SCHEDULED", "RUNNING", "ENDED"]);
export type CampaignStatus = z.infer<typeof campaignStatusSchema>;

/** SCHEDULED before the start, RUNNING until admission ends, ENDED after (or once settled). */
export function statusAt(row: Pick<CampaignRow, "startsAt" | "endsAt" | "settledAt">, now: number): CampaignStatus {
  if (row.settledAt !== null || now >= row.endsAt) return "ENDED";
  return now >= row.startsAt ? "RUNNING" : "SCHEDULED";
}

export const campaignSchema = z.object({
  campaignId: z.string(),
  skuId: z.string(),
  shopId: z.string(),
  price: z.object({ amount: z.number().int(), currency: z.string() }),
  quota: z.number().int(),
  buckets: z.number().int(),
  perUserLimit: z.number().int(),
  startsAt: z.string(),
  endsAt: z.string(),
  status: campaignStatusSchema,
  /** Units admitted and waiting for their orders. */
  admitted: z.number().int(),
  /** Units ordered at the flash price. */
  sold: z.number().int(),
  /** quota − sold − admitted: what can still be admitted. */
  remaining: z.number().int(),
  /** Units that went back to the SKU's stock (known once settled). */
  unsold: z.number().int().nullable(),
  settledAt: z.string().nullable(),
  createdAt: z.string(),
});
export type CampaignView = z.infer<typeof campaignSchema>;

const iso = (ms: number) => new Date(ms).toISOString();

/** The admin view: the row with the quota's live counts (or the settled outcome). */
export function campaignView(row: CampaignRow, counts: QuotaCounts | null, now: number): CampaignView {
  const settled = row.settledAt !== null;
  return {
    campaignId: row.id,
    skuId: row.skuId,
    shopId: row.shopId,
    price: { amount: row.priceAmount, currency: row.currency },
    quota: row.quota,
    buckets: row.buckets,
    perUserLimit: row.perUserLimit,
    startsAt: iso(row.startsAt),
    endsAt: iso(row.endsAt),
    status: statusAt(row, now),
    admitted: settled ? 0 : (counts?.admitted ?? 0),
    sold: settled ? (row.sold ?? 0) : (counts?.sold ?? 0),
    remaining: settled ? 0 : (counts?.remaining ?? row.quota),
    unsold: settled ? row.unsold : null,
    settledAt: row.settledAt === null ? null : iso(row.settledAt),
    createdAt: iso(row.createdAt),
  };
}

/**
 * Creates a campaign: the quota carved out of the SKU's stock (409 `insufficient_stock`), the
 * quota objects opened, then the row. A failure after the carve gives the units back.
 */
export async function createCampaign(
  deps: FlashDeps,
  caller: Caller,
  actor: Actor,
  body: CreateCampaignBody,
): Promise<{ campaignId: string; status: CampaignStatus }> {
  const now = deps.clock.now();
  const startsAt = Date.parse(body.startsAt);
  const endsAt = Date.parse(body.endsAt);
  if (endsAt <= now) throw new AppError("validation_failed", { detail: "endsAt must be in the future" });
  if (endsAt - now > MAX_CAMPAIGN_AHEAD_MS) {
    throw new AppError("validation_failed", { detail: "A campaign must end within 6 days of its creation" });
  }
  // The seller's own shop's SKU, or any for operators: another shop's SKU is a 404.
  const sku = await skuForStock(deps.db, caller, body.skuId);
  const campaignId = newId("flashSale", now);
  const buckets = body.buckets ?? defaultBuckets(body.quota);
  const carve = { skuId: body.skuId, reservationId: carveIdOf(campaignId), actor: actorText(actor), at: now };
  try {
    await reserveStock(deps.inventory, {
      ...carve,
      quantity: body.quota,
      ttlMs: endsAt + PURCHASE_WINDOW_MS + HOLD_BACKSTOP_MS - now,
    });
  } catch (err) {
    if (isAppError(err) && err.code === "out_of_stock") {
      throw new AppError("insufficient_stock", {
        detail: `SKU ${body.skuId} has ${String(err.extensions?.available ?? 0)} available; the quota needs ${body.quota}`,
        extensions: { skuId: body.skuId, available: err.extensions?.available ?? 0, requested: body.quota },
      });
    }
    throw err;
  }
  try {
    await deps.quota.open({
      campaignId,
      quota: body.quota,
      buckets,
      perUserLimit: body.perUserLimit,
      startsAt,
      endsAt,
      admissionTtlMs: PURCHASE_WINDOW_MS,
    });
    await insertCampaign(deps.db, {
      id: campaignId,
      skuId: body.skuId,
      shopId: sku.shopId,
      priceAmount: body.price.amount,
      currency: body.price.currency,
      quota: body.quota,
      buckets,
      perUserLimit: body.perUserLimit,
      startsAt,
      endsAt,
      status: "SCHEDULED",
      createdBy: actorText(actor),
      createdAt: now,
      updatedAt: now,
    });
  } catch (err) {
    // Nothing sells from a campaign without a row: its carved units go straight back.
    await releaseStock(deps.inventory, { ...carve, reason: "flash sale not created" });
    throw err;
  }
  return { campaignId, status: statusAt({ startsAt, endsAt, settledAt: null }, now) };
}

/** A campaign the caller may see (its shop's seller, operators); otherwise 404. */
export async function visibleCampaign(db: Db, caller: Caller, campaignId: string): Promise<CampaignRow> {
  const row = await findCampaign(db, campaignId);
  if (!row || !canAccessShop(caller, row.shopId)) {
    throw new AppError("not_found", { detail: `No flash sale ${campaignId}` });
  }
  return row;
}

/** Live counts of a campaign not yet settled (a settled one answers its recorded outcome). */
export async function countsOf(deps: Pick<FlashDeps, "quota">, row: CampaignRow): Promise<QuotaCounts | null> {
  return row.settledAt === null ? deps.quota.counts(row.id) : null;
}

export const listCampaignsQuery = listQuerySchema.extend({ shopId: z.string().min(1).max(64).optional() });

/** A page of campaigns, newest first: a seller's shop's, or (operators) all or one shop's. */
export async function listCampaigns(
  deps: FlashDeps,
  caller: Caller,
  query: z.infer<typeof listCampaignsQuery>,
): Promise<{ items: CampaignView[]; nextCursor: string | null }> {
  const shopId = await shopFilterFor(deps.db, caller, query.shopId);
  const cursor = query.cursor ? decodeCursor(createdCursorSchema, query.cursor) : undefined;
  const rows = await campaignRows(deps.db, { shopId, cursor, limit: query.limit });
  const page = rows.slice(0, query.limit);
  const counts = await Promise.all(page.map((row) => countsOf(deps, row)));
  const now = deps.clock.now();
  const byId = new Map(page.map((row, i) => [row.id, counts[i] ?? null]));
  return pageOf(rows, query.limit, (row) => campaignView(row, byId.get(row.id) ?? null, now));
}
