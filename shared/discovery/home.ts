/**
 * The home pages (首页运营 for operators and sellers, 首页获取 for the app): compose a draft,
 * preview it, publish it; the storefront answers the published modules live at that instant with
 * their products resolved (on shelf only, current prices and availability). The storefront caches
 * the answer at the edge under `homeCacheKey`: the published version (a publish makes a new key,
 * so an edit is never served stale after it), how many schedule boundaries have passed (a module
 * appears and disappears on time), the search generation (a price, stock or shelf change in a
 * rail makes a new key too) and the open flash-sale campaigns' state (flash-sale-slot.ts).
 */
import { z } from "zod";
import { categoryShortcuts, railByIds, railByRule, railItemSchema } from "../catalog/rails";
import type { OrderStore } from "../orders/order-store";
import type { Db } from "../platform/db";
import { AppError } from "../platform/errors";
import { unitOf } from "./experiments/assignment";
import type { HomeVariantConfig } from "./experiments/definition";
import { type Assignment, assignmentIn } from "./experiments/serving";
import { flashSaleItemSchema, flashSaleSlot } from "./flash-sale-slot";
import { forYou } from "./for-you";
import {
  DEFAULT_RAIL_SIZE,
  type HomeDraftBody,
  type HomeModule,
  isLive,
  MODULE_KINDS,
  passedBoundaries,
  scheduleBoundaries,
  withModuleIds,
} from "./home-modules";
import {
  type HomePageRef,
  type homeKeyParts,
  insertDraft,
  loadHomePage,
  publishDraft,
  updateDraft,
} from "./home-pages-repo";

/** Cached pages are exact (the key names everything they show); the TTL only bounds storage. */
export const HOME_TTL_SECONDS = 300;

const bannerItem = z.object({ image: z.string(), link: z.string(), alt: z.string().nullable() });
const categoryItem = z.object({ categoryId: z.number().int(), name: z.string() });

export const homeViewSchema = z.object({
  version: z.number().int().describe("The published version (0 before the first publish; the draft's in a preview)"),
  modules: z.array(
    z.object({
      moduleId: z.string(),
      kind: z.enum(MODULE_KINDS),
      title: z.string(),
      startsAt: z.string().nullable(),
      endsAt: z.string().nullable(),
      items: z.array(z.union([railItemSchema, bannerItem, categoryItem, flashSaleItemSchema])),
    }),
  ),
});
export type HomeView = z.infer<typeof homeViewSchema>;

const storedModule = z.object({}).passthrough();
export const homeAdminViewSchema = z.object({
  draft: z.object({ version: z.number().int(), modules: z.array(storedModule), updatedAt: z.string().nullable() }),
  published: z
    .object({ version: z.number().int(), modules: z.array(storedModule), publishedAt: z.string() })
    .nullable(),
});
export type HomeAdminView = z.infer<typeof homeAdminViewSchema>;

const iso = (ms: number | null) => (ms === null ? null : new Date(ms).toISOString());

/** The page as its editors see it: the draft and what is live. */
export async function homeAdminView(db: Db, page: HomePageRef): Promise<HomeAdminView> {
  const row = await loadHomePage(db, page);
  if (!row) return { draft: { version: 0, modules: [], updatedAt: null }, published: null };
  return {
    draft: { version: row.draftVersion, modules: row.draft, updatedAt: iso(row.updatedAt) },
    published:
      row.published === null || row.publishedAt === null
        ? null
        : {
            version: row.publishedVersion,
            modules: row.published,
            publishedAt: new Date(row.publishedAt).toISOString(),
          },
  };
}

function staleDraft(current: number | undefined): AppError {
  return new AppError("version_conflict", {
    detail: "The home page's draft was changed since you read it; read it again and reapply your edit",
    extensions: { currentVersion: current ?? 0 },
  });
}

/** Replaces the page's draft (checked against `version` when given); nothing goes live until publish. */
export async function saveHomeDraft(
  db: Db,
  page: HomePageRef,
  body: HomeDraftBody,
  actor: string,
  now: number,
): Promise<HomeAdminView> {
  const modules = withModuleIds(body.modules, now);
  const row = await loadHomePage(db, page);
  if (body.version !== undefined && body.version !== (row?.draftVersion ?? 0)) throw staleDraft(row?.draftVersion);
  const saved = row
    ? await updateDraft(db, page, row.draftVersion, modules, actor, now)
    : await insertDraft(db, page, modules, actor, now);
  if (!saved) throw staleDraft((await loadHomePage(db, page))?.draftVersion);
  return homeAdminView(db, page);
}

/** Makes the draft live: the storefront serves it from the next request on (a new cache key). */
export async function publishHome(db: Db, page: HomePageRef, actor: string, now: number) {
  const row = await loadHomePage(db, page);
  if (!row) throw new AppError("not_found", { detail: "The home page has no draft to publish" });
  const version = await publishDraft(db, page, row.draftVersion, scheduleBoundaries(row.draft), actor, now);
  if (version === null) throw staleDraft((await loadHomePage(db, page))?.draftVersion);
  return { version, draftVersion: row.draftVersion, publishedAt: new Date(now).toISOString() };
}

