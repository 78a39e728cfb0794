/**
 * The catalog-events consumer's work: rebuild one product's search document from D1's current
 * state. It reads the state rather than trusting the event, so duplicates and out-of-order
 * deliveries all converge on the latest truth.
 */
import { and, asc, eq, gt, inArray, lte, notExists, sql } from "drizzle-orm";
import { brands, categories, products, productTags, searchDocuments, searchMeta, tags } from "../../db/schema";
import { searchFts } from "../../db/schema/search-fts";
import { readChunks } from "../platform/d1-chunks";
import { type Db, runBatch } from "../platform/db";
import { ratingTotalsOf } from "../reviews/ratings";
import { PRODUCT_STATUS } from "./lifecycle";
import { effectivePrice, nextPriceBoundary } from "./pricing";
import { loadProduct } from "./products-repo";
import { documentTokens } from "./search-tokens";

function ftsDelete(db: Db, productId: string) {
  return db.delete(searchFts).where(eq(searchFts.productId, productId));
}

/** Moves the index generation on, in the same batch as the change (see `searchMeta`). */
function bumpGeneration(db: Db) {
  return db
    .update(searchMeta)
    .set({ generation: sql`${searchMeta.generation} + 1` })
    .where(eq(searchMeta.id, 1));
}

/** Products without a search document (loaded by SQL, say): what a `missingOnly` rebuild indexes. */
function withoutDocument(db: Db) {
  return notExists(db.select({ one: sql`1` }).from(searchDocuments).where(eq(searchDocuments.productId, products.id)));
}

/** How many products a rebuild would index now (with `missingOnly`, those without a document). */
export async function countProductsToIndex(db: Db, missingOnly: boolean): Promise<number> {
  const [row] = await db
    .select({ n: sql<number>`count(*)` })
    .from(products)
    .where(missingOnly ? withoutDocument(db) : undefined);
  return row?.n ?? 0;
}

/**
 * Re-indexes up to `limit` products after `after` (by id); a rebuild job pages through all.
 * With `missingOnly`, only products without a search document (loaded by SQL, say) are indexed.
 * `last` is the last product id indexed, `next` the same but null when no product is left.
 */
export async function rebuildSearchIndex(
  db: Db,
  now: number,
  after: string | null,
  limit: number,
  missingOnly = false,
) {
  const conditions = [...(after ? [gt(products.id, after)] : []), ...(missingOnly ? [withoutDocument(db)] : [])];
  const rows = await db
    .select({ id: products.id })
    .from(products)
    .where(and(...conditions))
    .orderBy(asc(products.id))
    .limit(limit);
  for (const row of rows) await rebuildSearchDocument(db, row.id, now);
  const last = rows.at(-1)?.id ?? null;
  return { indexed: rows.length, last, next: rows.length === limit ? last : null };
}

