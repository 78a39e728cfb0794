/** Products, SKUs, prices, stock and lifecycle for sellers (their shop) and operators. */
import { createRoute, z } from "@hono/zod-openapi";
import { addSkuBody, updateProductBody, updateSkuBody } from "../../../shared/catalog/content-changes";
import { createProduct } from "../../../shared/catalog/create-product";
import { addSku, updateProduct, updateSku } from "../../../shared/catalog/edit-product";
import { snapshotSchema } from "../../../shared/catalog/history";
import {
  LIFECYCLE_ACTIONS,
  type LifecycleAction,
  PRODUCT_STATUS,
  type ProductStatusName,
} from "../../../shared/catalog/lifecycle";
import { listProducts, productSummarySchema } from "../../../shared/catalog/list-products";
import { productInput } from "../../../shared/catalog/product-input";
import { changeStatus } from "../../../shared/catalog/product-status";
import {
  adminProductSchema,
  getProduct,
  listProductSnapshots,
  priceRowSchema,
} from "../../../shared/catalog/product-views";
import { replacePrices, replacePricesBody } from "../../../shared/catalog/replace-prices";
import { adjustStock, adjustStockBody, getStock, stockViewResponse } from "../../../shared/inventory/stock-intake";
import { callerOf, requireRole, requireScope } from "../../../shared/platform/caller";
import { moneySchema } from "../../../shared/platform/money";
import { errorResponses, idempotencyHeaders, jsonBody, jsonResponse } from "../../../shared/platform/openapi";
import { requestDb } from "../../../shared/platform/request-db";
import { shopFilterFor } from "../../../shared/platform/shop-access";
import { listQuerySchema } from "../../../shared/platform/validation";
import type { AdminApp } from "../app";
import { catalogDeps } from "../deps";

const secured = { security: [{ bearer: [] }] };
const read = {
  ...secured,
  tags: ["products"],
  middleware: [requireRole("seller", "operator"), requireScope("catalog:read")],
};
const write = {
  ...secured,
  tags: ["products"],
  middleware: [requireRole("seller", "operator"), requireScope("catalog:write")],
};
const productParams = z.object({ productId: z.string().min(1).max(64) });
const skuParams = z.object({ skuId: z.string().min(1).max(64) });

/** Lifecycle actions exposed as routes; sell-out and restock belong to the platform. */
const ROUTE_ACTIONS = LIFECYCLE_ACTIONS.filter((a) => a !== "sell-out" && a !== "restock") as LifecycleAction[];

