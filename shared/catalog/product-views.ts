/**
 * Products as sellers and operators see them, and who may see which: the admin view (with the
 * price in effect now and a pending revision), the content a snapshot records, and the lookups
 * every product use case starts from. A product the caller may not see, or a deleted one, is a
 * 404, the same answer as one that does not exist.
 */
import { z } from "zod";
import type { Caller } from "../platform/auth";
import type { Db } from "../platform/db";
import { isAppError } from "../platform/errors";
import { type Currency, moneySchema } from "../platform/money";
import { canAccessShop } from "../platform/shop-access";
import type { CatalogDeps } from "./catalog-deps";
import { listSnapshots } from "./history";
import { PRODUCT_STATUS, statusName } from "./lifecycle";
import { effectivePrice } from "./pricing";
import { notFound } from "./product-errors";
import { dimensionsSchema } from "./product-input";
import { findSku, loadProduct, type PriceRow, type ProductRecord } from "./products-repo";
import { pendingRevisionRow, type RevisionView, revisionSchema, revisionView } from "./revisions-repo";

/** One price row of a SKU as the admin API shows it. */
export const priceRowSchema = z.object({
  type: z.enum(["standard", "promo"]),
  price: moneySchema,
  effectiveAt: z.string(),
  expiresAt: z.string().nullable(),
});

const attributeValueSchema = z.object({ attributeId: z.number().int(), attributeName: z.string(), value: z.string() });

/** A SKU as the admin API shows it: content, prices, the projection's stock and its own version. */
export const adminSkuSchema = z.object({
  skuId: z.string(),
  skuName: z.string(),
  sellerSkuCode: z.string().nullable(),
  salesAttributes: z.array(attributeValueSchema),
  price: moneySchema.nullable().describe("The price in effect now"),
  prices: z.array(priceRowSchema),
  weightGrams: z.number().int().nullable(),
  dimensionsMm: dimensionsSchema.nullable(),
  stock: z.object({ available: z.number().int(), reserved: z.number().int(), sold: z.number().int() }),
  version: z.number().int(),
});

/** A product as the admin API shows it: the live fields, and the edit waiting for approval if any. */
export const adminProductSchema = z.object({
  productId: z.string(),
  shopId: z.string(),
  categoryId: z.number().int(),
  brandId: z.number().int().nullable(),
  name: z.string(),
  description: z.string(),
  nameI18n: z.record(z.string(), z.string()).nullable(),
  descriptionI18n: z.record(z.string(), z.string()).nullable(),
  status: z.string(),
  statusCode: z.number().int(),
  statusReason: z.string().nullable(),
  version: z.number().int(),
  basicAttributes: z.array(attributeValueSchema),
  images: z.array(z.string()),
  skus: z.array(adminSkuSchema),
  createdAt: z.string(),
  updatedAt: z.string(),
  pendingRevision: revisionSchema
    .nullable()
    .describe("A content edit waiting for an operator's approval (audited products); the fields above are live"),
});
export type AdminProduct = z.infer<typeof adminProductSchema>;

const parseJson = <T>(text: string | null): T | null => (text === null ? null : (JSON.parse(text) as T));

/** A SKU's price rows as the admin API shows them (ISO times, money with its currency). */
export function priceRowsView(rows: readonly PriceRow[]): z.infer<typeof priceRowSchema>[] {
  return rows.map((p) => ({
    type: p.type,
    price: { amount: p.amount, currency: p.currency as Currency },
    effectiveAt: new Date(p.effectiveAt).toISOString(),
    expiresAt: p.expiresAt === null ? null : new Date(p.expiresAt).toISOString(),
  }));
}

