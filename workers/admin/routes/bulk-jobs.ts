/** Bulk upload and bulk edit: submit a file, poll the job. */
import { createRoute, z } from "@hono/zod-openapi";
import { bulkJobSchema, getBulkJob } from "../../../shared/catalog/bulk-job-view";
import { MAX_ROWS, submitBulkJob } from "../../../shared/catalog/bulk-jobs";
import { callerOf, requireRole, requireScope } from "../../../shared/platform/caller";
import { dbOf } from "../../../shared/platform/db";
import { AppError } from "../../../shared/platform/errors";
import { currencySchema, DEFAULT_CURRENCY } from "../../../shared/platform/money";
import { errorResponses, idempotencyHeaders } from "../../../shared/platform/openapi";
import type { AdminApp } from "../app";

const common = { tags: ["bulk jobs"], security: [{ bearer: [] }] };

/** A JSON import of one product in the seed's shape (the seed's T-shirt). */
const JSON_EXAMPLE = [
  {
    categoryId: 1003001,
    spu: { name: "经典圆领男士T恤 批量", brandId: 2001, description: "柔软舒适，100%纯棉" },
    basicAttributes: [
      { attributeId: 101, value: "NIKE" },
      { attributeId: 102, value: "棉" },
    ],
    skus: [
      {
        skuName: "黑色 L",
        price: 79,
        stock: 100,
        salesAttributes: [
          { attributeId: 201, value: "黑色" },
          { attributeId: 202, value: "L" },
        ],
      },
    ],
  },
];

/** Two rows of a Shopify export: a product's first variant row and its second variant (product columns empty). */
const CSV_EXAMPLE = `Handle,Title,Body (HTML),Vendor,Product Category,Type,Tags,Published,Option1 Name,Option1 Value,Option2 Name,Option2 Value,Variant SKU,Variant Grams,Variant Inventory Qty,Variant Price,Variant Compare At Price,Image Src,Image Position,Status
pegasus-41,NIKE Pegasus 41 跑步鞋,<p>轻量缓震</p>,NIKE,Apparel & Accessories > Shoes > Athletic Shoes,运动鞋,"running, 跑步",TRUE,颜色,黑色,尺码,42,PEG41-BLK-42,650,12,799.00,899.00,https://cdn.shopify.com/s/files/1/0612/3456/7890/files/pegasus-41-1.jpg,1,active
pegasus-41,,,,,,,,,白色,,42,PEG41-WHT-42,650,8,799.00,899.00,,,
`;

const JOB_EXAMPLE: z.infer<typeof bulkJobSchema> = {
  jobId: "job_01M8T9B4N6Q2W8E3R5T7Y9U1I3",
  kind: "import",
  format: "csv",
  status: "completed",
  total: 2,
  done: 1,
  failed: 1,
  errors: [
    {
      row: 3,
      ref: "fleece-hoodie",
      code: "unknown_category",
      detail:
        '"fleece-hoodie" (row 3): Type "Hoodies" has no category mapping and "Hoodies" is not the name of one of our categories. Add {"type": "Hoodies", "category": <our category id, name or path>} to the shop\'s mapping with PUT /admin/v1/import-mappings/categories (GET it for the current entries), then import this product again',
    },
  ],
  created: [
    { row: 1, ref: "pegasus-41", productId: "spu_01M8T9B5A1S3D5F7G9H1J3K5L7", status: "PENDING_AUDIT", warnings: [] },
  ],
  createdAt: "2026-01-15T08:00:00.000Z",
  completedAt: "2026-01-15T08:00:02.000Z",
};

const submitRoute = createRoute({
  ...common,
  middleware: [requireRole("seller"), requireScope("bulk:write")] as const,
  method: "post",
  path: "/admin/v1/bulk-jobs",
  summary: `Submit products (JSON array in the seed's shape, or a Shopify product CSV) or edits; at most ${MAX_ROWS} rows`,
  description:
    "Answers 202 at once; the events Worker runs the rows in chunks of 25, each succeeding or failing alone, and `GET /admin/v1/bulk-jobs/{jobId}` shows the progress. A Shopify export (text/csv) is imported as Shopify writes it, its categories through the shop's mapping (`PUT /admin/v1/import-mappings/categories`); docs/shopify-import.md says how each column maps. `?kind=edit` takes edits by seller SKU code (price, stock, status) as JSON or as a Shopify CSV's SKU, price and quantity columns.",
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
          example: JSON_EXAMPLE,
        },
        "text/csv": {
          schema: z
            .string()
            .describe(
              "A product CSV as Shopify exports it (Handle, Title, Body (HTML), Vendor, Product Category, Type, Tags, Published, Option1 Name/Value … Option3, Variant SKU, Variant Grams, Variant Inventory Qty, Variant Price, Variant Compare At Price, Image Src, Image Position, Gift Card, …, Variant Image, Status, metafield columns), rows sharing a Handle being one product; `Attribute: <name>` columns give basic attributes. Categories come from the shop's mapping (PUT /admin/v1/import-mappings/categories); see docs/shopify-import.md",
            ),
          example: CSV_EXAMPLE,
        },
      },
    },
  },
  responses: {
    202: {
      description: "Accepted; poll the job",
      content: {
        "application/json": {
          schema: z.object({ jobId: z.string(), status: z.literal("queued"), total: z.number().int() }),
          example: { jobId: JOB_EXAMPLE.jobId, status: "queued", total: 2 },
        },
      },
    },
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
  responses: {
    200: {
      description: "The job",
      content: { "application/json": { schema: bulkJobSchema.openapi("BulkJob"), example: JOB_EXAMPLE } },
    },
    ...errorResponses(401, 403, 404),
  },
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
