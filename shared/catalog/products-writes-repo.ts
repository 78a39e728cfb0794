/**
 * The statements that write products and what hangs off them (attribute values, images, SKUs,
 * their attribute values and prices); reads are in products-repo.ts. Nothing here runs a
 * statement: use cases put these into one `db.batch` with the change's outbox row, snapshot and
 * operation log, so a change and its history commit together or not at all.
 *
 * Every content or status write of a product is a compare-and-set on what it read that also
 * stamps `last_op_id`; `assertOwnOp`, next in the batch, aborts the whole batch when another
 * write won, since a compare-and-set that matches no row does not fail by itself.
 */
import { and, eq, sql } from "drizzle-orm";
import { prices, productAttributeValues, productImages, products, skuAttributeValues, skus } from "../../db/schema";
import { assertExists, type Db } from "../platform/db";
import { newId } from "../platform/ids";
import type { Currency } from "../platform/money";
import type { ProductRow, SkuRecord, SkuRow } from "./products-repo";

/** What a winning compare-and-set leaves on the product: its next version and the write's op id. */
export interface ProductStamp {
  version: number;
  lastOpId: string;
  updatedAt: number;
}

type AttributeValues = readonly { attributeId: number; value: string }[];

/** A new product's row. */
export function insertProduct(db: Db, row: ProductRow) {
  return db.insert(products).values(row);
}

/** A new product's basic attribute values, one statement each. */
export function insertProductAttributes(db: Db, productId: string, values: AttributeValues) {
  return values.map((a) =>
    db.insert(productAttributeValues).values({ productId, attributeId: a.attributeId, value: a.value }),
  );
}

/** A new product's images, in the order given (that order is the gallery's). */
export function insertProductImages(db: Db, productId: string, urls: readonly string[], now: number) {
  return urls.map((url, i) => db.insert(productImages).values({ id: newId("image", now), productId, url, sort: i }));
}

/** Replaces a product's basic attribute values: the edit names the whole list. */
export function replaceProductAttributes(db: Db, productId: string, values: AttributeValues) {
  return [
    db.delete(productAttributeValues).where(eq(productAttributeValues.productId, productId)),
    ...insertProductAttributes(db, productId, values),
  ];
}

/** Replaces a product's images: the edit names the whole gallery. */
export function replaceProductImages(db: Db, productId: string, urls: readonly string[], now: number) {
  return [
    db.delete(productImages).where(eq(productImages.productId, productId)),
    ...insertProductImages(db, productId, urls, now),
  ];
}

/** The product row as an edit leaves it, if it is still at `readVersion`. */
export function updateProductContent(db: Db, row: ProductRow, readVersion: number, stamp: ProductStamp) {
  return db
    .update(products)
    .set({ ...row, ...stamp })
    .where(and(eq(products.id, row.id), eq(products.version, readVersion)));
}

/** A product's new status, if it still has the status and version it was read with. */
export function updateProductStatus(
  db: Db,
  read: { id: string; status: number; version: number },
  next: { status: number; statusReason: string | null },
  stamp: ProductStamp,
) {
  return db
    .update(products)
    .set({ ...next, ...stamp })
    .where(and(eq(products.id, read.id), eq(products.status, read.status), eq(products.version, read.version)));
}

/** Aborts the batch unless the product carries `opId`, i.e. this batch's compare-and-set won. */
export function assertOwnOp(db: Db, productId: string, opId: string) {
  return assertExists(db, sql`SELECT 1 FROM products WHERE id = ${productId} AND last_op_id = ${opId}`);
}

function insertSkuAttributes(db: Db, skuId: string, values: AttributeValues) {
  return values.map((a) => db.insert(skuAttributeValues).values({ skuId, attributeId: a.attributeId, value: a.value }));
}

/** A new SKU: its row, sales attributes and standard price (effective from `now`). */
export function insertSku(db: Db, record: SkuRecord, amount: number, currency: Currency, now: number) {
  const skuId = record.row.id;
  return [
    db.insert(skus).values(record.row),
    ...insertSkuAttributes(db, skuId, record.salesAttributes),
    db
      .insert(prices)
      .values({ id: newId("price", now), skuId, type: "standard", amount, currency, effectiveAt: now, createdAt: now }),
  ];
}

/** A SKU's edited fields, if it is still at `readVersion` (its row carries the next version). */
export function updateSku(db: Db, row: SkuRow, readVersion: number, now: number) {
  return db
    .update(skus)
    .set({
      name: row.name,
      sellerSkuCode: row.sellerSkuCode,
      weightGrams: row.weightGrams,
      dimensionsMm: row.dimensionsMm,
      version: row.version,
      updatedAt: now,
    })
    .where(and(eq(skus.id, row.id), eq(skus.version, readVersion)));
}

/** Replaces a SKU's sales attribute values: the edit names the whole list. */
export function replaceSkuAttributes(db: Db, skuId: string, values: AttributeValues) {
  return [
    db.delete(skuAttributeValues).where(eq(skuAttributeValues.skuId, skuId)),
    ...insertSkuAttributes(db, skuId, values),
  ];
}

/** Replaces every price row of a SKU (standard and promotional windows alike). */
export function replaceSkuPrices(db: Db, skuId: string, rows: readonly (typeof prices.$inferInsert)[]) {
  return [db.delete(prices).where(eq(prices.skuId, skuId)), ...rows.map((r) => db.insert(prices).values(r))];
}
