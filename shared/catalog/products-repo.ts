/** Reading products with everything hanging off them. The statements that write them are in products-writes-repo.ts. */
import { and, asc, eq, inArray, sql } from "drizzle-orm";
import { type prices, productImages, products, skuStock, skus, warehouses } from "../../db/schema";
import type { StockTotals } from "../inventory/stock-totals";
import { type BatchRead, batchRead, combineReads, readChunks, runBatchRead } from "../platform/d1-chunks";
import type { Db } from "../platform/db";
import { attributesOwnedBy, attributeValuesOf, skuReadModel } from "./sku-read-model";

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

/** The shop's default warehouse (or its first), and whether `warehouseId` belongs to the shop. */
export async function warehouseFor(db: Db, shopId: string, warehouseId?: string) {
  const rows = await db
    .select()
    .from(warehouses)
    .where(eq(warehouses.shopId, shopId))
    .orderBy(asc(warehouses.createdAt));
  if (warehouseId) return rows.find((w) => w.id === warehouseId);
  return rows.find((w) => w.isDefault) ?? rows[0];
}

/** Total available stock of a product's SKUs, from the projection. */
export async function availableOf(db: Db, productId: string): Promise<number> {
  const [row] = await db
    .select({ available: sql<number>`coalesce(sum(${skuStock.available}), 0)` })
    .from(skuStock)
    .innerJoin(skus, eq(skus.id, skuStock.skuId))
    .where(eq(skus.productId, productId));
  return row?.available ?? 0;
}
