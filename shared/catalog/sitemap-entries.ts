/** The catalog's read model for sitemaps: products on shelf, by id, with when their document last changed. */
import { sql } from "drizzle-orm";
import type { Db } from "../platform/db";
import { PRODUCT_STATUS } from "./lifecycle";

export interface SitemapEntry {
  productId: string;
  name: string;
  /** When the product's search document last changed (ms). */
  changedAt: number;
}

/** How many products are on shelf. */
export async function onShelfCount(db: Db): Promise<number> {
  const [row] = await db.all<{ n: number }>(
    sql`SELECT count(*) AS n FROM search_documents WHERE status = ${PRODUCT_STATUS.ON_SHELF}`,
  );
  return row?.n ?? 0;
}

/** One page of the products on shelf, in id order. */
export async function onShelfPage(db: Db, offset: number, limit: number): Promise<SitemapEntry[]> {
  const rows = await db.all<{ product_id: string; name: string; indexed_at: number }>(sql`
    SELECT product_id, name, indexed_at FROM search_documents
     WHERE status = ${PRODUCT_STATUS.ON_SHELF} ORDER BY product_id LIMIT ${limit} OFFSET ${offset}`);
  return rows.map((r) => ({ productId: r.product_id, name: r.name, changedAt: r.indexed_at }));
}
