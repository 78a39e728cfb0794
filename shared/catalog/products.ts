/**
 * Products (SPU) and SKUs: creation from the seed's JSON, reads, lifecycle transitions, prices
 * and listing, and the write helpers content edits share (product-edits.ts; on an audited product
 * an edit waits in a revision until an operator approves it, revisions.ts). Every change writes
 * an operation-log entry, every content change a snapshot, in the same D1 batch as the change,
 * and emits a catalog event.
 *
 * Concurrency: all content edits of a product (its own fields, its SKUs) move `products.version`
 * with a compare-and-set that also stamps `last_op_id`; the batch's next statement asserts that
 * stamp, so a lost race aborts the whole batch (D1 batches are transactions) and answers 409.
 */
import { and, desc, eq, ne, type SQL, sql } from "drizzle-orm";
import { z } from "zod";
import {
  prices,
  productAttributeValues,
  productImages,
  products,
  skuAttributeValues,
  skuStock,
  skus,
} from "../../db/schema";
import type { SkuInventory } from "../../durable-objects/sku-inventory";
import { makeEvent } from "../events/messages";
import { type OutboxRow, outboxInsert, outboxRow, sendOutbox } from "../events/outbox";
import type { Producers } from "../events/producer";
import { adjustOne } from "../inventory/stock";
import { type Actor, actorOf, SYSTEM_ACTOR } from "../platform/actor";
import type { Caller } from "../platform/auth";
import type { Clock } from "../platform/clock";
import { createdCursorSchema, decodeCursor, olderThan, pageOf } from "../platform/cursor";
import { assertExists, type Db, isAssertionFailure, runBatch } from "../platform/db";
import { AppError, type FieldError } from "../platform/errors";
import { newId } from "../platform/ids";
import { createLogger, errorFields, type Logger } from "../platform/logger";
import { type Currency, DEFAULT_CURRENCY, moneySchema } from "../platform/money";
import { canAccessShop, ownShopOf } from "../platform/shop-access";
import { invalidFields } from "../platform/validation";
import { listSnapshots, logInsert, snapshotInsert, snapshotRow } from "./history";
import {
  apply,
  assertEditable,
  type LifecycleAction,
  PRODUCT_STATUS,
  type ProductStatusName,
  statusName,
} from "./lifecycle";
import { effectivePrice } from "./pricing";
import { checkProduct, dimensionsSchema, type ProductInput, type skuInput } from "./product-input";
import { availableOf, loadProduct, type ProductRecord, type SkuRecord, warehouseFor } from "./products-repo";
import { pendingRevisionRow, type RevisionView, revisionSchema, revisionView } from "./revisions-repo";
import { attributeTemplateOf, findBrand, findCategory } from "./structure";

export interface CatalogDeps {
  db: Db;
  clock: Clock;
  producers: Producers;
  inventory: DurableObjectNamespace<SkuInventory>;
  requestId?: string;
  /** Where best-effort steps report what they could not do (the request's logger). */
  log?: Logger;
}

// ---------------------------------------------------------------------------------------------
// Views

export const priceRowSchema = z.object({
  type: z.enum(["standard", "promo"]),
  price: moneySchema,
  effectiveAt: z.string(),
  expiresAt: z.string().nullable(),
});

const attributeValueSchema = z.object({ attributeId: z.number().int(), attributeName: z.string(), value: z.string() });

export const adminSkuSchema = z.object({
  skuId: z.string(),
  skuName: z.string(),
  sellerSkuCode: z.string().nullable(),
  salesAttributes: z.array(attributeValueSchema),
  price: moneySchema.nullable().describe("The price in effect now"),
  prices: z.array(priceRowSchema),
  weightGrams: z.number().int().nullable(),
  dimensionsMm: dimensionsSchema.nullable(),
  stock: z.object({ available: z.number().int(), reserved: z.number().int(), sold: z.number().int() }),
  version: z.number().int(),
});

export const adminProductSchema = z.object({
  productId: z.string(),
  shopId: z.string(),
  categoryId: z.number().int(),
  brandId: z.number().int().nullable(),
  name: z.string(),
  description: z.string(),
  nameI18n: z.record(z.string(), z.string()).nullable(),
  descriptionI18n: z.record(z.string(), z.string()).nullable(),
  status: z.string(),
  statusCode: z.number().int(),
  statusReason: z.string().nullable(),
  version: z.number().int(),
  basicAttributes: z.array(attributeValueSchema),
  images: z.array(z.string()),
  skus: z.array(adminSkuSchema),
  createdAt: z.string(),
  updatedAt: z.string(),
  pendingRevision: revisionSchema
    .nullable()
    .describe("A content edit waiting for an operator's approval (audited products); the fields above are live"),
});
export type AdminProduct = z.infer<typeof adminProductSchema>;

