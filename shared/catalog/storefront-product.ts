/**
 * The product detail shoppers see, served through the Workers Cache API. The cache key carries the
 * product's version and its newest price row, both read from D1 first, so the first read after an
 * edit or a price change misses the cache and returns the change; stock figures in a cached copy
 * may lag by at most DETAIL_TTL_SECONDS (checkout re-checks stock in the SKU's object).
 */
import { eq, sql } from "drizzle-orm";
import { z } from "zod";
import { products } from "../../db/schema";
import { batchRead, combineReads, runBatchRead } from "../platform/d1-chunks";
import type { Db } from "../platform/db";
import { AppError } from "../platform/errors";
import { moneySchema } from "../platform/money";
import { averageOf } from "../reviews/ratings";
import { PRODUCT_STATUS } from "./lifecycle";
import { effectivePrice } from "./pricing";
import { productRead } from "./products-repo";

export const DETAIL_TTL_SECONDS = 30;

export const productDetailSchema = z.object({
  productId: z.string(),
  name: z.string(),
  description: z.string(),
  nameI18n: z.record(z.string(), z.string()).nullable(),
  brand: z.object({ id: z.number().int(), name: z.string() }).nullable(),
  category: z.object({ id: z.number().int(), name: z.string() }),
  basicAttributes: z.array(z.object({ attributeId: z.number().int(), attributeName: z.string(), value: z.string() })),
  images: z.array(z.string()),
  skus: z.array(
    z.object({
      skuId: z.string(),
      name: z.string().meta({ deprecated: true, description: "Deprecated: the same as `skuName`, kept for v1" }),
      skuName: z.string().describe("The SKU's name, as `skuName` in the admin API and the product JSON"),
      price: moneySchema.nullable(),
      salesAttributes: z.array(
        z.object({ attributeId: z.number().int(), attributeName: z.string(), value: z.string() }),
      ),
      available: z.number().int(),
    }),
  ),
  inStock: z.boolean(),
  rating: z
    .object({ average: z.number(), count: z.number().int() })
    .describe("The visible reviews' average stars (one decimal) and count, as the search document carries them"),
  version: z.number().int(),
});
export type ProductDetail = z.infer<typeof productDetailSchema>;

const VISIBLE: number[] = [PRODUCT_STATUS.ON_SHELF, PRODUCT_STATUS.SOLD_OUT];

/** The cache key parts that change with every edit: version, status and the newest price row. */
export async function detailRevision(db: Db, productId: string) {
  const [row] = await db.all<{
    version: number;
    status: number;
    price_rev: number | null;
    rating_rev: string | null;
  }>(sql`
    SELECT p.version, p.status,
           (SELECT max(pr.created_at) FROM prices pr JOIN skus s ON s.id = pr.sku_id WHERE s.product_id = p.id) AS price_rev,
           (SELECT d.rating_count || 'r' || d.rating_sum FROM search_documents d WHERE d.product_id = p.id) AS rating_rev
      FROM products p WHERE p.id = ${productId}`);
  if (!row || !VISIBLE.includes(row.status)) throw new AppError("not_found", { detail: `No product ${productId}` });
  return `${row.version}.${row.status}.${row.price_rev ?? 0}.${row.rating_rev ?? "0r0"}`;
}

/** The product's detail at `now`, read in one D1 batch; a product shoppers may not see is a 404. */
export async function productDetail(db: Db, productId: string, now: number): Promise<ProductDetail> {
  const { record, names } = await runBatchRead(
    db,
    combineReads(
      {
        record: productRead(db, productId),
        names: batchRead(
          [
            [
              db
                .select({
                  brandName: sql<string | null>`(SELECT name FROM brands WHERE id = ${products.brandId})`,
                  categoryName: sql<string | null>`(SELECT name FROM categories WHERE id = ${products.categoryId})`,
                  ratingCount: sql<
                    number | null
                  >`(SELECT rating_count FROM search_documents WHERE product_id = ${products.id})`,
                  ratingSum: sql<
                    number | null
                  >`(SELECT rating_sum FROM search_documents WHERE product_id = ${products.id})`,
                })
                .from(products)
                .where(eq(products.id, productId)),
            ],
          ],
          ([[row]]) => row,
        ),
      },
      (read) => read,
    ),
  );
  if (!record || !VISIBLE.includes(record.row.status))
    throw new AppError("not_found", { detail: `No product ${productId}` });
  const { row } = record;
  return {
    productId: row.id,
    name: row.name,
    description: row.description,
    nameI18n: row.nameI18n ? (JSON.parse(row.nameI18n) as Record<string, string>) : null,
    brand: row.brandId !== null && names?.brandName ? { id: row.brandId, name: names.brandName } : null,
    category: { id: row.categoryId, name: names?.categoryName ?? "" },
    basicAttributes: record.basicAttributes,
    images: record.images,
    skus: record.skus.map((s) => ({
      skuId: s.row.id,
      name: s.row.name,
      skuName: s.row.name,
      price: effectivePrice(s.prices, now),
      salesAttributes: s.salesAttributes,
      available: s.stock.available,
    })),
    inStock: record.skus.some((s) => s.stock.available > 0),
    rating: { average: averageOf(names?.ratingCount ?? 0, names?.ratingSum ?? 0), count: names?.ratingCount ?? 0 },
    version: row.version,
  };
}
