/**
 * Bulk upload and bulk edit (seed: 批量上传、批量编辑). A submission is parsed and stored as rows in
 * D1, split into chunks; each chunk is announced on the bulk-jobs queue and processed by the events
 * Worker. Each row succeeds or fails on its own (a bad row never blocks the good ones), and a row is
 * done at most once: imports find their own earlier creation through the operation log (written
 * in the same batch as the product), stock edits are idempotent by op id in the SKU's object.
 */
import { and, asc, count, eq, inArray, sql } from "drizzle-orm";
import { z } from "zod";
import { brands, bulkJobRows, bulkJobs, categories, operationLogs, prices } from "../../db/schema";
import { makeEvent } from "../events/messages";
import { outboxInsert, outboxRow, sendOutbox } from "../events/outbox";
import { adjustStock } from "../inventory/stock-intake";
import { assertScope, type Caller, callerSchema } from "../platform/auth";
import { inChunks } from "../platform/d1-chunks";
import { type Db, runBatch } from "../platform/db";
import { AppError } from "../platform/errors";
import { newId } from "../platform/ids";
import { createLogger, errorFields } from "../platform/logger";
import { type Currency, DEFAULT_CURRENCY, parseDecimal } from "../platform/money";
import { canAccessShop, ownShopOf } from "../platform/shop-access";
import { invalidField } from "../platform/validation";
import { apiKeyIsActive } from "../users/api-keys";
import type { CatalogDeps } from "./catalog-deps";
import { createProduct } from "./create-product";
import { type ProductInput, productInput } from "./product-input";
import { changeStatus } from "./product-status";
import { skusByCode } from "./products-repo";
import { replacePrices } from "./replace-prices";
import { parseShopifyCsv, type ShopifyProduct } from "./shopify-csv";
import { attributeTemplateOf } from "./structure";

/** Rows one job may hold, and rows per queue message. */
export const MAX_ROWS = 5000;
export const CHUNK_SIZE = 25;

export const bulkEditRow = z
  .object({
    sellerSkuCode: z.string().trim().min(1).max(64),
    price: z
      .union([z.number(), z.string().max(32)])
      .optional()
      .describe("New standard price, decimal"),
    stock: z.number().int().min(0).optional().describe("Set available stock in the default warehouse"),
    status: z.enum(["on-shelf", "off-shelf"]).optional(),
  })
  .strict();
export type BulkEditRow = z.infer<typeof bulkEditRow>;

type RowPayload =
  | { kind: "json-product"; value: unknown }
  | { kind: "shopify-product"; value: ShopifyProduct }
  | { kind: "edit"; value: unknown };

export const bulkJobSchema = z.object({
  jobId: z.string(),
  kind: z.enum(["import", "edit"]),
  format: z.enum(["json", "csv"]),
  status: z.enum(["queued", "running", "completed", "failed"]),
  total: z.number().int(),
  done: z.number().int(),
  failed: z.number().int(),
  errors: z.array(z.object({ row: z.number().int(), code: z.string(), detail: z.string() })),
  createdAt: z.string(),
  completedAt: z.string().nullable(),
});

function badBody(reason: string): AppError {
  return invalidField("body", reason);
}

/** Turns a submitted body into rows; the whole submission is refused only when it is unreadable or too big. */
export function parseSubmission(kind: "import" | "edit", format: "json" | "csv", body: string): RowPayload[] {
  if (format === "json") {
    let parsed: unknown;
    try {
      parsed = JSON.parse(body);
    } catch {
      throw new AppError("malformed_json", { detail: "The request body could not be parsed as JSON" });
    }
    if (!Array.isArray(parsed)) throw badBody("must be a JSON array of rows");
    return parsed.map((value) =>
      kind === "import" ? { kind: "json-product" as const, value } : { kind: "edit" as const, value },
    );
  }
  const csv = parseShopifyCsv(body);
  if (!csv.ok) throw badBody(csv.reason);
  if (kind === "import") return csv.products.map((value) => ({ kind: "shopify-product" as const, value }));
  return csv.products.flatMap((p) =>
    p.variants.map((v) => ({
      kind: "edit" as const,
      value: {
        sellerSkuCode: v.sku ?? "",
        price: v.price,
        ...(v.inventoryQty === null ? {} : { stock: v.inventoryQty }),
      },
    })),
  );
}