const parseJson = <T>(text: string | null): T | null => (text === null ? null : (JSON.parse(text) as T));

function view(record: ProductRecord, now: number, pendingRevision: RevisionView | null = null): AdminProduct {
  const { row } = record;
  return {
    productId: row.id,
    shopId: row.shopId,
    categoryId: row.categoryId,
    brandId: row.brandId,
    name: row.name,
    description: row.description,
    nameI18n: parseJson(row.nameI18n),
    descriptionI18n: parseJson(row.descriptionI18n),
    status: statusName(row.status),
    statusCode: row.status,
    statusReason: row.statusReason,
    version: row.version,
    basicAttributes: record.basicAttributes,
    images: record.images,
    skus: record.skus.map((s) => ({
      skuId: s.row.id,
      skuName: s.row.name,
      sellerSkuCode: s.row.sellerSkuCode,
      salesAttributes: s.salesAttributes,
      price: effectivePrice(s.prices, now),
      prices: s.prices.map((p) => ({
        type: p.type,
        price: { amount: p.amount, currency: p.currency as Currency },
        effectiveAt: new Date(p.effectiveAt).toISOString(),
        expiresAt: p.expiresAt === null ? null : new Date(p.expiresAt).toISOString(),
      })),
      weightGrams: s.row.weightGrams,
      dimensionsMm: parseJson(s.row.dimensionsMm),
      stock: s.stock,
      version: s.row.version,
    })),
    createdAt: new Date(row.createdAt).toISOString(),
    updatedAt: new Date(row.updatedAt).toISOString(),
    pendingRevision,
  };
}

/** What a snapshot records: the product's content, without status, prices or stock. */
export function snapshotContent(record: ProductRecord) {
  return {
    productId: record.row.id,
    categoryId: record.row.categoryId,
    brandId: record.row.brandId,
    name: record.row.name,
    description: record.row.description,
    nameI18n: parseJson(record.row.nameI18n),
    descriptionI18n: parseJson(record.row.descriptionI18n),
    basicAttributes: record.basicAttributes.map(({ attributeId, value }) => ({ attributeId, value })),
    images: record.images,
    skus: record.skus
      .map((s) => ({
        skuId: s.row.id,
        skuName: s.row.name,
        sellerSkuCode: s.row.sellerSkuCode,
        salesAttributes: s.salesAttributes.map(({ attributeId, value }) => ({ attributeId, value })),
        weightGrams: s.row.weightGrams,
        dimensionsMm: parseJson(s.row.dimensionsMm),
      }))
      .sort((a, b) => (a.skuId < b.skuId ? -1 : 1)),
  };
}

// ---------------------------------------------------------------------------------------------
// Access

export function notFound(what: string, id: string): AppError {
  return new AppError("not_found", { detail: `No ${what} ${id}` });
}

/** The product, if the caller may see it: operators any, sellers their shop's; else 404. */
async function visibleProduct(db: Db, caller: Caller, productId: string): Promise<ProductRecord> {
  const record = await loadProduct(db, productId);
  const visible = record && record.row.status !== PRODUCT_STATUS.DELETED && canAccessShop(caller, record.row.shopId);
  if (!visible || !record) throw notFound("product", productId);
  return record;
}

/** Aborts the batch unless the product carries `opId`, i.e. this batch's compare-and-set won. */
export function assertOwnOp(db: Db, productId: string, opId: string) {
  return assertExists(db, sql`SELECT 1 FROM products WHERE id = ${productId} AND last_op_id = ${opId}`);
}

/** A 409 for the catalog's unique indexes (duplicate product, reused seller SKU code), else `err` itself. */
export function duplicateOr(err: unknown): unknown {
  const match = /UNIQUE constraint failed: ([a-z_.,\s]+)/i.exec(String((err as { cause?: unknown })?.cause ?? err));
  const columns = match?.[1] ?? "";
  if (columns.includes("products.")) {
    return new AppError("conflict", {
      detail: "This shop already has a product with this category, brand and name",
      extensions: { reason: "duplicate_product" },
    });
  }
  if (columns.includes("skus.")) {
    return new AppError("conflict", {
      detail: "A seller SKU code is already used in this shop",
      extensions: { reason: "duplicate_sku_code" },
    });
  }
  return err;
}

