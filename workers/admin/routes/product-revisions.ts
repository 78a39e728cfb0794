/** Pending content revisions of audited products: sellers see theirs, operators approve or reject. */
import { createRoute, z } from "@hono/zod-openapi";
import {
  approveRevision,
  approveRevisionBody,
  listRevisions,
  listRevisionsByStatus,
  rejectRevision,
  rejectRevisionBody,
} from "../../../shared/catalog/revisions";
import { REVISION_STATUSES, revisionSchema } from "../../../shared/catalog/revisions-repo";
import { callerOf, requireRole, requireScope } from "../../../shared/platform/caller";
import { errorResponses, jsonBody, jsonResponse } from "../../../shared/platform/openapi";
import { listQuerySchema } from "../../../shared/platform/validation";
import type { AdminApp } from "../app";
import { catalogDeps } from "../deps";
import { PRODUCT_ID, revisionExample } from "../examples";

const secured = { security: [{ bearer: [] }], tags: ["product revisions"] };
const productId = z.string().min(1).max(64).openapi({ example: PRODUCT_ID });
const revisionParams = z.object({
  productId,
  revisionId: z.string().min(1).max(64).openapi({ example: revisionExample.revisionId }),
});
const operatorOnly = [requireRole("operator"), requireScope("catalog:write")];

const routes = {
  queue: createRoute({
    ...secured,
    middleware: [requireRole("operator"), requireScope("catalog:read")],
    method: "get",
    path: "/admin/v1/revisions",
    summary: "Operators: every product's revisions in one status, newest first (the audit queue: PENDING)",
    description:
      "The content revisions of all shops' products in `status` (default PENDING: those waiting for an operator), " +
      "newest first, a page at a time; approve or reject each with `POST /admin/v1/products/{productId}/" +
      "revisions/{revisionId}/approve` or `.../reject`.",
    request: { query: listQuerySchema.extend({ status: z.enum(REVISION_STATUSES).default("PENDING") }) },
    responses: {
      200: jsonResponse(z.object({ items: z.array(revisionSchema), nextCursor: z.string().nullable() }), "Revisions", {
        items: [revisionExample],
        nextCursor: null,
      }),
      ...errorResponses(400, 401, 403),
    },
  }),
  list: createRoute({
    ...secured,
    middleware: [requireRole("seller", "operator"), requireScope("catalog:read")],
    method: "get",
    path: "/admin/v1/products/{productId}/revisions",
    summary: "The product's content revisions, newest first (PENDING, APPROVED, REJECTED, SUPERSEDED)",
    description:
      "Content edits of an audited product wait here for an operator (at most one PENDING per product: a second " +
      "edit supersedes it with a revision holding both). `changes` holds the proposed `product` fields, `skus` " +
      "fields by SKU id and `newSkus`.",
    request: { params: z.object({ productId }), query: listQuerySchema },
    responses: {
      200: jsonResponse(
        z.object({ items: z.array(revisionSchema.openapi("ProductRevision")), nextCursor: z.string().nullable() }),
        "Revisions",
        { items: [revisionExample], nextCursor: null },
      ),
      ...errorResponses(400, 401, 403, 404),
    },
  }),
  approve: createRoute({
    ...secured,
    middleware: operatorOnly,
    method: "post",
    path: "/admin/v1/products/{productId}/revisions/{revisionId}/approve",
    summary: "Operators: put a pending revision live",
    description:
      "Applies the revision's changes on top of the live product (new version, snapshot, operation log, " +
      "search re-index, new edge-cache key). 409 `invalid_transition` when the revision is not PENDING or the " +
      "product cannot be edited (FROZEN); 409 `conflict` with `reason: revision_outdated` (and `errors`) when its " +
      "changes no longer fit the product's category; 409 `version_conflict` when the product changed meanwhile.",
    request: {
      params: revisionParams,
      body: {
        required: false,
        content: { "application/json": { schema: approveRevisionBody, example: { reason: "内容核实无误" } } },
      },
    },
    responses: {
      200: jsonResponse(revisionSchema, "Approved; `appliedVersion` is the product's new version", {
        ...revisionExample,
        status: "APPROVED",
        decidedBy: "usr_00000000000000000000000001",
        decidedAt: "2026-12-02T03:02:41.120Z",
        reason: "内容核实无误",
        appliedVersion: 5,
      }),
      ...errorResponses(400, 401, 403, 404, 409),
    },
  }),
  reject: createRoute({
    ...secured,
    middleware: operatorOnly,
    method: "post",
    path: "/admin/v1/products/{productId}/revisions/{revisionId}/reject",
    summary: "Operators: refuse a pending revision with a reason (the live product is unchanged)",
    description:
      "The revision becomes REJECTED with the reason, which the seller sees; the live product, storefront and " +
      "search stay as approved. 409 `invalid_transition` when the revision is not PENDING.",
    request: {
      params: revisionParams,
      body: jsonBody(rejectRevisionBody, { example: { reason: "新标题含有未经授权的品牌词" } }),
    },
    responses: {
      200: jsonResponse(revisionSchema, "Rejected", {
        ...revisionExample,
        status: "REJECTED",
        decidedBy: "usr_00000000000000000000000001",
        decidedAt: "2026-12-02T03:02:41.120Z",
        reason: "新标题含有未经授权的品牌词",
      }),
      ...errorResponses(400, 401, 403, 404, 409),
    },
  }),
};

export function registerProductRevisionRoutes(app: AdminApp): void {
  app.openapi(routes.queue, async (c) => {
    const { status, ...query } = c.req.valid("query");
    return c.json(await listRevisionsByStatus(catalogDeps(c), status, query), 200);
  });
  app.openapi(routes.list, async (c) =>
    c.json(await listRevisions(catalogDeps(c), callerOf(c), c.req.valid("param").productId, c.req.valid("query")), 200),
  );
  app.openapi(routes.approve, async (c) => {
    const { productId, revisionId } = c.req.valid("param");
    const body = (c.req.valid("json") as z.infer<typeof approveRevisionBody> | undefined) ?? {};
    return c.json(await approveRevision(catalogDeps(c), callerOf(c), productId, revisionId, body.reason), 200);
  });
  app.openapi(routes.reject, async (c) => {
    const { productId, revisionId } = c.req.valid("param");
    return c.json(
      await rejectRevision(catalogDeps(c), callerOf(c), productId, revisionId, c.req.valid("json").reason),
      200,
    );
  });
}
