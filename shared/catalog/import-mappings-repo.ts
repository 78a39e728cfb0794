/**
 * The one module that reads and writes `import_category_mappings`: a shop's whole mapping is
 * replaced in one batch (delete, then the new entries), and imports look entries up by key.
 */
import { and, asc, eq, inArray, or } from "drizzle-orm";
import { importCategoryMappings } from "../../db/schema";
import { inChunks } from "../platform/d1-chunks";
import { type Db, runBatch } from "../platform/db";

export type CategoryMappingRow = typeof importCategoryMappings.$inferSelect;

/** A shop's mapping entries in the order the seller gave them. */
export async function categoryMappingRows(db: Db, shopId: string): Promise<CategoryMappingRow[]> {
  return db
    .select()
    .from(importCategoryMappings)
    .where(eq(importCategoryMappings.shopId, shopId))
    .orderBy(asc(importCategoryMappings.position));
}

/** Replaces a shop's whole mapping with `rows`, atomically. */
export async function replaceCategoryMappingRows(db: Db, shopId: string, rows: readonly CategoryMappingRow[]) {
  await runBatch(db, [
    db.delete(importCategoryMappings).where(eq(importCategoryMappings.shopId, shopId)),
    ...inChunks(rows, (chunk) => db.insert(importCategoryMappings).values(chunk)),
  ]);
}

/** The entries of a shop matching a Type key or any of some Product Category keys. */
export async function matchingCategoryMappings(
  db: Db,
  shopId: string,
  keys: { type: string | null; productCategories: readonly string[] },
): Promise<CategoryMappingRow[]> {
  const t = importCategoryMappings;
  const wanted = [
    ...(keys.type ? [and(eq(t.source, "type"), eq(t.matchKey, keys.type))] : []),
    ...(keys.productCategories.length
      ? [and(eq(t.source, "product_category"), inArray(t.matchKey, [...keys.productCategories]))]
      : []),
  ];
  if (wanted.length === 0) return [];
  return db
    .select()
    .from(t)
    .where(and(eq(t.shopId, shopId), or(...wanted)));
}