/**
 * The catalog event of a change, as an outbox row: written in the change's own batch, so a crash
 * after the commit cannot lose it (the events cron sends what `sendChange` did not).
 */
export function changeEvent(
  deps: CatalogDeps,
  record: { id: string; shopId: string; version: number },
  change: "created" | "updated" | "status" | "price" | "stock",
): OutboxRow {
  return outboxRow(
    "catalog-events",
    makeEvent(
      "catalog.product_changed",
      { productId: record.id, shopId: record.shopId, change, version: record.version },
      deps.clock.now(),
    ),
  );
}

/** Sends a committed change's event now; on failure it waits in the outbox for the events cron. */
export async function sendChange(deps: CatalogDeps, event: OutboxRow): Promise<void> {
  await sendOutbox(deps.db, deps.producers, [event], deps.clock.now()).catch((err: unknown) =>
    (deps.log ?? createLogger()).warn("catalog event not sent; the events cron sends it from the outbox", {
      requestId: deps.requestId,
      eventId: event.id,
      ...errorFields(err),
    }),
  );
}

/** The product a SKU belongs to, if the caller may see it. */
export async function productOfSku(db: Db, caller: Caller, skuId: string) {
  const sku = await db.query.skus.findFirst({ columns: { productId: true }, where: eq(skus.id, skuId) });
  if (!sku) throw notFound("SKU", skuId);
  try {
    return await visibleProduct(db, caller, sku.productId);
  } catch {
    throw notFound("SKU", skuId);
  }
}

// ---------------------------------------------------------------------------------------------
// Reads

export async function getProduct(
  deps: Pick<CatalogDeps, "db" | "clock">,
  caller: Caller,
  productId: string,
): Promise<AdminProduct> {
  const record = await visibleProduct(deps.db, caller, productId);
  const pending = await pendingRevisionRow(deps.db, productId);
  return view(record, deps.clock.now(), pending ? revisionView(pending) : null);
}

// ---------------------------------------------------------------------------------------------
// Create

async function checkReferences(db: Db, input: { categoryId: number; brandId?: number | undefined }) {
  const errors: FieldError[] = [];
  const category = await findCategory(db, input.categoryId);
  if (!category) errors.push({ field: "categoryId", reason: `no category ${input.categoryId}` });
  if (input.brandId !== undefined && !(await findBrand(db, input.brandId))) {
    errors.push({ field: "spu.brandId", reason: `no brand ${input.brandId}` });
  }
  return { category, errors };
}

/** A new SKU as a record (row and sales attributes), before it is written. */
export function newSkuRecord(
  ids: { productId: string; shopId: string; skuId: string; position: number },
  sku: z.infer<typeof skuInput>,
  attributeName: (attributeId: number) => string,
  now: number,
): SkuRecord {
  return {
    row: {
      id: ids.skuId,
      productId: ids.productId,
      shopId: ids.shopId,
      position: ids.position,
      sellerSkuCode: sku.sellerSkuCode ?? null,
      name: sku.skuName,
      weightGrams: sku.weightGrams ?? null,
      dimensionsMm: sku.dimensionsMm ? JSON.stringify(sku.dimensionsMm) : null,
      status: 1,
      version: 1,
      createdAt: now,
      updatedAt: now,
    },
    salesAttributes: sku.salesAttributes.map((a) => ({
      attributeId: a.attributeId,
      attributeName: attributeName(a.attributeId),
      value: a.value,
    })),
    prices: [],
    stock: { available: sku.stock, reserved: 0, sold: 0 },
  };
}

/** The statements that write a new SKU: its row, sales attributes and standard price. */
export function skuStatements(db: Db, record: SkuRecord, amount: number, currency: Currency, now: number) {
  const skuId = record.row.id;
  return [
    db.insert(skus).values(record.row),
    ...record.salesAttributes.map((a) =>
      db.insert(skuAttributeValues).values({ skuId, attributeId: a.attributeId, value: a.value }),
    ),
    db
      .insert(prices)
      .values({ id: newId("price", now), skuId, type: "standard", amount, currency, effectiveAt: now, createdAt: now }),
  ];
}