/** Stores a job and announces its chunks; answers at once, the events Worker does the work. */
export async function submitBulkJob(
  deps: Pick<CatalogDeps, "db" | "clock" | "producers" | "log" | "requestId">,
  caller: Caller,
  input: { kind: "import" | "edit"; format: "json" | "csv"; body: string },
) {
  const shopId = ownShopOf(caller, "Bulk jobs run for a seller's shop");
  const rows = parseSubmission(input.kind, input.format, input.body);
  if (rows.length === 0) throw badBody("holds no rows");
  if (rows.length > MAX_ROWS) {
    throw new AppError("payload_too_large", {
      detail: `A job holds at most ${MAX_ROWS} rows; this one has ${rows.length}. Split it.`,
    });
  }
  const { db, clock } = deps;
  const now = clock.now();
  const jobId = newId("job", now);
  const chunks = Math.ceil(rows.length / CHUNK_SIZE);
  const rowValues = rows.map((payload, i) => ({
    jobId,
    row: payload.kind === "shopify-product" ? payload.value.row : i + 1,
    chunk: Math.floor(i / CHUNK_SIZE),
    payload: JSON.stringify(payload),
    status: "pending" as const,
  }));
  const inserts = inChunks(rowValues, (chunk) => db.insert(bulkJobRows).values(chunk));
  // One event per chunk, committed with the rows (outbox), so a crash cannot strand a job.
  const events = Array.from({ length: chunks }, (_, chunk) =>
    outboxRow("bulk-jobs", makeEvent("bulk.chunk_ready", { jobId, chunk }, now)),
  );
  await runBatch(db, [
    db.insert(bulkJobs).values({
      id: jobId,
      shopId,
      kind: input.kind,
      format: input.format,
      status: "queued",
      total: rows.length,
      chunks,
      createdBy: caller.userId,
      // Rows run later, in the events Worker, with exactly these rights (user or key, scopes).
      credential: JSON.stringify(callerSchema.parse(caller)),
      createdAt: now,
      updatedAt: now,
    }),
    ...inserts,
    ...events.map((event) => outboxInsert(db, event)),
  ]);
  await sendOutbox(db, deps.producers, events, now).catch((err: unknown) =>
    (deps.log ?? createLogger()).warn("bulk job chunks not announced; the events cron sends them from the outbox", {
      requestId: deps.requestId,
      jobId,
      chunks,
      ...errorFields(err),
    }),
  );
  return { jobId, status: "queued" as const, total: rows.length };
}

export async function getBulkJob(db: Db, caller: Caller, jobId: string) {
  const job = await db.query.bulkJobs.findFirst({ where: eq(bulkJobs.id, jobId) });
  if (!job || !canAccessShop(caller, job.shopId)) {
    throw new AppError("not_found", { detail: `No bulk job ${jobId}` });
  }
  const counts = await db
    .select({ status: bulkJobRows.status, n: count() })
    .from(bulkJobRows)
    .where(eq(bulkJobRows.jobId, jobId))
    .groupBy(bulkJobRows.status);
  const errors = await db
    .select({ row: bulkJobRows.row, code: bulkJobRows.errorCode, detail: bulkJobRows.errorDetail })
    .from(bulkJobRows)
    .where(and(eq(bulkJobRows.jobId, jobId), eq(bulkJobRows.status, "failed")))
    .orderBy(asc(bulkJobRows.row))
    .limit(500);
  const n = (s: string) => counts.find((c) => c.status === s)?.n ?? 0;
  return {
    jobId: job.id,
    kind: job.kind,
    format: job.format,
    status: job.status,
    total: job.total,
    done: n("done"),
    failed: n("failed"),
    errors: errors.map((e) => ({ row: e.row, code: e.code ?? "failed", detail: e.detail ?? "" })),
    createdAt: new Date(job.createdAt).toISOString(),
    completedAt: job.completedAt === null ? null : new Date(job.completedAt).toISOString(),
  };
}

// ---------------------------------------------------------------------------------------------
// Processing (events Worker)

class RowError extends Error {
  constructor(
    readonly code: string,
    readonly detail: string,
  ) {
    super(detail);
  }
}

const BRAND_ATTRIBUTE_NAMES = new Set(["品牌", "brand", "vendor"]);

