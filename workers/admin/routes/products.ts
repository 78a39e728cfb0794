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
  statusName,
  TRANSITIONS,
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
import {
  adminProductExample,
  PRODUCT_ID,
  productSummaryExample,
  SKU_ID,
  seedDataPack,
  seedTshirt,
  snapshotExample,
  stockViewExample,
} from "../examples";

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
const productParams = z.object({ productId: z.string().min(1).max(64).openapi({ example: PRODUCT_ID }) });
const skuParams = z.object({ skuId: z.string().min(1).max(64).openapi({ example: SKU_ID }) });
/** The seed's T-shirt as edits see it once created (version 1). */
const editedProduct = { ...adminProductExample, version: 2 };

/** What a lifecycle route does, read from the transition table itself so the two cannot disagree. */
function lifecycleDescription(action: LifecycleAction): string {
  const rule = TRANSITIONS[action];
  const from = rule.from.map((status) => `\`${statusName(status)}\``).join(", ");
  const reason = rule.needsReason ? "A `reason` is required." : "The body and its `reason` are optional.";
  const soldOut = action === "on-shelf" ? " A product without stock lands on `SOLD_OUT` instead." : "";
  return (
    `Moves the product from ${from} to \`${statusName(rule.to)}\`, by the ${rule.by.join(" or ")}; from any ` +
    `other status it is 409 \`invalid_transition\`. ${reason}${soldOut} Each move is in the operation log.`
  );
}

/** Lifecycle actions exposed as routes; sell-out and restock belong to the platform. */
const ROUTE_ACTIONS = LIFECYCLE_ACTIONS.filter((a) => a !== "sell-out" && a !== "restock") as LifecycleAction[];