/** Receives a new SKU's opening stock in its object, before any D1 row names it (see createProduct). */
export async function openingStock(deps: CatalogDeps, skuId: string, shopId: string, quantity: number, actor: Actor) {
  const warehouse = await warehouseFor(deps.db, shopId);
  if (!warehouse) throw new AppError("unprocessable", { detail: "The shop has no warehouse to receive stock into" });
  const result = await adjustOne(deps.inventory, {
    skuId,
    opId: `opening:${skuId}`,
    warehouseId: warehouse.id,
    mode: "delta",
    quantity,
    reason: "opening stock",
    actor: actor.id,
    at: deps.clock.now(),
  });
  return { warehouseId: warehouse.id, revision: result.revision, available: result.available };
}

/**
 * Creates a product from the seed's JSON as a DRAFT. Opening stock goes into each new SKU's
 * object first: if the D1 batch then fails, those objects belong to ids nothing refers to, and a
 * retry makes new ones, so no stock is ever counted twice.
 */
export async function createProduct(deps: CatalogDeps, caller: Caller, input: ProductInput) {
  const { db, clock } = deps;
  const shopId = ownShopOf(caller, "Products are created by the seller of a shop");
  const actor = actorOf(caller);
  const refs = await checkReferences(db, { categoryId: input.categoryId, brandId: input.spu.brandId });
  if (refs.errors.length) throw invalidFields(refs.errors);
  const currency = input.currency ?? DEFAULT_CURRENCY;
  const checked = checkProduct(input, await attributeTemplateOf(db, input.categoryId), currency);
  if (checked.errors.length) throw invalidFields(checked.errors);

  const now = clock.now();
  const productId = newId("product", now);
  const skuIds = input.skus.map(() => newId("sku", now));
  const opening = await Promise.all(
    input.skus.map((sku, i) => openingStock(deps, skuIds[i] ?? "", shopId, sku.stock, actor)),
  );

  const row = {
    id: productId,
    shopId,
    categoryId: input.categoryId,
    brandId: input.spu.brandId ?? null,
    name: input.spu.name,
    description: input.spu.description,
    nameI18n: input.spu.nameI18n ? JSON.stringify(input.spu.nameI18n) : null,
    descriptionI18n: input.spu.descriptionI18n ? JSON.stringify(input.spu.descriptionI18n) : null,
    status: PRODUCT_STATUS.DRAFT,
    statusReason: null,
    salesCount: 0,
    version: 1,
    lastOpId: null,
    createdAt: now,
    updatedAt: now,
  };
  const record: ProductRecord = {
    row,
    basicAttributes: input.basicAttributes.map((a) => ({
      attributeId: a.attributeId,
      attributeName: a.attributeName ?? "",
      value: a.value,
    })),
    images: input.images,
    skus: input.skus.map((sku, i) =>
      newSkuRecord({ productId, shopId, skuId: skuIds[i] ?? "", position: i }, sku, () => "", now),
    ),
  };
  const created = changeEvent(deps, { id: productId, shopId, version: 1 }, "created");
  try {
    await runBatch(db, [
      outboxInsert(db, created),
      db.insert(products).values(row),
      ...input.basicAttributes.map((a) =>
        db.insert(productAttributeValues).values({ productId, attributeId: a.attributeId, value: a.value }),
      ),
      ...input.images.map((url, i) =>
        db.insert(productImages).values({ id: newId("image", now), productId, url, sort: i }),
      ),
      ...record.skus.flatMap((sku, i) => [
        ...skuStatements(db, sku, checked.amounts[i] ?? 0, currency, now),
        db.insert(skuStock).values({
          skuId: skuIds[i] ?? "",
          warehouseId: opening[i]?.warehouseId ?? "",
          available: opening[i]?.available ?? 0,
          revision: opening[i]?.revision ?? 0,
          updatedAt: now,
        }),
      ]),
      snapshotInsert(db, await snapshotRow(productId, 1, snapshotContent(record), actor, now)),
      logInsert(db, {
        actor,
        shopId,
        entityType: "product",
        entityId: productId,
        operation: "create",
        after: snapshotContent(record),
        requestId: deps.requestId,
        now,
      }),
    ]);
  } catch (err) {
    throw duplicateOr(err);
  }
  await sendChange(deps, created);
  return { productId, skuIds, status: "DRAFT" as const, version: 1 };
}

// ---------------------------------------------------------------------------------------------
// Lifecycle

function actorRole(caller: Caller): "seller" | "operator" {
  return caller.roles.includes("operator") ? "operator" : "seller";
}

