/** Bulk upload and bulk edit: submit a file, poll the job. */
import { createRoute, z } from "@hono/zod-openapi";
import { bulkJobSchema, getBulkJob } from "../../../shared/catalog/bulk-job-view";
import { MAX_ROWS, submitBulkJob } from "../../../shared/catalog/bulk-jobs";
import { callerOf, requireRole, requireScope } from "../../../shared/platform/caller";
import { dbOf } from "../../../shared/platform/db";
import { AppError } from "../../../shared/platform/errors";
import { currencySchema, DEFAULT_CURRENCY } from "../../../shared/platform/money";
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
    query: z.object({
      kind: z.enum(["import", "edit"]).default("import"),
      currency: currencySchema
        .optional()
        .describe(`Currency of a CSV import's prices (a Shopify export names none); default ${DEFAULT_CURRENCY}`),
    }),
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
              "A product CSV as Shopify exports it (Handle, Title, Body (HTML), Vendor, Product Category, Type, Tags, Published, Option1 Name/Value … Option3, Variant SKU, Variant Grams, Variant Inventory Qty, Variant Price, Variant Compare At Price, Image Src, Image Position, Gift Card, …, Variant Image, Status, metafield columns), rows sharing a Handle being one product; `Attribute: <name>` columns give basic attributes. Categories come from the shop's mapping (PUT /admin/v1/import-mappings/categories); see docs/shopify-import.md",
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
  summary: "A bulk job's progress, per-row errors and the products it created",
  description:
    "`completed` once every row ran and at least one succeeded (failed rows in `errors`), `failed` when every row failed. `created` lists an import's products by row and handle, with the status the import left them in (PENDING_AUDIT for Shopify's active products, else DRAFT) and warnings about what it could not carry over.",
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
        ...c.req.valid("query"),
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
