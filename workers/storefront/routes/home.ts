/** The home pages shoppers open first: the platform's and each shop's, edge-cached under their version. */
import { createRoute, z } from "@hono/zod-openapi";
import type { Context, Next } from "hono";
import type { HomeVariantConfig } from "../../../shared/discovery/experiments/definition";
import { type Assignment, exposeInBackground } from "../../../shared/discovery/experiments/serving";
import {
  HOME_TTL_SECONDS,
  type HomeView,
  homeServing,
  homeViewSchema,
  personalizeHome,
  resolveHome,
} from "../../../shared/discovery/home";
import { type HomePageRef, homeKeyParts } from "../../../shared/discovery/home-pages-repo";
import { orderStoreOf } from "../../../shared/orders/order-store";
import type { AppEnv } from "../../../shared/platform/app-env";
import { callerOf } from "../../../shared/platform/caller";
import { dbOf } from "../../../shared/platform/db";
import { edgeCache } from "../../../shared/platform/edge-cache";
import { AppError } from "../../../shared/platform/errors";
import { errorResponses, jsonResponse } from "../../../shared/platform/openapi";
import { requestDb } from "../../../shared/platform/request-db";
import { canAccessShop } from "../../../shared/platform/shop-access";
import { isSwitchedOn } from "../../../shared/platform/switches/guard";
import type { StorefrontApp, StorefrontBindings } from "../app";
import { homeViewExample } from "../discovery-examples";

const previewQuery = z.object({
  preview: z
    .enum(["draft"])
    .optional()
    .describe("`draft`: the unpublished draft instead (operators; a shop's page also its seller), never cached"),
});

const DESCRIPTION =
  "The published modules live at this instant (each module may have a window: shown from `startsAt`, hidden from " +
  "`endsAt`), with their items resolved: banners, category shortcuts, and product rails showing only products on " +
  "shelf with their current price range and availability (a rule rail picks best sellers, new arrivals or products " +
  "on promotion). A `flash_sale` module has no items until flash sales exist. A `for_you` module shows best " +
  "sellers to guests and the signed-in shopper's own picks (from their cart, orders and views) to them. Served from the edge cache under a key " +
  "naming the published version, the schedule and the search index generation, so a publish or an edit in a rail is " +
  "never served stale. No login needed. While an operators' home experiment runs, the platform's page is the " +
  "caller's variant (a shopper by account, a guest by `X-Cart-Token`), cached per variant.";

const routes = {
  platform: createRoute({
    method: "get",
    path: "/v1/home",
    tags: ["discovery"],
    summary: "The platform's home page: scheduled banners, categories and product rails",
    description: DESCRIPTION,
    request: { query: previewQuery },
    responses: {
      200: jsonResponse(homeViewSchema.openapi("HomePage"), "The page", homeViewExample),
      ...errorResponses(400, 401, 403),
    },
  }),
  shop: createRoute({
    method: "get",
    path: "/v1/shops/{shopId}/home",
    tags: ["discovery"],
    summary: "A shop's page: the modules its seller composed, with the shop's products only",
    description: `${DESCRIPTION} Rails show the shop's own products only. An unknown shop is 404.`,
    request: {
      params: z.object({ shopId: z.string().min(1).max(64).openapi({ example: "shp_00000000000000000000000001" }) }),
      query: previewQuery,
    },
    responses: {
      200: jsonResponse(homeViewSchema, "The page", homeViewExample),
      ...errorResponses(400, 401, 403, 404),
    },
  }),
};

type StorefrontContext = Context<AppEnv<StorefrontBindings>>;

function pageOf(c: StorefrontContext): HomePageRef {
  const shopId = c.req.param("shopId");
  return shopId ? { scope: "shop", shopId } : { scope: "platform" };
}

