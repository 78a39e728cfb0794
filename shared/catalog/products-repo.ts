/** Reading products with everything hanging off them. The statements that write them are in products-writes-repo.ts. */
import { and, asc, desc, eq, inArray, ne, type SQL, sql } from "drizzle-orm";
import { type prices, productImages, products, skus } from "../../db/schema";
import { availableOf, type StockTotals } from "../inventory/stock-totals";
import { olderThan } from "../platform/cursor";
import { type BatchRead, batchRead, combineReads, readChunks, runBatchRead } from "../platform/d1-chunks";
import type { Db } from "../platform/db";
import { PRODUCT_STATUS } from "./lifecycle";
import { attributesOwnedBy, attributeValuesOf, skuReadModel, skusOfProduct } from "./sku-read-model";

export type ProductRow = typeof products.$inferSelect;
export type SkuRow = typeof skus.$inferSelect;
export type PriceRow = typeof prices.$inferSelect;

export interface AttributeValue {
  attributeId: number;
  attributeName: string;
  value: string;
}

export interface SkuRecord {
  row: SkuRow;
  salesAttributes: AttributeValue[];
  prices: PriceRow[];
  stock: StockTotals;
}

export interface ProductRecord {
  row: ProductRow;
  basicAttributes: AttributeValue[];
  images: string[];
  skus: SkuRecord[];
}

/**
 * A product with its basic attributes, images and SKUs (the SKU read model: sales attributes,
 * prices, stock totals), as a read for the caller's batch; undefined if absent.
 */
export function productRead(db: Db, productId: string): BatchRead<ProductRecord | undefined> {
  const product = batchRead(
    [
      [db.select().from(products).where(eq(products.id, productId))],
      [attributeValuesOf(db, "product", [productId])],
      [
        db
          .select({ url: productImages.url })
          .from(productImages)
          .where(eq(productImages.productId, productId))
          .orderBy(asc(productImages.sort)),
      ],
    ],
    ([[row], basic, images]) => ({ row, basicAttributes: attributesOwnedBy(basic, productId), images }),
  );
  return combineReads({ product, skus: skuReadModel(db, { productId }) }, ({ product, skus }) => {
    const { row, basicAttributes, images } = product;
    if (!row) return undefined;
    return {
      row,
      basicAttributes,
      images: images.map((i) => i.url),
      skus: [...skus.values()].map((s) => ({
        row: s.row,
        salesAttributes: s.salesAttributes,
        prices: s.prices,
        stock: s.stock,
      })),
    };
  });
}

/** A product with attributes, images, SKUs, their prices and stock projection, in one D1 batch; undefined if absent. */
export async function loadProduct(db: Db, productId: string): Promise<ProductRecord | undefined> {
  return runBatchRead(db, productRead(db, productId));
}

/** The product's own row (any status, deleted too), without what hangs off it; undefined if absent. */
export async function findProduct(db: Db, productId: string): Promise<ProductRow | undefined> {
  return db.query.products.findFirst({ where: eq(products.id, productId) });
}

/**
 * The id of the shop's live (not deleted) product with this category, brand and name, other than
 * `exceptId`: the one the `products_shop_identity` index says already exists; undefined if none.
 */
export async function productIdByIdentity(
  db: Db,
  identity: { shopId: string; categoryId: number; brandId: number | null; name: string; exceptId?: string },
): Promise<string | undefined> {
  if (identity.brandId === null) return undefined; // NULLs never clash in a unique index
  const conditions: SQL[] = [
    eq(products.shopId, identity.shopId),
    eq(products.categoryId, identity.categoryId),
    eq(products.brandId, identity.brandId),
    eq(products.name, identity.name),
    ne(products.status, PRODUCT_STATUS.DELETED),
  ];
  if (identity.exceptId) conditions.push(ne(products.id, identity.exceptId));
  const row = await db
    .select({ id: products.id })
    .from(products)
    .where(and(...conditions))
    .limit(1);
  return row[0]?.id;
}

/** Units available over the product's SKUs, from inventory's projection. */
export async function productAvailable(db: Db, productId: string): Promise<number> {
  return availableOf(db, skusOfProduct(db, productId));
}

/**
 * Up to `limit` product rows newest first (createdAt, then id), deleted ones left out: of one
 * shop or of all when `shopId` is undefined, of one status if given, older than `after` if given.
 */
export async function productRowsNewestFirst(
  db: Db,
  query: {
    status?: number | undefined;
    shopId?: string | undefined;
    after?: { createdAt: number; id: string } | undefined;
    /** Name or one of its SKUs' seller codes contains this (case-insensitive for ASCII). */
    text?: string | undefined;
    limit: number;
  },
): Promise<ProductRow[]> {
  const conditions: SQL[] = [ne(products.status, PRODUCT_STATUS.DELETED)];
  if (query.shopId) conditions.push(eq(products.shopId, query.shopId));
  if (query.status !== undefined) conditions.push(eq(products.status, query.status));
  if (query.text) {
    // LIKE's own wildcards in the text match themselves, not any character.
    const pattern = `%${query.text.replace(/[\\%_]/g, (ch) => `\\${ch}`)}%`;
    conditions.push(
      sql`(${products.name} LIKE ${pattern} ESCAPE '\\' OR EXISTS (SELECT 1 FROM ${skus} WHERE ${skus.productId} = ${products.id} AND ${skus.sellerSkuCode} LIKE ${pattern} ESCAPE '\\'))`,
    );
  }
  const older = olderThan(products.createdAt, products.id, query.after);
  if (older) conditions.push(older);
  return db
    .select()
    .from(products)
    .where(and(...conditions))
    .orderBy(desc(products.createdAt), desc(products.id))
    .limit(query.limit);
}

/** The SKU's own row, without its product, prices or stock; undefined if absent. */
export async function findSku(db: Db, skuId: string): Promise<SkuRow | undefined> {
  return db.query.skus.findFirst({ where: eq(skus.id, skuId) });
}

/** SKU ids of a shop by seller code (bulk edits address SKUs by code). */
export async function skusByCode(db: Db, shopId: string, codes: string[]) {
  return readChunks(codes, (chunk) =>
    db
      .select({ id: skus.id, code: skus.sellerSkuCode, productId: skus.productId })
      .from(skus)
      .where(and(eq(skus.shopId, shopId), inArray(skus.sellerSkuCode, chunk))),
  );
}
