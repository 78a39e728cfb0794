/** Reading products with everything hanging off them. The statements that write them are in products-writes-repo.ts. */
import { and, asc, eq, inArray, sql } from "drizzle-orm";
import {
  attributes,
  prices,
  productAttributeValues,
  productImages,
  products,
  skuAttributeValues,
  skuStock,
  skus,
  warehouses,
} from "../../db/schema";
import { readChunks } from "../platform/d1-chunks";
import type { Db } from "../platform/db";

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
  stock: { available: number; reserved: number; sold: number };
}

export interface ProductRecord {
  row: ProductRow;
  basicAttributes: AttributeValue[];
  images: string[];
  skus: SkuRecord[];
}

/** A product with attributes, images, SKUs, their prices and stock projection; undefined if absent. */
export async function loadProduct(db: Db, productId: string): Promise<ProductRecord | undefined> {
  const row = await db.query.products.findFirst({ where: eq(products.id, productId) });
  if (!row) return undefined;
  const [basic, images, skuRows] = await Promise.all([
    db
      .select({
        attributeId: productAttributeValues.attributeId,
        attributeName: attributes.name,
        value: productAttributeValues.value,
      })
      .from(productAttributeValues)
      .innerJoin(attributes, eq(attributes.id, productAttributeValues.attributeId))
      .where(eq(productAttributeValues.productId, productId))
      .orderBy(asc(productAttributeValues.attributeId)),
    db
      .select({ url: productImages.url })
      .from(productImages)
      .where(eq(productImages.productId, productId))
      .orderBy(asc(productImages.sort)),
    db
      .select()
      .from(skus)
      .where(eq(skus.productId, productId))
      .orderBy(asc(skus.position), asc(skus.createdAt), asc(skus.id)),
  ]);
  const skuIds = skuRows.map((s) => s.id);
  // A product holds up to 200 SKUs: each list goes in chunks within D1's 100 parameters. Rows are
  // used per SKU, and a SKU's rows all come from its own chunk, so the per-chunk order holds.
  const [salesRows, priceRows, stockRows] = await Promise.all([
    readChunks(skuIds, (ids) =>
      db
        .select({
          skuId: skuAttributeValues.skuId,
          attributeId: skuAttributeValues.attributeId,
          attributeName: attributes.name,
          value: skuAttributeValues.value,
        })
        .from(skuAttributeValues)
        .innerJoin(attributes, eq(attributes.id, skuAttributeValues.attributeId))
        .where(inArray(skuAttributeValues.skuId, ids))
        .orderBy(asc(skuAttributeValues.attributeId)),
    ),
    readChunks(skuIds, (ids) =>
      db.select().from(prices).where(inArray(prices.skuId, ids)).orderBy(asc(prices.effectiveAt)),
    ),
    readChunks(skuIds, (ids) =>
      db
        .select({
          skuId: skuStock.skuId,
          available: sql<number>`sum(${skuStock.available})`,
          reserved: sql<number>`sum(${skuStock.reserved})`,
          sold: sql<number>`sum(${skuStock.sold})`,
        })
        .from(skuStock)
        .where(inArray(skuStock.skuId, ids))
        .groupBy(skuStock.skuId),
    ),
  ]);
  return {
    row,
    basicAttributes: basic,
    images: images.map((i) => i.url),
    skus: skuRows.map((s) => {
      const stock = stockRows.find((r) => r.skuId === s.id);
      return {
        row: s,
        salesAttributes: salesRows.filter((a) => a.skuId === s.id).map(({ skuId: _skuId, ...a }) => a),
        prices: priceRows.filter((p) => p.skuId === s.id),
        stock: { available: stock?.available ?? 0, reserved: stock?.reserved ?? 0, sold: stock?.sold ?? 0 },
      };
    }),
  };
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
