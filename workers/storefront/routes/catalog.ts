/** The public catalog: category tree, search, product detail (edge-cached, never stale after an edit). */
import { createRoute, z } from "@hono/zod-openapi";
import {
  attributeFilters,
  FACET_SAMPLE,
  searchGeneration,
  searchProducts,
  searchQuerySchema,
  searchResultSchema,
} from "../../../shared/catalog/search";
import {
  DETAIL_TTL_SECONDS,
  detailRevision,
  productDetail,
  productDetailSchema,
} from "../../../shared/catalog/storefront-product";
import { categoryTree, categoryTreeSchema } from "../../../shared/catalog/structure";
import { recordProductView } from "../../../shared/discovery/product-views";
import { dbOf } from "../../../shared/platform/db";
import { edgeCache } from "../../../shared/platform/edge-cache";
import { errorResponses, jsonResponse } from "../../../shared/platform/openapi";
import { requestDb } from "../../../shared/platform/request-db";
import { isSwitchedOn } from "../../../shared/platform/switches/guard";
import type { StorefrontApp } from "../app";
import { DEMO_PRODUCT_ID } from "../docs-intro";
import { categoryTreeExample, productDetailExample, searchResultExample } from "../examples";

/** Cached results are exact (the key carries the index generation); the TTL only bounds storage. */
const SEARCH_TTL_SECONDS = 300;

const routes = {
  categories: createRoute({
    method: "get",
    path: "/v1/categories",
    tags: ["catalog"],
    summary: "The category tree",
    description:
      "Every category with its children; `kind` is `physical` or `virtual` (virtual goods, such as top-ups, need " +
      "no address). Use an `id` as `categoryId` in a search.",
    responses: {
      200: jsonResponse(categoryTreeSchema, "Categories", categoryTreeExample),
      ...errorResponses(500),
    },
  }),
  search: createRoute({
    method: "get",
    path: "/v1/products",
    tags: ["catalog"],
    summary:
      "Search products on shelf: full text (Chinese and English), filters (also attr.<name>=<value>), facets, sorts",
    description:
      "Full text over name, description, brand, category path, tags and attribute values (Chinese works without " +
      "spaces: `T恤` finds `经典圆领男士T恤`), filtered by `categoryId`, `brandId`, price range (minor units), " +
      "`inStock` and `attr.<name>=<value>` (e.g. `attr.颜色=白色`), sorted by relevance, price, sales or newest. " +
      "Only products on shelf; listed prices follow promo windows. Brand and category facets (the 50 largest of " +
      "each) are exact counts for a browse by `categoryId` and/or `brandId` alone (kept precomputed); a search " +
      `with \`q\`, a price range, \`inStock\` or \`attr.*\` counts its first ${FACET_SAMPLE} matches in index order, ` +
      `so its facets are exact up to ${FACET_SAMPLE} matches and a sample beyond ` +
      "(while operators have the `search.facets` switch off, facets answer empty with `X-Degraded: search.facets`). " +
      "Results are cached at the edge and never stale after an edit. No login needed.",
    request: { query: searchQuerySchema },
    responses: {
      200: jsonResponse(searchResultSchema.openapi("SearchResult"), "A page of products", searchResultExample),
      ...errorResponses(400),
    },
  }),
  detail: createRoute({
    method: "get",
    path: "/v1/products/{productId}",
    tags: ["catalog"],
    summary: "A product with its SKUs, effective prices and availability",
    description:
      "A product on shelf with its basic attributes and SKUs: each with its sales attributes, the price in effect now " +
      "and the units available. Served from the edge cache under a key naming the product's current version and " +
      "price, so an edit is never served stale. A product not on sale is 404.",
    request: {
      params: z.object({ productId: z.string().min(1).max(64).openapi({ example: DEMO_PRODUCT_ID }) }),
    },
    responses: {
      200: jsonResponse(productDetailSchema.openapi("ProductDetail"), "The product", productDetailExample),
      ...errorResponses(404),
    },
  }),
};

export function registerCatalogRoutes(app: StorefrontApp): void {
  app.openapi(routes.categories, async (c) => {
    const tree: z.infer<typeof categoryTreeSchema> = await categoryTree(requestDb(c));
    return c.json(tree, 200);
  });

  // Search results go through the Cache API too, keyed by the normalized query and the index
  // generation (bumped with every indexed change): repeated searches skip D1, and a change to the
  // index makes new keys at once.
  app.use(
    "/v1/products",
    edgeCache(async (c) => {
      const url = new URL(c.req.url);
      url.searchParams.sort();
      const facets = (await isSwitchedOn(c, "search.facets")) ? "" : "&degraded=search.facets";
      return `v1/products?${url.searchParams}${facets}@${await searchGeneration(requestDb(c))}`;
    }, SEARCH_TTL_SECONDS),
  );

  app.openapi(routes.search, async (c) => {
    const url = new URL(c.req.url);
    const facets = await isSwitchedOn(c, "search.facets");
    if (!facets) c.header("X-Degraded", "search.facets");
    const query = { ...c.req.valid("query"), attributes: attributeFilters(url.searchParams) };
    return c.json(await searchProducts(requestDb(c), query, { facets }), 200);
  });

  // A signed-in shopper's view is counted for "for you" (off the request's path, before the cache
  // so hits count too).
  app.use("/v1/products/:productId", async (c, next) => {
    await next();
    const userId = c.var.caller?.userId;
    const productId = c.req.param("productId");
    if (userId && productId && c.req.method === "GET" && c.res.status === 200) {
      const view = { userId, productId, now: c.var.clock.now() };
      c.executionCtx.waitUntil(recordProductView(dbOf(c.env.DB), view, c.var.log));
    }
  });
  // The detail goes through the Workers Cache API. The key names the product's current revision,
  // read from D1 first (for this request), so an edit or a price change makes a new key and is
  // never served stale.
  app.use(
    "/v1/products/:productId",
    edgeCache(async (c) => {
      const productId = c.req.param("productId") ?? "";
      const revision = await detailRevision(requestDb(c), productId);
      return `v1/products/${productId}@${revision}`;
    }, DETAIL_TTL_SECONDS),
  );
  app.openapi(routes.detail, async (c) =>
    c.json(await productDetail(requestDb(c), c.req.valid("param").productId, c.var.clock.now()), 200),
  );
}
