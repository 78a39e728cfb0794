/** The public catalog: category tree, search, product detail (edge-cached, never stale after an edit). */
import { createRoute, z } from "@hono/zod-openapi";
import {
  attributeFilters,
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
import { edgeCache } from "../../../shared/platform/edge-cache";
import { errorResponses, jsonResponse } from "../../../shared/platform/openapi";
import { requestDb } from "../../../shared/platform/request-db";
import type { StorefrontApp } from "../app";

/** Cached results are exact (the key carries the index generation); the TTL only bounds storage. */
const SEARCH_TTL_SECONDS = 300;

const routes = {
  categories: createRoute({
    method: "get",
    path: "/v1/categories",
    tags: ["catalog"],
    summary: "The category tree",
    responses: { 200: jsonResponse(categoryTreeSchema, "Categories"), ...errorResponses(500) },
  }),
  search: createRoute({
    method: "get",
    path: "/v1/products",
    tags: ["catalog"],
    summary:
      "Search products on shelf: full text (Chinese and English), filters (also attr.<name>=<value>), facets, sorts",
    request: { query: searchQuerySchema },
    responses: {
      200: jsonResponse(searchResultSchema.openapi("SearchResult"), "A page of products"),
      ...errorResponses(400),
    },
  }),
  detail: createRoute({
    method: "get",
    path: "/v1/products/{productId}",
    tags: ["catalog"],
    summary: "A product with its SKUs, effective prices and availability",
    request: { params: z.object({ productId: z.string().min(1).max(64) }) },
    responses: {
      200: jsonResponse(productDetailSchema.openapi("ProductDetail"), "The product"),
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
      return `v1/products?${url.searchParams}@${await searchGeneration(requestDb(c))}`;
    }, SEARCH_TTL_SECONDS),
  );

  app.openapi(routes.search, async (c) => {
    const url = new URL(c.req.url);
    return c.json(
      await searchProducts(requestDb(c), { ...c.req.valid("query"), attributes: attributeFilters(url.searchParams) }),
      200,
    );
  });

  // The detail goes through the Workers Cache API. The key names the product's current revision,
  // read from D1 first, so an edit or a price change makes a new key and is never served stale.
  app.use(
    "/v1/products/:productId",
    edgeCache(async (c) => {
      const productId = c.req.param("productId") ?? "";
      return `v1/products/${productId}@${await detailRevision(requestDb(c), productId)}`;
    }, DETAIL_TTL_SECONDS),
  );
  app.openapi(routes.detail, async (c) =>
    c.json(await productDetail(requestDb(c), c.req.valid("param").productId, c.var.clock.now()), 200),
  );
}