const routes = {
  list: createRoute({
    ...read,
    method: "get",
    path: "/admin/v1/products",
    summary: "The shop's products, newest first",
    request: {
      query: listQuerySchema.extend({
        status: z.enum(Object.keys(PRODUCT_STATUS) as [ProductStatusName, ...ProductStatusName[]]).optional(),
        shopId: z.string().min(1).optional().describe("Operators only"),
      }),
    },
    responses: {
      200: jsonResponse(
        z.object({ items: z.array(productSummarySchema.openapi("ProductSummary")), nextCursor: z.string().nullable() }),
        "Products",
      ),
      ...errorResponses(400, 401, 403),
    },
  }),
  create: createRoute({
    ...write,
    method: "post",
    path: "/admin/v1/products",
    summary: "Create a product from the seed's JSON (SPU and SKUs in one request)",
    request: { headers: idempotencyHeaders, body: jsonBody(productInput) },
    responses: {
      201: jsonResponse(
        z.object({
          productId: z.string(),
          skuIds: z.array(z.string()),
          status: z.literal("DRAFT"),
          version: z.number().int(),
        }),
        "Created as DRAFT",
      ),
      ...errorResponses(400, 401, 403, 409, 422),
    },
  }),
  get: createRoute({
    ...read,
    method: "get",
    path: "/admin/v1/products/{productId}",
    summary: "A product with its SKUs, prices, stock, status and version",
    request: { params: productParams },
    responses: {
      200: jsonResponse(adminProductSchema.openapi("AdminProduct"), "The product"),
      ...errorResponses(401, 403, 404),
    },
  }),
  update: createRoute({
    ...write,
    method: "patch",
    path: "/admin/v1/products/{productId}",
    summary: "Edit a product (send its current version)",
    description:
      "On a DRAFT or AUDIT_REJECTED product the edit applies at once (new version, snapshot). On an audited " +
      "product (AUDIT_APPROVED, ON_SHELF, OFF_SHELF, SOLD_OUT) a content edit becomes the product's " +
      "`pendingRevision` (status PENDING) and the live product, storefront and search stay as approved until " +
      "an operator approves it (`POST .../revisions/{revisionId}/approve`); a second edit while one is pending " +
      "supersedes it with a revision holding both. Prices and stock are never audited.",
    request: { params: productParams, body: jsonBody(updateProductBody) },
    responses: {
      200: jsonResponse(
        adminProductSchema,
        "Edited (a snapshot was written), or, on an audited product, the live product with its `pendingRevision`",
      ),
      ...errorResponses(400, 401, 403, 404, 409),
    },
  }),
  addSku: createRoute({
    ...write,
    method: "post",
    path: "/admin/v1/products/{productId}/skus",
    summary: "Add a SKU to a product (send the product's version)",
    description:
      "On an audited product the new SKU waits in the product's pending revision (200, under the `skuId` " +
      "answered) and is created, with its price and opening stock, when an operator approves it.",
    request: { params: productParams, headers: idempotencyHeaders, body: jsonBody(addSkuBody) },
    responses: {
      200: jsonResponse(
        z.object({ skuId: z.string(), product: adminProductSchema }),
        "Proposed: the SKU is in the product's `pendingRevision`, not live yet",
      ),
      201: jsonResponse(z.object({ skuId: z.string(), product: adminProductSchema }), "Added"),
      ...errorResponses(400, 401, 403, 404, 409),
    },
  }),
  updateSku: createRoute({
    ...write,
    method: "patch",
    path: "/admin/v1/skus/{skuId}",
    summary: "Edit a SKU (send its current version)",
    description:
      "On an audited product the edit becomes (part of) the product's pending revision, as for PATCH product.",
    request: { params: skuParams, body: jsonBody(updateSkuBody) },
    responses: {
      200: jsonResponse(adminProductSchema, "Edited (a snapshot was written), or proposed as the `pendingRevision`"),
      ...errorResponses(400, 401, 403, 404, 409),
    },
  }),
  prices: createRoute({
    ...secured,
    tags: ["products"],
    middleware: [requireRole("seller", "operator"), requireScope("prices:write")],
    method: "put",
    path: "/admin/v1/skus/{skuId}/prices",
    summary: "Replace a SKU's price rows",
    request: { params: skuParams, body: jsonBody(replacePricesBody) },
    responses: {
      200: jsonResponse(
        z.object({ skuId: z.string(), price: moneySchema.nullable(), prices: z.array(priceRowSchema) }),
        "The price in effect now",
      ),
      ...errorResponses(400, 401, 403, 404, 409),
    },
  }),
  adjustStock: createRoute({
    ...secured,
    tags: ["stock"],
    middleware: [requireRole("seller", "operator"), requireScope("stock:write")],
    method: "post",
    path: "/admin/v1/skus/{skuId}/stock",
    summary: "Receive, write off or count stock (set or delta) in a warehouse",
    request: { params: skuParams, headers: idempotencyHeaders, body: jsonBody(adjustStockBody) },
    responses: {
      200: jsonResponse(stockViewResponse.openapi("StockView"), "The stock now"),
      ...errorResponses(400, 401, 403, 404, 409),
    },
  }),
  getStock: createRoute({
    ...read,
    tags: ["stock"],
    method: "get",
    path: "/admin/v1/skus/{skuId}/stock",
    summary: "A SKU's stock, in all and per warehouse",
    request: { params: skuParams },
    responses: { 200: jsonResponse(stockViewResponse, "The stock"), ...errorResponses(401, 403, 404) },
  }),
  snapshots: createRoute({
    ...read,
    method: "get",
    path: "/admin/v1/products/{productId}/snapshots",
    summary: "The product's content versions, newest first",
    request: { params: productParams },
    responses: {
      200: jsonResponse(z.object({ items: z.array(snapshotSchema) }), "Snapshots"),
      ...errorResponses(401, 403, 404),
    },
  }),
};

