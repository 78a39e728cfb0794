/**
 * Bulk upload and bulk edit (seed: 批量上传、批量编辑). A submission is parsed and stored as rows in
 * D1, split into chunks; each chunk is announced on the bulk-jobs queue and processed by the events
 * Worker. Each row succeeds or fails on its own (a bad row never blocks the good ones), and a row is
 * done at most once: imports find their own earlier creation through the operation log (written
 * in the same batch as the product), stock edits are idempotent by op id in the SKU's object.
 * A job ends `completed` when at least one row succeeded (the failed ones listed with why) and
 * `failed` when none did. Shopify rows are mapped and finished by shopify-import.ts.
 */
import { and, asc, count, eq, sql } from "drizzle-orm";
import { z } from "zod";
import { bulkJobRows, bulkJobs, operationLogs, prices } from "../../db/schema";
import { makeEvent } from "../events/messages";
import { outboxInsert, outboxRow, sendOutbox } from "../events/outbox";
import { adjustStock } from "../inventory/stock-intake";
import { assertScope, type Caller, callerSchema } from "../platform/auth";
import { inChunks } from "../platform/d1-chunks";
import { runBatch } from "../platform/db";
import { AppError } from "../platform/errors";
import { newId } from "../platform/ids";
import { createLogger, errorFields } from "../platform/logger";
import { type Currency, DEFAULT_CURRENCY, parseDecimal } from "../platform/money";
import { ownShopOf } from "../platform/shop-access";
import { invalidField } from "../platform/validation";
import { apiKeyIsActive } from "../users/api-keys";
import { RowError } from "./bulk-row-error";
import type { CatalogDeps } from "./catalog-deps";
import { createProduct } from "./create-product";
import { updateProduct } from "./edit-product";
import { productInput } from "./product-input";
import { changeStatus } from "./product-status";
import { findProduct, skusByCode } from "./products-repo";
import { replacePrices } from "./replace-prices";
import { parseShopifyCsv, type ShopifyProduct, shopifyProductSchema } from "./shopify-csv";
import { type ImportedProduct, importShopifyProduct } from "./shopify-import";

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

/** A content edit of a product a feed matched by its SKU codes: the SPU fields that differ. */
export const productEditRow = z
  .object({
    productId: z.string().min(1).max(64),
    name: z.string().trim().min(1).max(200).optional(),
    description: z.string().max(20_000).optional(),
  })
  .strict();

/**
 * One stored row: a product to create (seed JSON or a Shopify product), an edit by seller SKU
 * code, a product's content edit, or a row refused before it was stored (a feed's item that
 * cannot be matched), which fails with its reason like any bad row.
 */
export type RowPayload =
  | { kind: "json-product"; value: unknown }
  | { kind: "shopify-product"; value: ShopifyProduct }
  | { kind: "edit"; value: unknown }
  | { kind: "product-edit"; value: z.infer<typeof productEditRow> }
  | { kind: "rejected"; value: { ref: string | null; code: string; detail: string } };

function badBody(reason: string): AppError {
  return invalidField("body", reason);
}

/** What a row is about, for the job view: a handle, a seller SKU code, a product name. */
function refOf(payload: RowPayload): string | null {
  if (payload.kind === "shopify-product") return payload.value.handle || null;
  if (payload.kind === "rejected") return payload.value.ref;
  if (payload.kind === "product-edit") return payload.value.name ?? payload.value.productId;
  const value = payload.value;
  if (typeof value !== "object" || value === null) return null;
  if (payload.kind === "edit") {
    const code = (value as { sellerSkuCode?: unknown }).sellerSkuCode;
    return typeof code === "string" ? code.slice(0, 200) : null;
  }
  const name = (value as { spu?: { name?: unknown } }).spu?.name;
  return typeof name === "string" ? name.slice(0, 200) : null;
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
  input: { kind: "import" | "edit"; format: "json" | "csv"; body: string; currency?: Currency },
) {
  // Refused before the body is read: operators and shopless sellers have no shop to import into.
  ownShopOf(caller, "Bulk jobs run for a seller's shop");
  const rows = parseSubmission(input.kind, input.format, input.body).map((payload) =>
    // A Shopify export names no currency: the submission's applies to every product of it.
    payload.kind === "shopify-product" && input.currency
      ? { ...payload, value: { ...payload.value, currency: input.currency } }
      : payload,
  );
  if (rows.length === 0) throw badBody("holds no rows");
  if (rows.length > MAX_ROWS) {
    throw new AppError("payload_too_large", {
      detail: `A job holds at most ${MAX_ROWS} rows; this one has ${rows.length}. Split it.`,
    });
  }
  return storeBulkJob(deps, caller, { kind: input.kind, format: input.format, rows });
}

/**
 * Stores rows already planned (a submission's, or a feed run's difference) as one job and
 * announces its chunks; the job acts as `caller`, for the caller's own shop.
 */