const routes = {
  list: createRoute({
    ...read,
    method: "get",
    path: "/admin/v1/products",
    summary: "The shop's products, newest first",
    description:
      "A seller's own products (operators: every shop's, or one with `shopId`), in any status; filter by `status`, " +
      "and with `q` find them by name or seller SKU code: a product whose name contains `q`, or with a SKU whose " +
      "`sellerSkuCode` contains it (case-insensitive for Latin letters). " +
      "`GET /admin/v1/products/{productId}` has the SKUs, prices and stock.",
    request: {
      query: listQuerySchema.extend({
        q: z
          .string()
          .trim()
          .min(1)
          .max(100)
          .optional()
          .openapi({ example: "TS-BLK", description: "Part of the product's name or of a SKU's seller SKU code" }),
        status: z.enum(Object.keys(PRODUCT_STATUS) as [ProductStatusName, ...ProductStatusName[]]).optional(),
        shopId: z.string().min(1).optional().describe("Operators only"),
      }),
    },
    responses: {
      200: jsonResponse(
        z.object({ items: z.array(productSummarySchema.openapi("ProductSummary")), nextCursor: z.string().nullable() }),
        "Products",
        { items: [productSummaryExample], nextCursor: null },
      ),
      ...errorResponses(400, 401, 403, 404),
    },
  }),
  create: createRoute({
    ...write,
    method: "post",
    path: "/admin/v1/products",
    summary: "Create a product from the seed's JSON (SPU and SKUs in one request)",
    description:
      "Takes the seed design's product JSON exactly as written (`categoryId`, `spu`, `basicAttributes`, " +
      "`skus[].salesAttributes`, decimal `price`, `stock`; the two examples are the seed's T-shirt and data pack), " +
      "optionally with `sellerSkuCode`, `weightGrams`, `dimensionsMm`, `nameI18n`/`descriptionI18n`, `images` and " +
      "`currency`. It is checked against the category's attribute template and every bad field is named. The " +
      "product starts as DRAFT in the seller's shop with each SKU's opening stock in the default warehouse; " +
      "submit it for audit with `POST .../submit`.",
    request: {
      headers: idempotencyHeaders,
      body: jsonBody(productInput, {
        examples: {
          tshirt: { summary: "The seed's T-shirt (category 1003001, two SKUs)", value: seedTshirt },
          dataPack: { summary: "The seed's mobile data pack (virtual goods, category 1005002)", value: seedDataPack },
        },
      }),
    },
    responses: {
      201: jsonResponse(
        z.object({
          productId: z.string(),
          skuIds: z.array(z.string()),
          status: z.literal("DRAFT"),
          version: z.number().int(),
        }),
        "Created as DRAFT",
        { productId: PRODUCT_ID, skuIds: adminProductExample.skus.map((s) => s.skuId), status: "DRAFT", version: 1 },
      ),
      ...errorResponses(400, 401, 403, 409, 422),
    },
  }),
  get: createRoute({
    ...read,
    method: "get",
    path: "/admin/v1/products/{productId}",
    summary: "A product with its SKUs, prices, stock, status and version",
    description:
      "The live product as the admin sees it, in any status, with each SKU's price rows and stock; a pending " +
      "content revision shows as `pendingRevision`. Another shop's product is 404. Edits send its `version`.",
    request: { params: productParams },
    responses: {
      200: jsonResponse(adminProductSchema.openapi("AdminProduct"), "The product", adminProductExample),
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
      "supersedes it with a revision holding both. Prices and stock are never audited. The product's `version` " +
      "also moves when one of its SKUs is edited or added (`PATCH /admin/v1/skus/{skuId}`, `POST .../skus`): send " +
      "the `version` from that answer; a stale one is 409 `version_conflict` naming the current version.",
    request: {
      params: productParams,
      body: jsonBody(updateProductBody, {
        example: { version: 1, description: "柔软舒适，100%纯棉，可机洗", images: [] },
      }),
    },
    responses: {
      200: jsonResponse(
        adminProductSchema,
        "Edited (a snapshot was written), or, on an audited product, the live product with its `pendingRevision`",
        { ...editedProduct, description: "柔软舒适，100%纯棉，可机洗" },
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
    request: {
      params: productParams,
      headers: idempotencyHeaders,
      body: jsonBody(addSkuBody, {
        example: {
          version: 1,
          skuName: "灰色 XL",
          price: 79.0,
          stock: 40,
          salesAttributes: [
            { attributeId: 201, attributeName: "颜色", value: "灰色" },
            { attributeId: 202, attributeName: "尺码", value: "XL" },
          ],
        },
      }),
    },
    responses: {
      200: jsonResponse(
        z.object({ skuId: z.string(), product: adminProductSchema }),
        "Proposed: the SKU is in the product's `pendingRevision`, not live yet",
        { skuId: "sku_01M8T8AHMF1B3F08B6RWX6YSJ6", product: adminProductExample },
      ),
      201: jsonResponse(z.object({ skuId: z.string(), product: adminProductSchema }), "Added", {
        skuId: "sku_01M8T8AHMF1B3F08B6RWX6YSJ6",
        product: editedProduct,
      }),
      ...errorResponses(400, 401, 403, 404, 409),
    },
  }),
  updateSku: createRoute({
    ...write,
    method: "patch",
    path: "/admin/v1/skus/{skuId}",
    summary: "Edit a SKU (send its current version)",
    description:
      "On an audited product the edit becomes (part of) the product's pending revision, as for PATCH product. " +
      "`version` is the SKU's own; the edit also moves the product's `version` (one version per product content: " +
      "its snapshot and storefront cache key), so a product edit sent next uses the product `version` this answer " +
      "carries, else it is a 409 `version_conflict` that says so.",
    request: {
      params: skuParams,
      body: jsonBody(updateSkuBody, { example: { version: 1, sellerSkuCode: "TSHIRT-BLK-L", weightGrams: 220 } }),
    },
    responses: {
      200: jsonResponse(
        adminProductSchema,
        "Edited (a snapshot was written), or proposed as the `pendingRevision`",
        editedProduct,
      ),
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
    description:
      "Writes the SKU's whole price list: one `standard` row and any `promo` rows with their windows " +
      "(`effectiveAt`, `expiresAt`). Prices are not content: no audit, no snapshot, no version change; they take " +
      "effect on the storefront at once (and search re-indexes the product as a promo window opens or closes).",
    request: {
      params: skuParams,
      body: jsonBody(replacePricesBody, {
        example: {
          prices: [
            { type: "standard", price: { amount: 7900, currency: "CNY" } },
            {
              type: "promo",
              price: { amount: 5900, currency: "CNY" },
              effectiveAt: "2027-06-18T00:00:00.000Z",
              expiresAt: "2027-06-21T00:00:00.000Z",
            },
          ],
        },
      }),
    },
    responses: {
      200: jsonResponse(
        z.object({ skuId: z.string(), price: moneySchema.nullable(), prices: z.array(priceRowSchema) }),
        "The price in effect now",
        {
          skuId: SKU_ID,
          price: { amount: 7900, currency: "CNY" },
          prices: [
            {
              type: "standard",
              price: { amount: 7900, currency: "CNY" },
              effectiveAt: "2026-12-02T02:11:18.198Z",
              expiresAt: null,
            },
            {
              type: "promo",
              price: { amount: 5900, currency: "CNY" },
              effectiveAt: "2027-06-18T00:00:00.000Z",
              expiresAt: "2027-06-21T00:00:00.000Z",
            },
          ],
        },
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
    description:
      "Exactly one of `delta` (receive with a positive number, write off with a negative one) or `set` (a stock " +
      "count: available becomes exactly this), with a `reason`, in `warehouseId` or the shop's default warehouse. " +
      "The SKU's Durable Object applies it atomically and logs a movement; reserved and sold units are untouched. " +
      "With the same `Idempotency-Key` a retry moves stock once.",
    request: {
      params: skuParams,
      headers: idempotencyHeaders,
      body: jsonBody(adjustStockBody, { example: { delta: 50, reason: "received from the supplier" } }),
    },
    responses: {
      200: jsonResponse(stockViewResponse.openapi("StockView"), "The stock now", stockViewExample),
      ...errorResponses(400, 401, 403, 404, 409),
    },
  }),
  getStock: createRoute({
    ...read,
    tags: ["stock"],
    method: "get",
    path: "/admin/v1/skus/{skuId}/stock",
    summary: "A SKU's stock, in all and per warehouse",
    description: "Available, reserved (held by unpaid orders) and sold units, in all and per warehouse.",
    request: { params: skuParams },
    responses: {
      200: jsonResponse(stockViewResponse, "The stock", stockViewExample),
      ...errorResponses(401, 403, 404),
    },
  }),
  snapshots: createRoute({
    ...read,
    method: "get",
    path: "/admin/v1/products/{productId}/snapshots",
    summary: "The product's content versions, newest first",
    description:
      "Every content version of the product as an immutable snapshot (content and its hash), newest first, a page " +
      "at a time (`limit`, and `cursor` = the previous page's `nextCursor`).",
    request: { params: productParams, query: listQuerySchema },
    responses: {
      200: jsonResponse(z.object({ items: z.array(snapshotSchema), nextCursor: z.string().nullable() }), "Snapshots", {
        items: [snapshotExample],
        nextCursor: null,
      }),
      ...errorResponses(400, 401, 403, 404),
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
    return c.json(
      await listProductSnapshots(db, callerOf(c), c.req.valid("param").productId, c.req.valid("query")),
      200,
    );
  });

  for (const action of ROUTE_ACTIONS) {
    const route = createRoute({
      ...write,
      tags: ["product lifecycle"],
      method: "post",
      path: `/admin/v1/products/{productId}/${action}`,
      summary: `Lifecycle: ${action}`,
      description: lifecycleDescription(action),
      request: {
        params: productParams,
        body: {
          required: false,
          content: {
            "application/json": {
              schema: z.object({ reason: z.string().trim().max(500).optional() }).strict(),
              example: TRANSITIONS[action].needsReason ? { reason: "主图与描述不符，请更换" } : {},
            },
          },
        },
      },
      responses: {
        200: jsonResponse(transitionResponse, "The new status", {
          productId: PRODUCT_ID,
          status: statusName(TRANSITIONS[action].to),
          statusCode: TRANSITIONS[action].to,
          version: 2,
        }),
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