export async function rebuildSearchDocument(
  db: Db,
  productId: string,
  now: number,
): Promise<"indexed" | "removed" | "unchanged"> {
  const record = await loadProduct(db, productId);
  if (!record || record.row.status === PRODUCT_STATUS.DELETED) {
    await runBatch(db, [
      db.delete(searchDocuments).where(eq(searchDocuments.productId, productId)),
      ftsDelete(db, productId),
      bumpGeneration(db),
    ]);
    return "removed";
  }
  const { row } = record;
  const category = await db.query.categories.findFirst({ where: eq(categories.id, row.categoryId) });
  const pathIds = (category?.path ?? "").split("/").filter(Boolean).map(Number);
  const [pathRows, brand, tagRows] = await Promise.all([
    readChunks(pathIds, (ids) =>
      db.select({ id: categories.id, name: categories.name }).from(categories).where(inArray(categories.id, ids)),
    ),
    row.brandId === null ? undefined : db.query.brands.findFirst({ where: eq(brands.id, row.brandId) }),
    db
      .select({ name: tags.name })
      .from(productTags)
      .innerJoin(tags, eq(tags.id, productTags.tagId))
      .where(eq(productTags.productId, productId)),
  ]);
  const categoryNames = pathIds.map((id) => pathRows.find((c) => c.id === id)?.name ?? "");
  const attributes: Record<string, string[]> = {};
  const add = (name: string, value: string) => {
    const values = attributes[name] ?? [];
    if (!values.includes(value)) values.push(value);
    attributes[name] = values;
  };
  for (const a of record.basicAttributes) add(a.attributeName, a.value);
  for (const s of record.skus) for (const a of s.salesAttributes) add(a.attributeName, a.value);
  const i18n = [row.nameI18n, row.descriptionI18n].flatMap((j) =>
    j ? Object.values(JSON.parse(j) as Record<string, string>) : [],
  );
  const text = [
    row.name,
    row.description,
    brand?.name ?? "",
    ...categoryNames,
    ...tagRows.map((t) => t.name),
    ...Object.values(attributes).flat(),
    ...record.skus.map((s) => s.row.name),
    ...i18n,
  ]
    .filter(Boolean)
    .join(" ");
  const skuPrices = record.skus.map((s) => effectivePrice(s.prices, now)).filter((p) => p !== null);
  const priceValidUntil = nextPriceBoundary(
    record.skus.flatMap((s) => s.prices),
    now,
  );
  const amounts = skuPrices.map((p) => p.amount);
  const rating = await ratingTotalsOf(db, productId);
  const doc = {
    productId,
    shopId: row.shopId,
    status: row.status,
    categoryId: row.categoryId,
    categoryPath: category?.path ?? `/${row.categoryId}/`,
    brandId: row.brandId,
    name: row.name,
    text,
    attributes: JSON.stringify(attributes),
    minPrice: amounts.length ? Math.min(...amounts) : null,
    maxPrice: amounts.length ? Math.max(...amounts) : null,
    currency: skuPrices[0]?.currency ?? null,
    inStock: record.skus.some((s) => s.stock.available > 0),
    salesCount: row.salesCount,
    ratingCount: rating.count,
    ratingSum: rating.starsSum,
    image: record.images[0] ?? null,
    productVersion: row.version,
    createdAt: row.createdAt,
    indexedAt: now,
    priceValidUntil,
  };
  // Most stock movements change nothing a search shows (only in-stock flips do); leaving the
  // document and the generation alone keeps every cached search valid through checkout traffic.
  const existing = await db.query.searchDocuments.findFirst({ where: eq(searchDocuments.productId, productId) });
  if (
    existing &&
    (Object.keys(doc) as (keyof typeof doc)[]).every((k) => k === "indexedAt" || existing[k] === doc[k])
  ) {
    return "unchanged";
  }
  await runBatch(db, [
    db.insert(searchDocuments).values(doc).onConflictDoUpdate({ target: searchDocuments.productId, set: doc }),
    ftsDelete(db, productId),
    db.insert(searchFts).values({
      productId,
      status: doc.status,
      salesCount: doc.salesCount,
      categoryPath: doc.categoryPath,
      categoryId: doc.categoryId,
      brandId: doc.brandId,
      tokens: documentTokens(text),
    }),
    bumpGeneration(db),
  ]);
  return "indexed";
}

/**
 * Re-indexes up to `limit` products whose prices went out of date by `now` (a promo window
 * opened or closed since they were indexed); the events cron's backstop for the delayed
 * messages. Answers the products re-indexed, each with what it needs to schedule its next boundary.
 */
export async function reindexPastPriceBoundaries(db: Db, now: number, limit = 200) {
  const due = await db
    .select({ productId: searchDocuments.productId })
    .from(searchDocuments)
    .where(lte(searchDocuments.priceValidUntil, now))
    .orderBy(asc(searchDocuments.priceValidUntil))
    .limit(limit);
  for (const { productId } of due) await rebuildSearchDocument(db, productId, now);
  return due.map((d) => d.productId);
}

/** When the product's indexed prices go out of date (ms), or null; with its shop and version. */
export async function indexedPriceWindow(db: Db, productId: string) {
  const doc = await db.query.searchDocuments.findFirst({
    where: eq(searchDocuments.productId, productId),
    columns: { priceValidUntil: true, shopId: true, productVersion: true },
  });
  return doc ? { validUntil: doc.priceValidUntil, shopId: doc.shopId, version: doc.productVersion } : null;
}