/** Applies a lifecycle action by a seller or operator; compare-and-set on status and version. */
export async function changeStatus(
  deps: CatalogDeps,
  caller: Caller,
  productId: string,
  action: LifecycleAction,
  reason?: string,
) {
  const { db } = deps;
  const record = await visibleProduct(db, caller, productId);
  return transition(deps, record.row, action, actorRole(caller), actorOf(caller), reason);
}

async function transition(
  deps: CatalogDeps,
  row: { id: string; shopId: string; status: number; version: number },
  action: LifecycleAction,
  role: "seller" | "operator" | "system",
  actor: Actor,
  reason?: string,
) {
  const { db } = deps;
  const inStock = (await availableOf(db, row.id)) > 0;
  const next = apply(row.status, action, role, { inStock, ...(reason === undefined ? {} : { reason }) });
  const now = deps.clock.now();
  const opId = newId("operation", now);
  const version = row.version + 1;
  const changed = changeEvent(deps, { id: row.id, shopId: row.shopId, version }, "status");
  try {
    await runBatch(db, [
      outboxInsert(db, changed),
      db
        .update(products)
        .set({ status: next, statusReason: reason ?? null, version, lastOpId: opId, updatedAt: now })
        .where(and(eq(products.id, row.id), eq(products.status, row.status), eq(products.version, row.version))),
      assertOwnOp(db, row.id, opId),
      logInsert(db, {
        actor,
        shopId: row.shopId,
        entityType: "product",
        entityId: row.id,
        operation: action,
        before: { status: statusName(row.status) },
        after: { status: statusName(next), ...(reason ? { reason } : {}) },
        requestId: deps.requestId,
        now,
      }),
    ]);
  } catch (err) {
    if (!isAssertionFailure(err)) throw err;
    const current = await db.query.products.findFirst({ where: eq(products.id, row.id) });
    throw new AppError("invalid_transition", {
      detail: `The product changed meanwhile; it is now ${current ? statusName(current.status) : "gone"}`,
      extensions: {
        currentStatus: current ? statusName(current.status) : null,
        currentStatusCode: current?.status ?? null,
      },
    });
  }
  await sendChange(deps, changed);
  return { productId: row.id, status: statusName(next), statusCode: next, version };
}

/**
 * SOLD_OUT is entered and left automatically: after a stock change, an ON_SHELF product without
 * available stock sells out and a SOLD_OUT one with stock goes back on shelf. A lost race is
 * harmless (the next stock change re-evaluates), so conflicts are swallowed here.
 */
export async function syncAvailability(deps: CatalogDeps, productId: string): Promise<void> {
  const row = await deps.db.query.products.findFirst({ where: eq(products.id, productId) });
  if (!row) return;
  const available = await availableOf(deps.db, productId);
  const action =
    row.status === PRODUCT_STATUS.ON_SHELF && available === 0
      ? "sell-out"
      : row.status === PRODUCT_STATUS.SOLD_OUT && available > 0
        ? "restock"
        : null;
  if (!action) return;
  try {
    await transition(deps, row, action, "system", SYSTEM_ACTOR);
  } catch (err) {
    if (!(err instanceof AppError && err.code === "invalid_transition")) throw err;
  }
}

// ---------------------------------------------------------------------------------------------
// Prices

export const replacePricesBody = z
  .object({
    prices: z
      .array(
        z
          .object({
            type: z.enum(["standard", "promo"]),
            price: moneySchema,
            effectiveAt: z.iso.datetime({ offset: true }).optional().describe("Defaults to now"),
            expiresAt: z.iso.datetime({ offset: true }).nullable().optional(),
          })
          .strict(),
      )
      .min(1)
      .max(50),
  })
  .strict();

