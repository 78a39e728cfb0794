/**
 * The sitemap of products on shelf: one `<urlset>` while they fit in one file, else a
 * `<sitemapindex>` of files of at most `perFile` URLs (the protocol's 50,000 by default).
 */
import { onShelfCount, onShelfPage } from "../catalog/sitemap-entries";
import type { Db } from "../platform/db";
import { AppError } from "../platform/errors";
import { SITEMAP_MAX_URLS, sitemapIndexXml, urlsetXml } from "./seo";

/** `/sitemap.xml`: every product page, or the index of the files they are split into. */
export async function sitemapRoot(db: Db, origin: string, perFile = SITEMAP_MAX_URLS): Promise<string> {
  const count = await onShelfCount(db);
  if (count <= perFile) return urlsetXml(origin, await onShelfPage(db, 0, perFile));
  return sitemapIndexXml(origin, Math.ceil(count / perFile));
}

/** File `n` (from 1) of the split sitemap; a file past the last is a 404. */
export async function sitemapFile(db: Db, origin: string, n: number, perFile = SITEMAP_MAX_URLS): Promise<string> {
  const count = await onShelfCount(db);
  if (n < 1 || (n - 1) * perFile >= Math.max(count, 1)) {
    throw new AppError("not_found", { detail: `No sitemap file ${n}` });
  }
  return urlsetXml(origin, await onShelfPage(db, (n - 1) * perFile, perFile));
}