const transitionResponse = z.object({
  productId: z.string(),
  status: z.string(),
  statusCode: z.number().int(),
  version: z.number().int(),
});

export function registerProductRoutes(app: AdminApp): void {
  app.openapi(routes.list, async (c) => {
    const db = requestDb(c);
    const query = c.req.valid("query");
    // 404 for a shop the caller may not see or that does not exist, as on every shop route.
    const shopId = await shopFilterFor(db, callerOf(c), query.shopId);
    return c.json(await listProducts(db, { ...query, shopId }), 200);
  });
  app.openapi(routes.create, async (c) =>
    c.json(await createProduct(catalogDeps(c), callerOf(c), c.req.valid("json")), 201),
  );
  app.openapi(routes.get, async (c) =>
    c.json(await getProduct(catalogDeps(c), callerOf(c), c.req.valid("param").productId), 200),
  );
  app.openapi(routes.update, async (c) =>
    c.json(await updateProduct(catalogDeps(c), callerOf(c), c.req.valid("param").productId, c.req.valid("json")), 200),
  );
  app.openapi(routes.addSku, async (c) => {
    const { pending, ...added } = await addSku(
      catalogDeps(c),
      callerOf(c),
      c.req.valid("param").productId,
      c.req.valid("json"),
    );
    return pending ? c.json(added, 200) : c.json(added, 201);
  });
  app.openapi(routes.updateSku, async (c) =>
    c.json(await updateSku(catalogDeps(c), callerOf(c), c.req.valid("param").skuId, c.req.valid("json")), 200),
  );
  app.openapi(routes.prices, async (c) =>
    c.json(await replacePrices(catalogDeps(c), callerOf(c), c.req.valid("param").skuId, c.req.valid("json")), 200),
  );
  app.openapi(routes.adjustStock, async (c) =>
    // A retried request (same Idempotency-Key) names the same op, so the object moves stock once.
    c.json(
      await adjustStock(
        catalogDeps(c),
        callerOf(c),
        c.req.valid("param").skuId,
        c.req.valid("json"),
        c.var.idempotency?.ref,
      ),
      200,
    ),
  );
  app.openapi(routes.getStock, async (c) =>
    c.json(await getStock(catalogDeps(c), callerOf(c), c.req.valid("param").skuId), 200),
  );
  app.openapi(routes.snapshots, async (c) => {
    const { db } = catalogDeps(c);
    return c.json({ items: await listProductSnapshots(db, callerOf(c), c.req.valid("param").productId) }, 200);
  });

  for (const action of ROUTE_ACTIONS) {
    const route = createRoute({
      ...write,
      tags: ["product lifecycle"],
      method: "post",
      path: `/admin/v1/products/{productId}/${action}`,
      summary: `Lifecycle: ${action}`,
      request: {
        params: productParams,
        body: {
          required: false,
          content: {
            "application/json": { schema: z.object({ reason: z.string().trim().max(500).optional() }).strict() },
          },
        },
      },
      responses: {
        200: jsonResponse(transitionResponse, "The new status"),
        ...errorResponses(400, 401, 403, 404, 409),
      },
    });
    app.openapi(route, async (c) => {
      const body = (c.req.valid("json") as { reason?: string } | undefined) ?? {};
      return c.json(
        await changeStatus(catalogDeps(c), callerOf(c), c.req.valid("param").productId, action, body.reason),
        200,
      );
    });
  }
}