export async function storeBulkJob(
  deps: Pick<CatalogDeps, "db" | "clock" | "producers" | "log" | "requestId">,
  caller: Caller,
  input: { kind: "import" | "edit" | "feed"; format: "json" | "csv"; rows: RowPayload[] },
) {
  const shopId = ownShopOf(caller, "Bulk jobs run for a seller's shop");
  const { rows } = input;
  const { db, clock } = deps;
  const now = clock.now();
  const jobId = newId("job", now);
  const chunks = Math.ceil(rows.length / CHUNK_SIZE);
  const rowValues = rows.map((payload, i) => ({
    jobId,
    // A feed's rows mix kinds, so they are numbered in order; an upload's Shopify rows keep their CSV record.
    row: payload.kind === "shopify-product" && input.kind !== "feed" ? payload.value.row : i + 1,
    chunk: Math.floor(i / CHUNK_SIZE),
    payload: JSON.stringify(payload),
    ref: refOf(payload),
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

// ---------------------------------------------------------------------------------------------
// Processing (events Worker)

/**
 * Who a job's rows act as: the credential that submitted it. Jobs stored before credentials were
 * kept ran as their creating seller, as they always did.
 */
function jobCaller(job: { credential: string | null; createdBy: string; shopId: string }): Caller {
  if (job.credential === null) return { userId: job.createdBy, roles: ["seller"], shopId: job.shopId };
  return credentialCaller(job.credential);
}

/** A credential stored for later work (a job, a feed) as the caller it was. */
export function credentialCaller(credential: string): Caller {
  const parsed = callerSchema.parse(JSON.parse(credential));
  return {
    userId: parsed.userId,
    roles: parsed.roles,
    ...(parsed.shopId ? { shopId: parsed.shopId } : {}),
    ...(parsed.apiKeyId ? { apiKeyId: parsed.apiKeyId } : {}),
    ...(parsed.scopes ? { scopes: parsed.scopes } : {}),
  };
}

/** Creates a row's product once; answers its id and, for Shopify rows, what the import left behind. */
async function importRow(
  deps: CatalogDeps,
  caller: Caller,
  payload: RowPayload,
  marker: string,
): Promise<{ resultId: string; outcome: Omit<ImportedProduct, "productId"> | null }> {
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
  const rowDeps = { ...deps, requestId: marker };
  if (payload.kind === "shopify-product") {
    const product = shopifyProductSchema.parse(payload.value);
    const { productId, ...outcome } = await importShopifyProduct(rowDeps, caller, product, earlier?.entityId);
    return { resultId: productId, outcome };
  }
  if (earlier) return { resultId: earlier.entityId, outcome: null };
  const parsed = productInput.safeParse(payload.value);
  if (!parsed.success)
    throw new RowError(
      "validation_failed",
      parsed.error.issues.map((i) => `${i.path.join(".")}: ${i.message}`).join("; "),
    );
  const created = await createProduct(rowDeps, caller, parsed.data);
  return { resultId: created.productId, outcome: { status: created.status, warnings: [] } };
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

/** Applies a feed's content edit to the product as it is now (its current version). */
async function productEditRowApply(deps: CatalogDeps, caller: Caller, shopId: string, value: unknown): Promise<string> {
  assertScope(caller, "catalog:write");
  const edit = productEditRow.parse(value);
  const product = await findProduct(deps.db, edit.productId);
  if (!product || product.shopId !== shopId)
    throw new RowError("not_found", `No product ${edit.productId} in this shop`);
  const { productId, ...fields } = edit;
  await updateProduct(deps, caller, productId, { version: product.version, ...fields });
  return productId;
}

async function runRow(deps: CatalogDeps, caller: Caller, shopId: string, payload: RowPayload, marker: string) {
  switch (payload.kind) {
    case "rejected":
      throw new RowError(payload.value.code, payload.value.detail);
    case "edit":
      return { resultId: await editRow(deps, caller, shopId, payload.value, marker), outcome: null };
    case "product-edit":
      return { resultId: await productEditRowApply(deps, caller, shopId, payload.value), outcome: null };
    default:
      return importRow(deps, caller, payload, marker);
  }
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
      const result = await runRow(deps, caller, job.shopId, payload, marker);
      await db
        .update(bulkJobRows)
        .set({
          status: "done",
          resultId: result.resultId,
          outcome: result.outcome === null ? null : JSON.stringify(result.outcome),
        })
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
  const counts = await db
    .select({ status: bulkJobRows.status, n: count() })
    .from(bulkJobRows)
    .where(eq(bulkJobRows.jobId, jobId))
    .groupBy(bulkJobRows.status);
  const n = (s: string) => counts.find((c) => c.status === s)?.n ?? 0;
  if (n("pending") === 0) {
    const now = deps.clock.now();
    // A job none of whose rows succeeded failed; one with some failures completed and lists them.
    await db
      .update(bulkJobs)
      .set({
        status: n("done") === 0 ? "failed" : "completed",
        completedAt: sql`coalesce(${bulkJobs.completedAt}, ${now})`,
        updatedAt: now,
      })
      .where(eq(bulkJobs.id, jobId));
  }
}