/** Maps a Shopify product onto the seed's product JSON, finding the category, brand and attributes by name. */
async function fromShopify(db: Db, p: ShopifyProduct): Promise<ProductInput> {
  const category = await db.query.categories.findFirst({ where: eq(categories.name, p.type) });
  if (!category) throw new RowError("unknown_category", `Type "${p.type}" names no category`);
  const brand = p.vendor ? await db.query.brands.findFirst({ where: eq(brands.name, p.vendor) }) : undefined;
  if (p.vendor && !brand) throw new RowError("unknown_brand", `Vendor "${p.vendor}" names no brand`);
  const template = await attributeTemplateOf(db, category.id);
  const byName = new Map(
    template.filter((t) => t.kind === "sales").map((t) => [t.attributeName.toLowerCase(), t.attributeId]),
  );
  if (p.variants.length === 0) throw new RowError("no_variants", "The product has no variant with a price");
  const skus = p.variants.map((v) => ({
    skuName: v.options.map((o) => o.value).join(" ") || p.title,
    price: v.price,
    stock: v.inventoryQty ?? 0,
    salesAttributes: v.options.map((o) => {
      const attributeId = byName.get(o.name.toLowerCase());
      if (attributeId === undefined)
        throw new RowError("unknown_attribute", `Option "${o.name}" is not a sales attribute of ${category.name}`);
      return { attributeId, value: o.value };
    }),
    ...(v.sku ? { sellerSkuCode: v.sku } : {}),
  }));
  // Shopify's Vendor is the brand; where the template has a basic brand attribute, it fills it too.
  const brandAttribute = template.find(
    (t) => t.kind === "basic" && BRAND_ATTRIBUTE_NAMES.has(t.attributeName.toLowerCase()),
  );
  const parsed = productInput.safeParse({
    categoryId: category.id,
    spu: { name: p.title, description: p.bodyHtml, ...(brand ? { brandId: brand.id } : {}) },
    basicAttributes: brandAttribute && p.vendor ? [{ attributeId: brandAttribute.attributeId, value: p.vendor }] : [],
    skus,
    images: p.images,
  });
  if (!parsed.success)
    throw new RowError(
      "validation_failed",
      parsed.error.issues.map((i) => `${i.path.join(".")}: ${i.message}`).join("; "),
    );
  return parsed.data;
}

/**
 * Who a job's rows act as: the credential that submitted it. Jobs stored before credentials were
 * kept ran as their creating seller, as they always did.
 */
function jobCaller(job: { credential: string | null; createdBy: string; shopId: string }): Caller {
  if (job.credential === null) return { userId: job.createdBy, roles: ["seller"], shopId: job.shopId };
  const parsed = callerSchema.parse(JSON.parse(job.credential));
  return {
    userId: parsed.userId,
    roles: parsed.roles,
    ...(parsed.shopId ? { shopId: parsed.shopId } : {}),
    ...(parsed.apiKeyId ? { apiKeyId: parsed.apiKeyId } : {}),
    ...(parsed.scopes ? { scopes: parsed.scopes } : {}),
  };
}

async function importRow(deps: CatalogDeps, caller: Caller, payload: RowPayload, marker: string): Promise<string> {
  // The same permission as POST /admin/v1/products.
  assertScope(caller, "catalog:write");
  // A redelivered chunk: the product this row created is in the log, written with the product.
  const earlier = await deps.db.query.operationLogs.findFirst({
    columns: { entityId: true },
    where: and(
      eq(operationLogs.requestId, marker),
      eq(operationLogs.operation, "create"),
      eq(operationLogs.entityType, "product"),
    ),
  });
  if (earlier) return earlier.entityId;
  let input: ProductInput;
  if (payload.kind === "shopify-product") input = await fromShopify(deps.db, payload.value);
  else {
    const parsed = productInput.safeParse(payload.value);
    if (!parsed.success)
      throw new RowError(
        "validation_failed",
        parsed.error.issues.map((i) => `${i.path.join(".")}: ${i.message}`).join("; "),
      );
    input = parsed.data;
  }
  const created = await createProduct({ ...deps, requestId: marker }, caller, input);
  return created.productId;
}

