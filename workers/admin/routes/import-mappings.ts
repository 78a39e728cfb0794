/** The shop's category mapping for imports (sellers their own; operators name the shop). */
import { createRoute, type z } from "@hono/zod-openapi";
import {
  categoryMappingsBody,
  categoryMappingsOf,
  categoryMappingsSchema,
  putCategoryMappings,
} from "../../../shared/catalog/import-mappings";
import { callerOf, requireRole, requireScope } from "../../../shared/platform/caller";
import { errorResponses, shopQuery } from "../../../shared/platform/openapi";
import { requestDb } from "../../../shared/platform/request-db";
import { shopFor } from "../../../shared/platform/shop-access";
import type { AdminApp } from "../app";

const common = { tags: ["bulk jobs"], security: [{ bearer: [] as string[] }] };

const EXAMPLE: z.input<typeof categoryMappingsBody> = {
  mappings: [
    {
      type: "T-Shirts",
      category: "男士T恤",
      attributeDefaults: [{ attribute: "材质", value: "棉" }],
      options: [
        { option: "Color", attribute: "颜色", values: { Black: "黑色", White: "白色" } },
        { option: "Size", attribute: "尺码" },
      ],
      metafields: [{ key: "custom.material", attribute: "材质" }],
    },
    { productCategory: "Apparel & Accessories > Shoes", category: "服装 > 运动鞋" },
    { type: "Tea", category: 1004001, attributeDefaults: [{ attribute: "规格", value: "标准装" }] },
  ],
};

/** The mapping as the PUT above answers it for seller1's shop. */
const ANSWER: z.infer<typeof categoryMappingsSchema> = {
  shopId: "shp_00000000000000000000000001",
  mappings: [
    {
      type: "T-Shirts",
      productCategory: null,
      category: { id: 1003001, name: "男士T恤", path: "服装 > 男士T恤" },
      attributeDefaults: [{ attributeId: 102, attributeName: "材质", kind: "basic", value: "棉" }],
      options: [
        { option: "Color", attributeId: 201, attributeName: "颜色", values: { Black: "黑色", White: "白色" } },
        { option: "Size", attributeId: 202, attributeName: "尺码", values: {} },
      ],
      metafields: [{ key: "custom.material", attributeId: 102, attributeName: "材质" }],
    },
    {
      type: null,
      productCategory: "Apparel & Accessories > Shoes",
      category: { id: 1003003, name: "运动鞋", path: "服装 > 运动鞋" },
      attributeDefaults: [],
      options: [],
      metafields: [],
    },
    {
      type: "Tea",
      productCategory: null,
      category: { id: 1004001, name: "茶叶", path: "食品 > 茶叶" },
      attributeDefaults: [{ attributeId: 504, attributeName: "规格", kind: "sales", value: "标准装" }],
      options: [],
      metafields: [],
    },
  ],
  updatedAt: "2026-01-15T08:00:00.000Z",
};

/** A JSON answer with its example, for "Try it out". */
const answer = (description: string) =>
  ({ description, content: { "application/json": { schema: categoryMappingsSchema, example: ANSWER } } }) as const;

const routes = {
  get: createRoute({
    ...common,
    middleware: [requireRole("seller", "operator"), requireScope("catalog:read")],
    method: "get",
    path: "/admin/v1/import-mappings/categories",
    summary: "The shop's category mapping for Shopify imports",
    description:
      "Which of our categories each Shopify `Type` or `Product Category` of an import means, with the attribute defaults and the option and metafield names of each entry, as the last PUT stored them (an empty list before the first).",
    request: { query: shopQuery },
    responses: {
      200: {
        description: "The mapping",
        content: {
          "application/json": { schema: categoryMappingsSchema.openapi("CategoryMappings"), example: ANSWER },
        },
      },
      ...errorResponses(400, 401, 403, 404),
    },
  }),
  put: createRoute({
    ...common,
    middleware: [requireRole("seller", "operator"), requireScope("catalog:write")],
    method: "put",
    path: "/admin/v1/import-mappings/categories",
    summary: "Replace the shop's category mapping for Shopify imports",
    description:
      "The whole mapping: each entry matches a Shopify `Type` or `Product Category` (a path also covers the paths below it; Type entries win) and names our category by id, name or path. `attributeDefaults` fill the category's attributes a product's columns do not give, `options` say which sales attribute a Shopify option is (and translate its values), `metafields` which basic attribute a metafield column fills. Every reference is checked against the category's attribute template when saved; a bad one is a 400 naming its field. Imports read the mapping as it is when each row runs.",
    request: {
      query: shopQuery,
      body: {
        required: true,
        description: "The whole mapping",
        content: { "application/json": { schema: categoryMappingsBody, example: EXAMPLE } },
      },
    },
    responses: {
      200: answer("The mapping as stored"),
      ...errorResponses(400, 401, 403, 404),
    },
  }),
};

/** Registers GET and PUT `/admin/v1/import-mappings/categories`. */
export function registerImportMappingRoutes(app: AdminApp): void {
  app.openapi(routes.get, async (c) => {
    const db = requestDb(c, "first-primary");
    return c.json(await categoryMappingsOf(db, await shopFor(db, callerOf(c), c.req.valid("query").shopId)), 200);
  });
  app.openapi(routes.put, async (c) => {
    const db = requestDb(c, "first-primary");
    const shopId = await shopFor(db, callerOf(c), c.req.valid("query").shopId);
    return c.json(await putCategoryMappings(db, shopId, c.req.valid("json"), c.var.clock.now()), 200);
  });
}