/** A preview is its editors' only: operators, and a shop's own seller for the shop's page. */
function assertMayPreview(c: StorefrontContext, page: HomePageRef): void {
  const caller = callerOf(c);
  const allowed = page.scope === "platform" ? caller.roles.includes("operator") : canAccessShop(caller, page.shopId);
  if (!allowed) throw new AppError("forbidden", { detail: "Only the page's editors may preview its draft" });
}

/** The caller's home-experiment variant, found while computing the cache key, for the handler on a miss. */
const assignments = new WeakMap<Request, Assignment>();

function variantOf(c: StorefrontContext): HomeVariantConfig | undefined {
  return assignments.get(c.req.raw)?.variant.config as HomeVariantConfig | undefined;
}

/**
 * Published pages through the edge cache, one copy per experiment variant; serving a variant
 * (hit or miss) records the caller's exposure off the request's path. Previews bypass the cache
 * (a draft is never cached) and the experiment.
 */
function homeCache() {
  const cached = edgeCache<StorefrontBindings>(async (c) => {
    const now = c.var.clock.now();
    const who = { userId: c.var.caller?.userId, cartToken: c.req.header("x-cart-token") };
    const page = pageOf(c);
    // The key's parts, read for this request (so after it arrived: never staler than the page).
    const parts = await homeKeyParts(requestDb(c), page, now);
    const { key, assignment } = homeServing(parts, page, now, who);
    if (assignment) {
      assignments.set(c.req.raw, assignment);
      c.executionCtx.waitUntil(exposeInBackground(dbOf(c.env.DB), assignment, now, c.var.log));
    }
    return key;
  }, HOME_TTL_SECONDS);
  return (c: StorefrontContext, next: Next) => (c.req.query("preview") ? next() : cached(c, next));
}

/**
 * Outside the cache: a signed-in shopper's answer gets its `for_you` modules refilled with their
 * own picks (while the recommendations switch is on), as a private copy the cache never stores.
 */
function personalized() {
  return async (c: StorefrontContext, next: Next) => {
    await next();
    const userId = c.var.caller?.userId;
    if (!userId || c.res.status !== 200 || c.req.query("preview")) return;
    const view = (await c.res.clone().json()) as HomeView;
    if (!view.modules.some((m) => m.kind === "for_you") || !(await isSwitchedOn(c, "recommendations"))) return;
    const mine = await personalizeHome(requestDb(c), orderStoreOf(c.env, c.var.clock), view, userId, pageOf(c));
    const headers = new Headers(c.res.headers);
    headers.set("cache-control", "private, no-store");
    headers.delete("content-length");
    // Unset first: Hono's setter would otherwise copy the shared answer's headers back over these.
    c.res = undefined;
    c.res = new Response(JSON.stringify(mine), { status: 200, headers });
  };
}

export function registerHomeRoutes(app: StorefrontApp): void {
  app.use("/v1/home", personalized(), homeCache());
  app.use("/v1/shops/:shopId/home", personalized(), homeCache());

  app.openapi(routes.platform, async (c) => {
    const page: HomePageRef = { scope: "platform" };
    const preview = c.req.valid("query").preview === "draft";
    if (preview) assertMayPreview(c, page);
    const view = preview
      ? await resolveHome(requestDb(c), page, c.var.clock.now(), "draft")
      : await resolveHome(requestDb(c), page, c.var.clock.now(), "published", variantOf(c));
    return c.json(view, 200);
  });

  app.openapi(routes.shop, async (c) => {
    const page: HomePageRef = { scope: "shop", shopId: c.req.valid("param").shopId };
    const preview = c.req.valid("query").preview === "draft";
    const db = requestDb(c);
    if (preview) {
      assertMayPreview(c, page);
      // The cache key's lookup answers 404 for an unknown shop; a preview checks it itself.
      const now = c.var.clock.now();
      homeServing(await homeKeyParts(db, page, now), page, now);
    }
    return c.json(await resolveHome(db, page, c.var.clock.now(), preview ? "draft" : "published"), 200);
  });
}
