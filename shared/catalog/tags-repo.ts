/**
 * The statements that tag products (`tags`, `product_tags`). Tags are shared names: a name is
 * stored once and a product is linked to it; adding a tag a product has already is a no-op, so
 * the statements can run again (a redelivered import) without effect.
 */
import { inArray, sql } from "drizzle-orm";
import { productTags, tags } from "../../db/schema";
import { chunkList, inChunks } from "../platform/d1-chunks";
import type { Db } from "../platform/db";

/** Links `names` to the product, creating the names that do not exist; safe to repeat. */
export function addProductTagStatements(db: Db, productId: string, names: readonly string[]) {
  if (names.length === 0) return [];
  return [
    ...inChunks(
      names.map((name) => ({ name })),
      (chunk) => db.insert(tags).values(chunk).onConflictDoNothing(),
    ),
    ...chunkList(names, 90).map((chunk) =>
      db
        .insert(productTags)
        .select(
          db
            .select({ productId: sql<string>`${productId}`.as("product_id"), tagId: tags.id })
            .from(tags)
            .where(inArray(tags.name, chunk)),
        )
        .onConflictDoNothing(),
    ),
  ];
}
