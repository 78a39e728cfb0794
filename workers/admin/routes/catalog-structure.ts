/** Catalog structure, managed by operators: categories, brands, attributes, templates. */
import { createRoute, z } from "@hono/zod-openapi";
import {
  attributeTemplateBody,
  attributeTemplateOf,
  categorySchema,
  categoryTree,
  categoryTreeSchema,
  createAttribute,
  createAttributeBody,
  createBrand,
  createBrandBody,
  createCategory,
  createCategoryBody,
  findCategory,
  replaceAttributeTemplate,
} from "../../../shared/catalog/structure";
import { requireRole } from "../../../shared/platform/caller";
import { dbOf } from "../../../shared/platform/db";
import { AppError } from "../../../shared/platform/errors";
import { errorResponses, idempotencyHeaders, jsonBody, jsonResponse } from "../../../shared/platform/openapi";
import type { AdminApp } from "../app";
import { attributeTemplateExample, categoryExample } from "../examples";

const operatorOnly = { tags: ["catalog structure"], security: [{ bearer: [] }], middleware: [requireRole("operator")] };
const staff = {
  tags: ["catalog structure"],
  security: [{ bearer: [] }],
  middleware: [requireRole("seller", "operator")],
};
const templateEntry = z.object({
  attributeId: z.number().int(),
  attributeName: z.string(),
  kind: z.enum(["basic", "sales"]),
  required: z.boolean(),
  allowedValues: z.array(z.string()).nullable(),
});
const categoryParams = z.object({ categoryId: z.coerce.number().int().positive().openapi({ example: 1003001 }) });
/** The demo category tree's first branch (the whole tree is longer). */
const treeExample = [
  {
    id: 1003,
    name: "服装",
    kind: "physical" as const,
    children: [
      { id: 1003001, name: "男士T恤", kind: "physical" as const, children: [] },
      { id: 1003002, name: "女士连衣裙", kind: "physical" as const, children: [] },
    ],
  },
];

const routes = {
  tree: createRoute({
    ...staff,
    method: "get",
    path: "/admin/v1/categories",
    summary: "The category tree",
    description: "Every category with its children and `kind` (`physical` or `virtual`), as products refer to them.",
    responses: { 200: jsonResponse(categoryTreeSchema, "Categories", treeExample), ...errorResponses(401, 403) },
  }),
  createCategory: createRoute({
    ...operatorOnly,
    method: "post",
    path: "/admin/v1/categories",
    summary: "Create a category (any depth, under parentId)",
    description:
      "Operators only. `id` defaults to the next free one; `kind` to the parent's (else physical). Products go into " +
      "leaf categories and are checked against the category's attribute template (`PUT .../attributes`).",
    request: {
      headers: idempotencyHeaders,
      body: jsonBody(createCategoryBody, { example: { parentId: 1003, name: "卫衣" } }),
    },
    responses: {
      201: jsonResponse(categorySchema, "Created", categoryExample),
      ...errorResponses(400, 401, 403, 409),
    },
  }),
  createBrand: createRoute({
    ...operatorOnly,
    method: "post",
    path: "/admin/v1/brands",
    summary: "Create a brand",
    description: "Operators only. Products name it by `spu.brandId`; a taken name is 409.",
    request: { headers: idempotencyHeaders, body: jsonBody(createBrandBody, { example: { name: "安踏" } }) },
    responses: {
      201: jsonResponse(
        z.object({ id: z.number().int(), name: z.string(), logoUrl: z.string().nullable() }),
        "Created",
        { id: 2011, name: "安踏", logoUrl: null },
      ),
      ...errorResponses(400, 401, 403, 409),
    },
  }),
  createAttribute: createRoute({
    ...operatorOnly,
    method: "post",
    path: "/admin/v1/attributes",
    summary: "Create an attribute",
    description:
      "Operators only. An attribute (颜色, 尺码, 材质 …) becomes a basic or sales attribute of a category through its template.",
    request: { headers: idempotencyHeaders, body: jsonBody(createAttributeBody, { example: { name: "领型" } }) },
    responses: {
      201: jsonResponse(z.object({ id: z.number().int(), name: z.string() }), "Created", { id: 505, name: "领型" }),
      ...errorResponses(400, 401, 403, 409),
    },
  }),
  getAttributeTemplate: createRoute({
    ...staff,
    method: "get",
    path: "/admin/v1/categories/{categoryId}/attributes",
    summary: "A category's attribute template",
    description:
      "Which attributes a product of the category gives: basic (one per product) or sales (one per SKU, the SKUs " +
      "differing by them), whether required, and the values allowed (null: any).",
    request: { params: categoryParams },
    responses: {
      200: jsonResponse(z.object({ attributes: z.array(templateEntry) }), "The template", attributeTemplateExample),
      ...errorResponses(401, 403, 404),
    },
  }),
  putAttributeTemplate: createRoute({
    ...operatorOnly,
    method: "put",
    path: "/admin/v1/categories/{categoryId}/attributes",
    summary: "Replace a category's attribute template",
    description:
      "Operators only. The whole template at once; products created from then on are checked against it (existing " +
      "products keep their values).",
    request: {
      params: categoryParams,
      body: jsonBody(attributeTemplateBody, {
        example: {
          attributes: [
            { attributeId: 101, kind: "basic", required: true },
            { attributeId: 102, kind: "basic", required: true },
            { attributeId: 104, kind: "basic", required: false, allowedValues: ["短袖", "长袖", "无袖"] },
            { attributeId: 201, kind: "sales", required: true, allowedValues: ["黑色", "白色", "灰色"] },
            { attributeId: 202, kind: "sales", required: true, allowedValues: ["S", "M", "L", "XL"] },
          ],
        },
      }),
    },
    responses: {
      200: jsonResponse(z.object({ attributes: z.array(templateEntry) }), "The new template", attributeTemplateExample),
      ...errorResponses(400, 401, 403, 404),
    },
  }),
};

export function registerCatalogStructureRoutes(app: AdminApp): void {
  app.openapi(routes.tree, async (c) => {
    const tree: z.infer<typeof categoryTreeSchema> = await categoryTree(dbOf(c.env.DB));
    return c.json(tree, 200);
  });
  app.openapi(routes.createCategory, async (c) =>
    c.json(await createCategory(dbOf(c.env.DB), c.var.clock, c.req.valid("json")), 201),
  );
  app.openapi(routes.createBrand, async (c) =>
    c.json(await createBrand(dbOf(c.env.DB), c.var.clock, c.req.valid("json")), 201),
  );
  app.openapi(routes.createAttribute, async (c) =>
    c.json(await createAttribute(dbOf(c.env.DB), c.var.clock, c.req.valid("json")), 201),
  );
  app.openapi(routes.getAttributeTemplate, async (c) => {
    const db = dbOf(c.env.DB);
    const { categoryId } = c.req.valid("param");
    if (!(await findCategory(db, categoryId))) throw new AppError("not_found", { detail: `No category ${categoryId}` });
    return c.json({ attributes: await attributeTemplateOf(db, categoryId) }, 200);
  });
  app.openapi(routes.putAttributeTemplate, async (c) =>
    c.json(
      {
        attributes: await replaceAttributeTemplate(
          dbOf(c.env.DB),
          c.req.valid("param").categoryId,
          c.req.valid("json"),
        ),
      },
      200,
    ),
  );
}
