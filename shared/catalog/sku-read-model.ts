/**
 * The catalog's one read of SKUs as others see them: for each SKU its own row (product, shop,
 * name, weight), its product's name, status, category and the category's kind (the checkout
 * strategy), its sales attributes with their names, its product's first image, its price rows and
 * its stock totals (inventory's projection). Product detail and product views (`loadProduct`),
 * the cart and checkout all read SKUs through it, so a SKU is the same fact in each.
 *
 * It is a `BatchRead`: a caller puts it into its own D1 batch beside other reads (checkout reads
 * it with the users', shipping's and inventory's facts in one round trip). Every statement is
 * chunked within D1's 100 parameters, and no statement selects two columns of one name (a D1
 * batch keys row values by column name, so the second would shift the rest).
 */
import { asc, eq, inArray, type SQLWrapper } from "drizzle-orm";
import {
  attributes,
  categories,
  prices,
  productAttributeValues,
  productImages,
  products,
  skuAttributeValues,
  skus,
} from "../../db/schema";
import { NO_STOCK, type StockTotals, stockTotalsRead } from "../inventory/stock-totals";
import { type BatchRead, batchRead, combineReads, inKeys, type KeySet, keysVia } from "../platform/d1-chunks";
import type { Db } from "../platform/db";
import type { AttributeValue, PriceRow, SkuRow } from "./products-repo";

/** Which SKUs to read: these ids, every SKU of a product, or what another domain's keys name (a cart's lines). */
export type SkuSelection = { skuIds: readonly string[] } | { productId: string } | { keys: KeySet };

/** One SKU as the storefront and checkout see it. */
export interface SkuView {
  row: SkuRow;
  product: {
    name: string;
    status: number;
    categoryId: number;
    brandId: number | null;
    kind: (typeof categories.$inferSelect)["kind"];
  };
  /** By attribute id. */
  salesAttributes: AttributeValue[];
  /** The product's first image (lowest sort), if any. */
  image: string | null;
  /** Oldest effective first; `effectivePrice` picks the one in force. */
  prices: PriceRow[];
  stock: StockTotals;
}

const ATTRIBUTE_VALUES = {
  product: { table: productAttributeValues, owner: productAttributeValues.productId },
  sku: { table: skuAttributeValues, owner: skuAttributeValues.skuId },
} as const;

/**
 * Attribute values with their attribute names, of products (basic attributes) or SKUs (sales
 * attributes) in `owners`, by attribute id: the catalog's one join of values to names.
 */
export function attributeValuesOf(db: Db, of: keyof typeof ATTRIBUTE_VALUES, owners: string[] | SQLWrapper) {
  const { table, owner } = ATTRIBUTE_VALUES[of];
  return db
    .select({ ownerId: owner, attributeId: table.attributeId, attributeName: attributes.name, value: table.value })
    .from(table)
    .innerJoin(attributes, eq(attributes.id, table.attributeId))
    .where(inArray(owner, owners))
    .orderBy(asc(table.attributeId));
}

/** `{ attributeId, attributeName, value }` of one owner's rows from `attributeValuesOf`. */
export function attributesOwnedBy(
  rows: readonly (AttributeValue & { ownerId: string })[],
  ownerId: string,
): AttributeValue[] {
  return rows
    .filter((r) => r.ownerId === ownerId)
    .map(({ attributeId, attributeName, value }) => ({ attributeId, attributeName, value }));
}

/** Every SKU of the product, as keys for another domain's read (inventory's stock totals). */
export function skusOfProduct(db: Db, productId: string): KeySet {
  return {
    ids: [productId],
    via: (productIds) => db.select({ id: skus.id }).from(skus).where(inArray(skus.productId, productIds)),
  };
}

function skuKeys(db: Db, selection: SkuSelection): KeySet {
  if ("keys" in selection) return selection.keys;
  if ("skuIds" in selection) return { ids: selection.skuIds };
  return skusOfProduct(db, selection.productId);
}

/** The shops of the SKUs `skuIds`, as keys for another domain's read in the same batch. */
export function shopsOfSkus(db: Db, skuIds: readonly string[]): KeySet {
  return keysVia({ ids: skuIds }, (set) => db.select({ id: skus.shopId }).from(skus).where(inArray(skus.id, set)));
}

/**
 * The selected SKUs by id, in display order (position, then creation) within each chunk of ids.
 * A SKU whose product (or category) is missing is left out.
 */
export function skuReadModel(db: Db, selection: SkuSelection): BatchRead<Map<string, SkuView>> {
  const keys = skuKeys(db, selection);
  const productKeys = keysVia(keys, (set) => db.select({ id: skus.productId }).from(skus).where(inArray(skus.id, set)));
  const catalog = batchRead(
    [
      inKeys(keys, (set) =>
        db
          .select()
          .from(skus)
          .where(inArray(skus.id, set))
          .orderBy(asc(skus.position), asc(skus.createdAt), asc(skus.id)),
      ),
      inKeys(productKeys, (set) =>
        db
          .select({
            productId: products.id,
            name: products.name,
            status: products.status,
            categoryId: products.categoryId,
            brandId: products.brandId,
            kind: categories.kind,
          })
          .from(products)
          .innerJoin(categories, eq(categories.id, products.categoryId))
          .where(inArray(products.id, set)),
      ),
      inKeys(keys, (set) => attributeValuesOf(db, "sku", set)),
      inKeys(productKeys, (set) =>
        db
          .select({ productId: productImages.productId, url: productImages.url })
          .from(productImages)
          .where(inArray(productImages.productId, set))
          .orderBy(asc(productImages.sort)),
      ),
      inKeys(keys, (set) =>
        db.select().from(prices).where(inArray(prices.skuId, set)).orderBy(asc(prices.effectiveAt)),
      ),
    ],
    (rows) => rows,
  );
  return combineReads({ catalog, stock: stockTotalsRead(db, keys) }, ({ catalog, stock }) => {
    const [skuRows, productRows, attributeRows, imageRows, priceRows] = catalog;
    const views = new Map<string, SkuView>();
    for (const row of skuRows) {
      const found = productRows.find((p) => p.productId === row.productId);
      if (!found) continue;
      const { productId: _productId, ...product } = found;
      views.set(row.id, {
        row,
        product,
        salesAttributes: attributesOwnedBy(attributeRows, row.id),
        image: imageRows.find((i) => i.productId === row.productId)?.url ?? null,
        prices: priceRows.filter((p) => p.skuId === row.id),
        stock: stock.get(row.id) ?? { ...NO_STOCK },
      });
    }
    return views;
  });
}
