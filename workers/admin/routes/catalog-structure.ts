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
const categoryParams = z.object({ categoryId: z.coerce.number().int().positive() });

const routes = {
  tree: createRoute({
    ...staff,
    method: "get",
    path: "/admin/v1/categories",
    summary: "The category tree",
    responses: { 200: jsonResponse(categoryTreeSchema, "Categories"), ...errorResponses(401, 403) },
  }),
  createCategory: createRoute({
    ...operatorOnly,
    method: "post",
    path: "/admin/v1/categories",
    summary: "Create a category (any depth, under parentId)",
    request: { headers: idempotencyHeaders, body: jsonBody(createCategoryBody) },
    responses: { 201: jsonResponse(categorySchema, "Created"), ...errorResponses(400, 401, 403, 409) },
  }),
  createBrand: createRoute({
    ...operatorOnly,
    method: "post",
    path: "/admin/v1/brands",
    summary: "Create a brand",
    request: { headers: idempotencyHeaders, body: jsonBody(createBrandBody) },
    responses: {
      201: jsonResponse(
        z.object({ id: z.number().int(), name: z.string(), logoUrl: z.string().nullable() }),
        "Created",
      ),
      ...errorResponses(400, 401, 403, 409),
    },
  }),
  createAttribute: createRoute({
    ...operatorOnly,
    method: "post",
    path: "/admin/v1/attributes",
    summary: "Create an attribute",
    request: { headers: idempotencyHeaders, body: jsonBody(createAttributeBody) },
    responses: {
      201: jsonResponse(z.object({ id: z.number().int(), name: z.string() }), "Created"),
      ...errorResponses(400, 401, 403, 409),
    },
  }),
  getAttributeTemplate: createRoute({
    ...staff,
    method: "get",
    path: "/admin/v1/categories/{categoryId}/attributes",
    summary: "A category's attribute template",
    request: { params: categoryParams },
    responses: {
      200: jsonResponse(z.object({ attributes: z.array(templateEntry) }), "The template"),
      ...errorResponses(401, 403, 404),
    },
  }),
  putAttributeTemplate: createRoute({
    ...operatorOnly,
    method: "put",
    path: "/admin/v1/categories/{categoryId}/attributes",
    summary: "Replace a category's attribute template",
    request: { params: categoryParams, body: jsonBody(attributeTemplateBody) },
    responses: {
      200: jsonResponse(z.object({ attributes: z.array(templateEntry) }), "The new template"),
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