/**
 * The edge-cache key of the page's published answer at `now` for this caller, from the key's
 * parts (`homeKeyParts`, read at or after `now`), and the caller's variant of the running home
 * experiment (its name is in the key: each variant is cached apart, a handful of copies rather
 * than one per shopper). A shop that does not exist is a 404.
 */
export function homeServing(
  parts: Awaited<ReturnType<typeof homeKeyParts>>,
  page: HomePageRef,
  now: number,
  who: { userId?: string; cartToken?: string } = {},
): { key: string; assignment: Assignment | null } {
  if (!parts.shopExists) throw new AppError("not_found", { detail: "No such shop" });
  const unit = unitOf(who);
  const assignment = parts.experiment && unit ? assignmentIn(parts.experiment, unit) : null;
  const name = page.scope === "platform" ? "platform" : `shop/${page.shopId}`;
  const variant = assignment ? `/${assignment.experimentId}=${assignment.variant.name}` : "";
  const key = `v1/home/${name}@${parts.version}.${passedBoundaries(parts.boundaries, now)}.${parts.generation}.f${parts.flashSales}${variant}`;
  return { key, assignment };
}

/** The published modules as a home variant changes them: one module hidden, retitled or re-sourced. */
function withVariant(modules: HomeModule[], config: HomeVariantConfig | undefined): HomeModule[] {
  if (!config?.moduleId) return modules;
  return modules.flatMap((m): HomeModule[] => {
    if (m.moduleId !== config.moduleId) return [m];
    if (config.hide) return [];
    const title = config.title ?? m.title;
    return [m.kind === "products" && config.source ? { ...m, title, source: config.source } : { ...m, title }];
  });
}

async function itemsOf(db: Db, module: HomeModule, now: number, shopId: string | undefined) {
  switch (module.kind) {
    case "banner":
      return module.banners.map((b) => ({ image: b.image, link: b.link, alt: b.alt ?? null }));
    case "categories":
      return categoryShortcuts(db, module.categoryIds);
    case "products":
      return "productIds" in module.source
        ? railByIds(db, module.source.productIds, shopId)
        : railByRule(
            db,
            {
              rule: module.source.rule,
              categoryId: module.source.categoryId,
              limit: module.source.limit ?? DEFAULT_RAIL_SIZE,
            },
            now,
            shopId,
          );
    case "for_you":
      // The shared (cached) page's filling; personalizeHome refills it for a signed-in shopper.
      return railByRule(db, { rule: "best_sellers", limit: module.limit ?? DEFAULT_RAIL_SIZE }, now, shopId);
    case "flash_sale":
      return flashSaleSlot(db, module, now, shopId);
  }
}

/**
 * The page shoppers see at `now`: the published modules (or, for a preview, the draft) live at
 * that instant, as the caller's experiment variant changes them, each with its items resolved.
 * A shop's rails show only that shop's products.
 */
export async function resolveHome(
  db: Db,
  page: HomePageRef,
  now: number,
  which: "published" | "draft" = "published",
  variant?: HomeVariantConfig,
): Promise<HomeView> {
  const row = await loadHomePage(db, page);
  const modules = withVariant((which === "draft" ? row?.draft : row?.published) ?? [], variant);
  const shopId = page.scope === "shop" ? page.shopId : undefined;
  const live = modules.filter((m) => isLive(m, now));
  const items = await Promise.all(live.map((m) => itemsOf(db, m, now, shopId)));
  return {
    version: (which === "draft" ? row?.draftVersion : row?.publishedVersion) ?? 0,
    modules: live.map((m, i) => ({
      moduleId: m.moduleId,
      kind: m.kind,
      title: m.title,
      startsAt: m.startsAt ?? null,
      endsAt: m.endsAt ?? null,
      items: items[i] ?? [],
    })),
  };
}

/**
 * A signed-in shopper's copy of a served page: each `for_you` module's items become their own
 * picks (topped up with the page's best sellers when the history is short). The shared page stays
 * cached as it is; only this copy is personal. Without a for_you module nothing is read.
 */
export async function personalizeHome(
  db: Db,
  orders: OrderStore,
  view: HomeView,
  userId: string,
  page: HomePageRef,
): Promise<HomeView> {
  const modules = await Promise.all(
    view.modules.map(async (m) => {
      if (m.kind !== "for_you") return m;
      const limit = m.items.length || DEFAULT_RAIL_SIZE;
      const shopId = page.scope === "shop" ? page.shopId : undefined;
      const mine = await forYou(db, orders, { userId, limit, shopId });
      const picked = new Set(mine.map((i) => i.productId));
      const fill = m.items.filter((i) => "productId" in i && !picked.has(i.productId));
      return { ...m, items: [...mine, ...fill].slice(0, limit) };
    }),
  );
  return { ...view, modules };
}