async function editRow(
  deps: CatalogDeps,
  caller: Caller,
  shopId: string,
  value: unknown,
  marker: string,
): Promise<string> {
  const parsed = bulkEditRow.safeParse(value);
  if (!parsed.success)
    throw new RowError(
      "validation_failed",
      parsed.error.issues.map((i) => `${i.path.join(".")}: ${i.message}`).join("; "),
    );
  const edit = parsed.data;
  // Each change needs the same permission as its direct route; a row asking for one it may not
  // make changes nothing.
  if (edit.price !== undefined) assertScope(caller, "prices:write");
  if (edit.stock !== undefined) assertScope(caller, "stock:write");
  if (edit.status !== undefined) assertScope(caller, "catalog:write");
  const [sku] = await skusByCode(deps.db, shopId, [edit.sellerSkuCode]);
  if (!sku) throw new RowError("not_found", `No SKU with code ${edit.sellerSkuCode} in this shop`);
  if (edit.price !== undefined) {
    const rows = await deps.db.select().from(prices).where(eq(prices.skuId, sku.id));
    const currency = (rows.find((r) => r.type === "standard")?.currency ?? DEFAULT_CURRENCY) as Currency;
    const amount = parseDecimal(edit.price, currency);
    if (!amount.ok || amount.value <= 0)
      throw new RowError("validation_failed", `price: ${amount.ok ? "must be greater than zero" : amount.reason}`);
    const promos = rows.filter((r) => r.type === "promo");
    await replacePrices(deps, caller, sku.id, {
      prices: [
        { type: "standard", price: { amount: amount.value, currency } },
        ...promos.map((p) => ({
          type: "promo" as const,
          price: { amount: p.amount, currency: p.currency as Currency },
          effectiveAt: new Date(p.effectiveAt).toISOString(),
          expiresAt: p.expiresAt === null ? null : new Date(p.expiresAt).toISOString(),
        })),
      ],
    });
  }
  if (edit.stock !== undefined)
    await adjustStock(deps, caller, sku.id, { set: edit.stock, reason: "bulk edit" }, marker);
  if (edit.status) {
    try {
      await changeStatus(deps, caller, sku.productId, edit.status);
    } catch (err) {
      const target = edit.status === "on-shelf" ? ["ON_SHELF", "SOLD_OUT"] : ["OFF_SHELF"];
      const current = err instanceof AppError ? err.extensions.currentStatus : undefined;
      if (
        !(
          err instanceof AppError &&
          err.code === "invalid_transition" &&
          typeof current === "string" &&
          target.includes(current)
        )
      )
        throw err;
    }
  }
  return sku.id;
}

/** Processes one chunk's pending rows; safe to run again for the same chunk. */
export async function processChunk(deps: CatalogDeps, jobId: string, chunk: number): Promise<void> {
  const { db } = deps;
  const job = await db.query.bulkJobs.findFirst({ where: eq(bulkJobs.id, jobId) });
  if (!job) return;
  if (job.status === "queued") {
    await db
      .update(bulkJobs)
      .set({ status: "running", updatedAt: deps.clock.now() })
      .where(and(eq(bulkJobs.id, jobId), eq(bulkJobs.status, "queued")));
  }
  const caller = jobCaller(job);
  const revoked = caller.apiKeyId !== undefined && !(await apiKeyIsActive(db, caller.apiKeyId));
  const rows = await db
    .select()
    .from(bulkJobRows)
    .where(and(eq(bulkJobRows.jobId, jobId), eq(bulkJobRows.chunk, chunk), eq(bulkJobRows.status, "pending")))
    .orderBy(asc(bulkJobRows.row));
  for (const row of rows) {
    const marker = `bulk:${jobId}:${row.row}`;
    const payload = JSON.parse(row.payload) as RowPayload;
    try {
      if (revoked) throw new RowError("forbidden", "The API key that submitted this job was revoked");
      const resultId =
        payload.kind === "edit"
          ? await editRow(deps, caller, job.shopId, payload.value, marker)
          : await importRow(deps, caller, payload, marker);
      await db
        .update(bulkJobRows)
        .set({ status: "done", resultId })
        .where(and(eq(bulkJobRows.jobId, jobId), eq(bulkJobRows.row, row.row)));
    } catch (err) {
      // Row-level problems fail the row; anything else (D1, a Worker) retries the chunk.
      const known =
        err instanceof RowError
          ? { code: err.code, detail: err.detail }
          : err instanceof AppError && err.status < 500
            ? { code: String(err.extensions.reason ?? err.code), detail: err.detail }
            : null;
      if (!known) throw err;
      await db
        .update(bulkJobRows)
        .set({ status: "failed", errorCode: known.code, errorDetail: known.detail.slice(0, 1000) })
        .where(and(eq(bulkJobRows.jobId, jobId), eq(bulkJobRows.row, row.row)));
    }
  }
  const [pending] = await db
    .select({ n: count() })
    .from(bulkJobRows)
    .where(and(eq(bulkJobRows.jobId, jobId), inArray(bulkJobRows.status, ["pending"])));
  if ((pending?.n ?? 0) === 0) {
    const now = deps.clock.now();
    await db
      .update(bulkJobs)
      .set({ status: "completed", completedAt: sql`coalesce(${bulkJobs.completedAt}, ${now})`, updatedAt: now })
      .where(eq(bulkJobs.id, jobId));
  }
}
