/** The home_pages table: a page's draft and published modules, with compare-and-set on the draft version. */
import { and, eq, sql } from "drizzle-orm";
import { homePages } from "../../db/schema";
import type { Db } from "../platform/db";
import type { Variant } from "./experiments/definition";
import { flashSaleKeyPart } from "./flash-sale-slot";
import type { HomeModule } from "./home-modules";

/** Which page: the platform's, or one shop's. */
export type HomePageRef = { scope: "platform" } | { scope: "shop"; shopId: string };

export function pageIdOf(page: HomePageRef): string {
  return page.scope === "platform" ? "platform" : `shop:${page.shopId}`;
}

export interface HomePageRow {
  draft: HomeModule[];
  draftVersion: number;
  published: HomeModule[] | null;
  publishedVersion: number;
  publishedAt: number | null;
  updatedAt: number;
}

export async function loadHomePage(db: Db, page: HomePageRef): Promise<HomePageRow | null> {
  const row = await db.query.homePages.findFirst({ where: eq(homePages.pageId, pageIdOf(page)) });
  if (!row) return null;
  return {
    draft: JSON.parse(row.draft) as HomeModule[],
    draftVersion: row.draftVersion,
    published: row.published === null ? null : (JSON.parse(row.published) as HomeModule[]),
    publishedVersion: row.publishedVersion,
    publishedAt: row.publishedAt,
    updatedAt: row.updatedAt,
  };
}

/** Writes the first draft of a page; false when another writer created it first. */
export async function insertDraft(db: Db, page: HomePageRef, modules: HomeModule[], actor: string, now: number) {
  const rows = await db
    .insert(homePages)
    .values({
      pageId: pageIdOf(page),
      shopId: page.scope === "shop" ? page.shopId : null,
      draft: JSON.stringify(modules),
      updatedAt: now,
      updatedBy: actor,
    })
    .onConflictDoNothing()
    .returning({ pageId: homePages.pageId });
  return rows.length === 1;
}

/** Replaces the draft if it is still at `expected`; false when someone else moved it. */
export async function updateDraft(
  db: Db,
  page: HomePageRef,
  expected: number,
  modules: HomeModule[],
  actor: string,
  now: number,
) {
  const rows = await db
    .update(homePages)
    .set({
      draft: JSON.stringify(modules),
      draftVersion: sql`${homePages.draftVersion} + 1`,
      updatedAt: now,
      updatedBy: actor,
    })
    .where(and(eq(homePages.pageId, pageIdOf(page)), eq(homePages.draftVersion, expected)))
    .returning({ pageId: homePages.pageId });
  return rows.length === 1;
}

/**
 * Publishes the draft as it stood at `draftVersion` (copied in SQL, so what goes live is exactly
 * that version) with its schedule boundaries; answers the new published version, or null when
 * the draft moved meanwhile.
 */
export async function publishDraft(
  db: Db,
  page: HomePageRef,
  draftVersion: number,
  boundaries: number[],
  actor: string,
  now: number,
): Promise<number | null> {
  const rows = await db
    .update(homePages)
    .set({
      published: sql`${homePages.draft}`,
      publishedVersion: sql`${homePages.publishedVersion} + 1`,
      boundaries: JSON.stringify(boundaries),
      publishedAt: now,
      publishedBy: actor,
    })
    .where(and(eq(homePages.pageId, pageIdOf(page)), eq(homePages.draftVersion, draftVersion)))
    .returning({ version: homePages.publishedVersion });
  return rows[0]?.version ?? null;
}

/** A column of the running home experiment (the platform's page only: experiments are operators'). */
function experimentColumn(column: "id" | "variants", shopId: string | null) {
  if (shopId !== null) return sql`NULL`;
  return sql`(SELECT ${sql.raw(column)} FROM experiments WHERE target = 'home' AND status = 'running' LIMIT 1)`;
}

/**
 * What the storefront's cache key needs, in one statement: the published version, its schedule
 * boundaries, the search index generation (rails show prices and stock from it), for a shop
 * page whether the shop exists, and for the platform's the running home experiment.
 */
export async function homeKeyParts(db: Db, page: HomePageRef, now: number) {
  const pageId = pageIdOf(page);
  const shopId = page.scope === "shop" ? page.shopId : null;
  const [row] = await db.all<{
    version: number | null;
    boundaries: string | null;
    generation: number | null;
    shop: number;
    experiment_id: string | null;
    experiment_variants: string | null;
    flash_sales: string | null;
  }>(sql`
    SELECT (SELECT published_version FROM home_pages WHERE page_id = ${pageId}) AS version,
           (SELECT boundaries FROM home_pages WHERE page_id = ${pageId}) AS boundaries,
           (SELECT generation FROM search_meta WHERE id = 1) AS generation,
           ${shopId === null ? sql`1` : sql`EXISTS (SELECT 1 FROM shops WHERE id = ${shopId})`} AS shop,
           ${experimentColumn("id", shopId)} AS experiment_id,
           ${experimentColumn("variants", shopId)} AS experiment_variants,
           ${flashSaleKeyPart(now, shopId)} AS flash_sales`);
  return {
    version: row?.version ?? 0,
    boundaries: JSON.parse(row?.boundaries ?? "[]") as number[],
    generation: row?.generation ?? 0,
    shopExists: row?.shop === 1,
    flashSales: row?.flash_sales ?? "0",
    experiment:
      row?.experiment_id && row.experiment_variants
        ? { id: row.experiment_id, variants: JSON.parse(row.experiment_variants) as Variant[] }
        : null,
  };
}
