/**
 * The home page's flash-sale slot (首页的秒杀位): the campaigns a shopper can enter now or soon,
 * each with its product, flash price, the price it is usually sold at, quota and window.
 *
 * What it leaves out on purpose: the live `remaining`. The home answer is cached at the edge, and
 * a count that moves with every admission would either make the cache useless or show stale
 * numbers; the campaign page (GET /v1/flash-sales/:id) answers it live, and the slot links there.
 * What it shows changes only when a campaign is created, starts, ends or is ended early, and
 * `flashSaleKeyPart` turns exactly those into a part of the home page's cache key.
 */
import { type SQL, sql } from "drizzle-orm";
import { z } from "zod";
import { PRODUCT_STATUS } from "../catalog/lifecycle";
import { campaignStatusSchema, statusAt } from "../flash-sales/campaigns";
import type { Db } from "../platform/db";
import { type Currency, moneySchema } from "../platform/money";

/** At most this many campaigns in one slot (soonest-ending first when the slot names none). */
export const FLASH_SLOT_SIZE = 10;

export const flashSaleItemSchema = z.object({
  campaignId: z.string(),
  productId: z.string(),
  skuId: z.string(),
  name: z.string().describe("The product's name"),
  skuName: z.string(),
  image: z.string().nullable(),
  price: moneySchema.describe("The flash price"),
  regularPrice: moneySchema.nullable().describe("The product's lowest current price outside the campaign"),
  quota: z.number().int(),
  perUserLimit: z.number().int(),
  startsAt: z.string(),
  endsAt: z.string(),
  status: campaignStatusSchema.describe("SCHEDULED or RUNNING (ended campaigns leave the slot)"),
  link: z.string().describe("The campaign page: its live remaining units and the entry proof"),
});
export type FlashSaleItem = z.infer<typeof flashSaleItemSchema>;

interface Row {
  id: string;
  sku_id: string;
  sku_name: string;
  product_id: string;
  name: string;
  image: string | null;
  price_amount: number;
  currency: string;
  min_price: number | null;
  doc_currency: string | null;
  quota: number;
  per_user_limit: number;
  starts_at: number;
  ends_at: number;
  settled_at: number | null;
  [key: string]: unknown;
}

/** Campaigns not over at `now` (and not settled), of one shop when the page is a shop's. */
function openCampaigns(now: number, shopId: string | undefined): SQL {
  return sql`c.ends_at > ${now} AND c.settled_at IS NULL${shopId ? sql` AND c.shop_id = ${shopId}` : sql``}`;
}

/**
 * The slot's campaigns at `now`: those named (in the order given), or every open one, soonest
 * ending first; only campaigns whose product is on shelf, and on a shop's page only that shop's.
 */
export async function flashSaleSlot(
  db: Db,
  module: { campaignIds?: string[] | undefined },
  now: number,
  shopId: string | undefined,
): Promise<FlashSaleItem[]> {
  const named = module.campaignIds?.slice(0, FLASH_SLOT_SIZE);
  if (named?.length === 0) return [];
  const rows = await db.all<Row>(sql`
    SELECT c.id, c.sku_id, s.name AS sku_name, s.product_id, d.name, d.image, c.price_amount, c.currency,
           d.min_price, d.currency AS doc_currency, c.quota, c.per_user_limit, c.starts_at, c.ends_at,
           c.settled_at
      FROM flash_sale_campaigns c
      JOIN skus s ON s.id = c.sku_id
      JOIN search_documents d ON d.product_id = s.product_id AND d.status = ${PRODUCT_STATUS.ON_SHELF}
     WHERE ${openCampaigns(now, shopId)}${
       named
         ? sql` AND c.id IN (${sql.join(
             named.map((id) => sql`${id}`),
             sql`, `,
           )})`
         : sql``
     }
     ORDER BY c.ends_at, c.id
     LIMIT ${FLASH_SLOT_SIZE}`);
  const ordered = named ? named.flatMap((id) => rows.filter((r) => r.id === id)) : rows;
  return ordered.map((r) => ({
    campaignId: r.id,
    productId: r.product_id,
    skuId: r.sku_id,
    name: r.name,
    skuName: r.sku_name,
    image: r.image,
    price: { amount: r.price_amount, currency: r.currency as Currency },
    regularPrice:
      r.min_price === null || r.doc_currency === null
        ? null
        : { amount: r.min_price, currency: r.doc_currency as Currency },
    quota: r.quota,
    perUserLimit: r.per_user_limit,
    startsAt: new Date(r.starts_at).toISOString(),
    endsAt: new Date(r.ends_at).toISOString(),
    status: statusAt({ startsAt: r.starts_at, endsAt: r.ends_at, settledAt: r.settled_at }, now),
    link: `/v1/flash-sales/${r.id}`,
  }));
}

/**
 * The part of the home cache key the slot depends on, as one SQL expression: the open campaigns'
 * count, the newest one's creation and how many of them have started. A campaign created,
 * starting, ending (or ended early: its end moves to now) changes it; admissions do not.
 */
export function flashSaleKeyPart(now: number, shopId: string | null): SQL {
  const open = openCampaigns(now, shopId ?? undefined);
  return sql`(SELECT count(*) || '-' || coalesce(max(c.created_at), 0) || '-' || coalesce(sum(c.starts_at <= ${now}), 0)
                FROM flash_sale_campaigns c WHERE ${open})`;
}