/** Replaces a SKU's price rows; answers with the price in effect now. */
export async function replacePrices(
  deps: CatalogDeps,
  caller: Caller,
  skuId: string,
  input: z.infer<typeof replacePricesBody>,
) {
  const { db } = deps;
  const record = await productOfSku(db, caller, skuId);
  assertEditable(record.row.status);
  const sku = record.skus.find((s) => s.row.id === skuId);
  if (!sku) throw notFound("SKU", skuId);
  const now = deps.clock.now();
  const errors: FieldError[] = [];
  const rows = input.prices.map((p, i) => {
    const effectiveAt = p.effectiveAt ? Date.parse(p.effectiveAt) : now;
    const expiresAt = p.expiresAt ? Date.parse(p.expiresAt) : null;
    if (p.price.amount <= 0) errors.push({ field: `prices.${i}.price.amount`, reason: "must be greater than zero" });
    if (expiresAt !== null && expiresAt <= effectiveAt)
      errors.push({ field: `prices.${i}.expiresAt`, reason: "must be after effectiveAt" });
    if (p.price.currency !== input.prices[0]?.price.currency)
      errors.push({ field: `prices.${i}.price.currency`, reason: "all prices of a SKU share one currency" });
    return {
      id: newId("price", now),
      skuId,
      type: p.type,
      amount: p.price.amount,
      currency: p.price.currency,
      effectiveAt,
      expiresAt,
      createdAt: now,
    };
  });
  if (!rows.some((r) => r.type === "standard"))
    errors.push({ field: "prices", reason: "must include a standard price" });
  if (errors.length) throw invalidFields(errors);
  const actor = actorOf(caller);
  const repriced = changeEvent(
    deps,
    { id: record.row.id, shopId: record.row.shopId, version: record.row.version },
    "price",
  );
  await runBatch(db, [
    outboxInsert(db, repriced),
    db.delete(prices).where(eq(prices.skuId, skuId)),
    ...rows.map((r) => db.insert(prices).values(r)),
    logInsert(db, {
      actor,
      shopId: record.row.shopId,
      entityType: "price",
      entityId: skuId,
      operation: "replace",
      before: sku.prices.map(({ type, amount, currency, effectiveAt, expiresAt }) => ({
        type,
        amount,
        currency,
        effectiveAt,
        expiresAt,
      })),
      after: rows.map(({ type, amount, currency, effectiveAt, expiresAt }) => ({
        type,
        amount,
        currency,
        effectiveAt,
        expiresAt,
      })),
      requestId: deps.requestId,
      now,
    }),
  ]);
  await sendChange(deps, repriced);
  const current = await loadProduct(db, record.row.id);
  const updated = current?.skus.find((s) => s.row.id === skuId);
  return {
    skuId,
    price: effectivePrice(updated?.prices ?? [], now),
    prices: view(current ?? record, now).skus.find((s) => s.skuId === skuId)?.prices ?? [],
  };
}

/** The SKU's product, for stock routes (same visibility rules). */
export async function skuForStock(db: Db, caller: Caller, skuId: string) {
  const record = await productOfSku(db, caller, skuId);
  return {
    productId: record.row.id,
    shopId: record.row.shopId,
    status: record.row.status,
    version: record.row.version,
  };
}

export { visibleProduct };

/** The product's content versions, newest first; 404 unless the caller may see the product. */
export async function listProductSnapshots(db: Db, caller: Caller, productId: string) {
  await visibleProduct(db, caller, productId);
  return listSnapshots(db, productId);
}

// ---------------------------------------------------------------------------------------------
// Listing

export const productSummarySchema = z.object({
  productId: z.string(),
  shopId: z.string(),
  name: z.string(),
  categoryId: z.number().int(),
  brandId: z.number().int().nullable(),
  status: z.string(),
  version: z.number().int(),
  createdAt: z.string(),
  updatedAt: z.string(),
});

/**
 * A shop's products, newest first, or every shop's when `shopId` is undefined. The caller's shop
 * comes from the kernel's `shopFilterFor` (sellers: their own; operators: the one they name, or all).
 */
export async function listProducts(
  db: Db,
  query: {
    status?: ProductStatusName | undefined;
    shopId?: string | undefined;
    limit: number;
    cursor?: string | undefined;
  },
) {
  const conditions: SQL[] = [ne(products.status, PRODUCT_STATUS.DELETED)];
  if (query.shopId) conditions.push(eq(products.shopId, query.shopId));
  if (query.status) conditions.push(eq(products.status, PRODUCT_STATUS[query.status]));
  if (query.cursor) {
    const older = olderThan(products.createdAt, products.id, decodeCursor(createdCursorSchema, query.cursor));
    if (older) conditions.push(older);
  }
  const rows = await db
    .select()
    .from(products)
    .where(and(...conditions))
    .orderBy(desc(products.createdAt), desc(products.id))
    .limit(query.limit + 1);
  return pageOf(rows, query.limit, (r) => ({
    productId: r.id,
    shopId: r.shopId,
    name: r.name,
    categoryId: r.categoryId,
    brandId: r.brandId,
    status: statusName(r.status),
    version: r.version,
    createdAt: new Date(r.createdAt).toISOString(),
    updatedAt: new Date(r.updatedAt).toISOString(),
  }));
}
