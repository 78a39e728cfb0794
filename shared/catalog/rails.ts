/**
 * The catalog's read model for product rails (home modules, recommendations): products ON_SHELF
 * only, with their current price range, availability and first image, read from the search
 * documents, which the catalog-events consumer keeps fresh on every publish, price and stock
 * change (and the cron at each price window's boundary), and whose generation moves with every
 * change, so callers can key caches by it (searchGeneration).
 */
import { type SQL, sql } from "drizzle-orm";
import { z } from "zod";
import type { Db } from "../platform/db";
import { type Currency, moneySchema } from "../platform/money";
import { PRODUCT_STATUS } from "./lifecycle";

export const railItemSchema = z.object({
  productId: z.string(),
  name: z.string(),
  minPrice: moneySchema.nullable(),
  maxPrice: moneySchema.nullable(),
  inStock: z.boolean(),
  image: z.string().nullable(),
});
export type RailItem = z.infer<typeof railItemSchema>;

interface Row {
  product_id: string;
  name: string;
  min_price: number | null;
  max_price: number | null;
  currency: string | null;
  in_stock: number;
  image: string | null;
  [key: string]: unknown;
}

const COLUMNS = sql`d.product_id, d.name, d.min_price, d.max_price, d.currency, d.in_stock, d.image`;

function itemOf(r: Row): RailItem {
  const money = (amount: number | null) =>
    amount === null || r.currency === null ? null : { amount, currency: r.currency as Currency };
  return {
    productId: r.product_id,
    name: r.name,
    minPrice: money(r.min_price),
    maxPrice: money(r.max_price),
    inStock: r.in_stock === 1,
    image: r.image,
  };
}

function shopFilter(shopId: string | undefined): SQL {
  return shopId ? sql` AND d.shop_id = ${shopId}` : sql``;
}

/** Hand-picked products in the order given; those not on shelf (or of another shop) are left out. */
export async function railByIds(db: Db, productIds: string[], shopId?: string): Promise<RailItem[]> {
  if (productIds.length === 0) return [];
  const ids = [...new Set(productIds)].slice(0, 90);
  const rows = await db.all<Row>(sql`
    SELECT ${COLUMNS} FROM search_documents d
     WHERE d.status = ${PRODUCT_STATUS.ON_SHELF}${shopFilter(shopId)}
       AND d.product_id IN (${sql.join(
         ids.map((id) => sql`${id}`),
         sql`, `,
       )})`);
  const byId = new Map(rows.map((r) => [r.product_id, itemOf(r)]));
  return ids.flatMap((id) => byId.get(id) ?? []);
}

export type RailRuleName = "best_sellers" | "new_arrivals" | "on_promotion";

async function subtreeFilter(db: Db, categoryId: number | undefined): Promise<SQL> {
  if (!categoryId) return sql``;
  const [category] = await db.all<{ path: string }>(sql`SELECT path FROM categories WHERE id = ${categoryId}`);
  const path = category?.path ?? `/${categoryId}/`;
  return sql` AND d.category_path >= ${path} AND d.category_path < ${`${path}\uffff`}`;
}

/**
 * Products chosen by a rule at `now`: best sellers (most units sold), new arrivals (newest on the
 * platform) or on promotion (a promo price in effect now, best sellers first); optionally within
 * a category's subtree and one shop.
 */
export async function railByRule(
  db: Db,
  rule: { rule: RailRuleName; categoryId?: number; limit: number },
  now: number,
  shopId?: string,
): Promise<RailItem[]> {
  const where = sql`d.status = ${PRODUCT_STATUS.ON_SHELF}${shopFilter(shopId)}${await subtreeFilter(db, rule.categoryId)}`;
  const promo = sql` AND EXISTS (SELECT 1 FROM skus s JOIN prices pr ON pr.sku_id = s.id
                                  WHERE s.product_id = d.product_id AND pr.type = 'promo'
                                    AND pr.effective_at <= ${now} AND (pr.expires_at IS NULL OR pr.expires_at > ${now}))`;
  const query: Record<RailRuleName, SQL> = {
    best_sellers: sql`${where} ORDER BY d.sales_count DESC, d.product_id`,
    new_arrivals: sql`${where} ORDER BY d.created_at DESC, d.product_id DESC`,
    on_promotion: sql`${where}${promo} ORDER BY d.sales_count DESC, d.product_id`,
  };
  const rows = await db.all<Row>(
    sql`SELECT ${COLUMNS} FROM search_documents d WHERE ${query[rule.rule]} LIMIT ${rule.limit}`,
  );
  return rows.map(itemOf);
}

/**
 * Products like `productId`, for "similar": on shelf, scored by shared category (3), brand (2)
 * and each shared attribute value (1), ties broken by sales. One indexed scan of the product's
 * category and brand; attribute overlap is counted only over those candidates.
 */
export async function similarProducts(db: Db, productId: string, limit: number): Promise<RailItem[]> {
  const rows = await db.all<Row>(sql`
    WITH me AS (SELECT category_id, brand_id, attributes FROM search_documents WHERE product_id = ${productId}),
         mine AS (SELECT a.key AS name, v.value AS value FROM me, json_each(me.attributes) a, json_each(a.value) v)
    SELECT ${COLUMNS},
           (CASE WHEN d.category_id = me.category_id THEN 3 ELSE 0 END)
         + (CASE WHEN d.brand_id IS NOT NULL AND d.brand_id = me.brand_id THEN 2 ELSE 0 END)
         + (SELECT count(*) FROM json_each(d.attributes) a, json_each(a.value) v
             WHERE EXISTS (SELECT 1 FROM mine WHERE mine.name = a.key AND mine.value = v.value)) AS score
      FROM search_documents d, me
     WHERE d.status = ${PRODUCT_STATUS.ON_SHELF} AND d.product_id <> ${productId}
       AND (d.category_id = me.category_id OR (me.brand_id IS NOT NULL AND d.brand_id = me.brand_id))
     ORDER BY score DESC, d.sales_count DESC, d.product_id
     LIMIT ${limit}`);
  return rows.map(itemOf);
}

/** Category shortcuts: the named categories that exist, in the order given. */
export async function categoryShortcuts(
  db: Db,
  categoryIds: number[],
): Promise<{ categoryId: number; name: string }[]> {
  if (categoryIds.length === 0) return [];
  const rows = await db.all<{ id: number; name: string }>(
    sql`SELECT id, name FROM categories WHERE id IN (${sql.join(
      categoryIds.slice(0, 90).map((id) => sql`${id}`),
      sql`, `,
    )})`,
  );
  const byId = new Map(rows.map((r) => [r.id, r.name]));
  return categoryIds.flatMap((id) => {
    const name = byId.get(id);
    return name === undefined ? [] : [{ categoryId: id, name }];
  });
}