function adminProductView(record: ProductRecord, now: number, pendingRevision: RevisionView | null): AdminProduct {
  const { row } = record;
  return {
    productId: row.id,
    shopId: row.shopId,
    categoryId: row.categoryId,
    brandId: row.brandId,
    name: row.name,
    description: row.description,
    nameI18n: parseJson(row.nameI18n),
    descriptionI18n: parseJson(row.descriptionI18n),
    status: statusName(row.status),
    statusCode: row.status,
    statusReason: row.statusReason,
    version: row.version,
    basicAttributes: record.basicAttributes,
    images: record.images,
    skus: record.skus.map((s) => ({
      skuId: s.row.id,
      skuName: s.row.name,
      sellerSkuCode: s.row.sellerSkuCode,
      salesAttributes: s.salesAttributes,
      price: effectivePrice(s.prices, now),
      prices: priceRowsView(s.prices),
      weightGrams: s.row.weightGrams,
      dimensionsMm: parseJson(s.row.dimensionsMm),
      stock: s.stock,
      version: s.row.version,
    })),
    createdAt: new Date(row.createdAt).toISOString(),
    updatedAt: new Date(row.updatedAt).toISOString(),
    pendingRevision,
  };
}

/** What a snapshot records: the product's content, without status, prices or stock. */
export function snapshotContent(record: ProductRecord) {
  return {
    productId: record.row.id,
    categoryId: record.row.categoryId,
    brandId: record.row.brandId,
    name: record.row.name,
    description: record.row.description,
    nameI18n: parseJson(record.row.nameI18n),
    descriptionI18n: parseJson(record.row.descriptionI18n),
    basicAttributes: record.basicAttributes.map(({ attributeId, value }) => ({ attributeId, value })),
    images: record.images,
    skus: record.skus
      .map((s) => ({
        skuId: s.row.id,
        skuName: s.row.name,
        sellerSkuCode: s.row.sellerSkuCode,
        salesAttributes: s.salesAttributes.map(({ attributeId, value }) => ({ attributeId, value })),
        weightGrams: s.row.weightGrams,
        dimensionsMm: parseJson(s.row.dimensionsMm),
      }))
      .sort((a, b) => (a.skuId < b.skuId ? -1 : 1)),
  };
}

/** The product, if the caller may see it: operators any, sellers their shop's; else 404. */
export async function visibleProduct(db: Db, caller: Caller, productId: string): Promise<ProductRecord> {
  const record = await loadProduct(db, productId);
  const visible = record && record.row.status !== PRODUCT_STATUS.DELETED && canAccessShop(caller, record.row.shopId);
  if (!visible || !record) throw notFound("product", productId);
  return record;
}

/**
 * `visibleProduct` for a SKU of the product: its 404 becomes one naming the SKU, so a SKU of a
 * product the caller may not see is not told apart from one that does not exist. Any other error
 * (a D1 failure) is thrown as it is, not mistaken for "not found".
 */
export async function visibleProductOfSku(
  db: Db,
  caller: Caller,
  productId: string,
  skuId: string,
): Promise<ProductRecord> {
  try {
    return await visibleProduct(db, caller, productId);
  } catch (err) {
    if (isAppError(err) && err.code === "not_found") throw notFound("SKU", skuId);
    throw err;
  }
}

/** The product a SKU belongs to, if the caller may see it; else a 404 naming the SKU. */
export async function productOfSku(db: Db, caller: Caller, skuId: string): Promise<ProductRecord> {
  const sku = await findSku(db, skuId);
  if (!sku) throw notFound("SKU", skuId);
  return visibleProductOfSku(db, caller, sku.productId, skuId);
}

/** The SKU's product, for stock routes (same visibility rules). */
export async function skuForStock(db: Db, caller: Caller, skuId: string) {
  const record = await productOfSku(db, caller, skuId);
  return {
    productId: record.row.id,
    shopId: record.row.shopId,
    status: record.row.status,
    version: record.row.version,
  };
}

/** The admin view of a product the caller may see, with its pending revision if any. */
export async function getProduct(
  deps: Pick<CatalogDeps, "db" | "clock">,
  caller: Caller,
  productId: string,
): Promise<AdminProduct> {
  const record = await visibleProduct(deps.db, caller, productId);
  const pending = await pendingRevisionRow(deps.db, productId);
  return adminProductView(record, deps.clock.now(), pending ? revisionView(pending) : null);
}

/** The product's content versions, newest first, paged; 404 unless the caller may see the product. */
export async function listProductSnapshots(
  db: Db,
  caller: Caller,
  productId: string,
  query: { limit: number; cursor?: string | undefined },
) {
  await visibleProduct(db, caller, productId);
  return listSnapshots(db, productId, query);
}
