/** Bulk upload and bulk edit: submit a file, poll the job. */
import { createRoute, z } from "@hono/zod-openapi";
import { bulkJobSchema, getBulkJob, MAX_ROWS, submitBulkJob } from "../../../shared/catalog/bulk-jobs";
import { callerOf, requireRole, requireScope } from "../../../shared/platform/caller";
import { dbOf } from "../../../shared/platform/db";
import { AppError } from "../../../shared/platform/errors";
import { errorResponses, idempotencyHeaders, jsonResponse } from "../../../shared/platform/openapi";
import type { AdminApp } from "../app";

const common = { tags: ["bulk jobs"], security: [{ bearer: [] }] };

const submitRoute = createRoute({
  ...common,
  middleware: [requireRole("seller"), requireScope("bulk:write")] as const,
  method: "post",
  path: "/admin/v1/bulk-jobs",
  summary: `Submit products (JSON array in the seed's shape, or a Shopify product CSV) or edits; at most ${MAX_ROWS} rows`,
  request: {
    headers: idempotencyHeaders,
    query: z.object({ kind: z.enum(["import", "edit"]).default("import") }),
    body: {
      required: true,
      content: {
        // Described, not validated here: the body is read raw (JSON or CSV) and checked by the job parser,
        // since a declared JSON schema would also be applied to CSV bodies.
        "application/json": {
          schema: z
            .unknown()
            .describe("A JSON array: products in the seed's shape, or edits {sellerSkuCode, price?, stock?, status?}"),
        },
        "text/csv": {
          schema: z
            .string()
            .describe(
              "Shopify product CSV (Handle, Title, Body (HTML), Vendor, Type, Tags, Option1 Name/Value ..., Variant SKU, Variant Price, Variant Inventory Qty, Image Src)",
            ),
        },
      },
    },
  },
  responses: {
    202: jsonResponse(
      z.object({ jobId: z.string(), status: z.literal("queued"), total: z.number().int() }),
      "Accepted; poll the job",
    ),
    ...errorResponses(400, 401, 403, 409, 413, 415, 422),
  },
});

const getRoute = createRoute({
  ...common,
  middleware: [requireRole("seller", "operator"), requireScope("bulk:write")] as const,
  method: "get",
  path: "/admin/v1/bulk-jobs/{jobId}",
  summary: "A bulk job's progress and per-row errors",
  request: { params: z.object({ jobId: z.string().min(1).max(64) }) },
  responses: { 200: jsonResponse(bulkJobSchema.openapi("BulkJob"), "The job"), ...errorResponses(401, 403, 404) },
});

export function registerBulkJobRoutes(app: AdminApp): void {
  app.openapi(submitRoute, async (c) => {
    const type = (c.req.header("content-type") ?? "").split(";")[0]?.trim().toLowerCase();
    const format = type === "application/json" ? "json" : type === "text/csv" ? "csv" : null;
    if (!format) throw new AppError("unsupported_media_type", { detail: "Send application/json or text/csv" });
    const job = await submitBulkJob(
      { db: dbOf(c.env.DB), clock: c.var.clock, producers: c.env, log: c.var.log, requestId: c.var.requestId },
      callerOf(c),
      {
        kind: c.req.valid("query").kind,
        format,
        body: await c.req.text(),
      },
    );
    return c.json(job, 202);
  });
  app.openapi(getRoute, async (c) =>
    c.json(await getBulkJob(dbOf(c.env.DB), callerOf(c), c.req.valid("param").jobId), 200),
  );
}
