/**
 * Products (SPU) and SKUs: creation from the seed's JSON, reads, edits with compare-and-set on
 * `version`, lifecycle transitions and prices. Every content edit writes a snapshot and every
 * change an operation-log entry, in the same D1 batch as the change, and emits a catalog event.
 * A content edit of an audited product does none of that: it becomes the product's pending
 * revision, and `applyContent` runs only when an operator approves it (revisions.ts).
 *
 * Concurrency: all content edits of a product (its own fields, its SKUs) move `products.version`
 * with a compare-and-set that also stamps `last_op_id`; the batch's next statement asserts that
 * stamp, so a lost race aborts the whole batch (D1 batches are transactions) and answers 409.
 */
import { and, desc, eq, lt, ne, or, type SQL, sql } from "drizzle-orm";
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
import type { Caller } from "../platform/auth";
import type { Clock } from "../platform/clock";
import { createdCursorSchema, decodeCursor, pageOf } from "../platform/cursor";
import { assertExists, type Db, isAssertionFailure, runBatch } from "../platform/db";
import { AppError, type FieldError } from "../platform/errors";
import { newId } from "../platform/ids";
import { CURRENCIES, type Currency, DEFAULT_CURRENCY, type Money, moneySchema } from "../platform/money";
import { invalidFields } from "../platform/validation";
import { type Actor, actorOf, logInsert, snapshotInsert, snapshotRow } from "./history";
import { imageUrlSchema } from "./images";
import {
  apply,
  assertEditable,
  type LifecycleAction,
  needsAudit,
  PRODUCT_STATUS,
  type ProductStatusName,
  statusName,
} from "./lifecycle";
import {
  type AttributeValueInput,
  attributeValue,
  checkAttributes,
  checkProduct,
  combinationKey,
  dimensionsSchema,
  type ProductInput,
  pricesInMinorUnits,
  skuInput,
} from "./product-input";
import {
  availableOf,
  loadProduct,
  type PriceRow,
  type ProductRecord,
  type SkuRecord,
  skusByCode,
  warehouseFor,
} from "./products-repo";
import {
  insertRevision,
  pendingRevisionAddingSku,
  pendingRevisionRow,
  type RevisionView,
  revisionSchema,
  revisionView,
  supersedeStatements,
} from "./revisions-repo";
import { findBrand, findCategory, templateOf } from "./structure";

export interface CatalogDeps {
  db: Db;
  clock: Clock;
  producers: Producers;
  inventory: DurableObjectNamespace<SkuInventory>;
  requestId?: string;
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

/** The price a shopper sees at `now`: an effective promo price beats the standard one. */
export function effectivePrice(rows: readonly PriceRow[], now: number): Money | null {
  const live = rows.filter((p) => p.effectiveAt <= now && (p.expiresAt === null || p.expiresAt > now));
  const pick = (type: "promo" | "standard") =>
    live.filter((p) => p.type === type).sort((a, b) => b.effectiveAt - a.effectiveAt)[0];
  const chosen = pick("promo") ?? pick("standard");
  return chosen ? { amount: chosen.amount, currency: chosen.currency as Currency } : null;
}

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

function notFound(what: string, id: string): AppError {
  return new AppError("not_found", { detail: `No ${what} ${id}` });
}

/** The product, if the caller may see it: operators any, sellers their shop's; else 404. */
async function visibleProduct(db: Db, caller: Caller, productId: string): Promise<ProductRecord> {
  const record = await loadProduct(db, productId);
  const visible =
    record &&
    record.row.status !== PRODUCT_STATUS.DELETED &&
    (caller.roles.includes("operator") || (caller.shopId !== undefined && caller.shopId === record.row.shopId));
  if (!visible || !record) throw notFound("product", productId);
  return record;
}

/** The shop a seller acts for; operators cannot create products for a shop. */
function sellerShop(caller: Caller): string {
  if (!caller.shopId) throw new AppError("forbidden", { detail: "Products are created by the seller of a shop" });
  return caller.shopId;
}

/** Aborts the batch unless the product carries `opId`, i.e. this batch's compare-and-set won. */
function assertOwnOp(db: Db, productId: string, opId: string) {
  return assertExists(db, sql`SELECT 1 FROM products WHERE id = ${productId} AND last_op_id = ${opId}`);
}

/** A 409 for the catalog's unique indexes (duplicate product, reused seller SKU code), else `err` itself. */
function duplicateOr(err: unknown): unknown {
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
function changeEvent(
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
async function sendChange(deps: CatalogDeps, event: OutboxRow): Promise<void> {
  await sendOutbox(deps.db, deps.producers, [event], deps.clock.now()).catch(() => undefined);
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
function newSkuRecord(
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
function skuStatements(db: Db, record: SkuRecord, amount: number, currency: Currency, now: number) {
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
async function openingStock(deps: CatalogDeps, skuId: string, shopId: string, quantity: number, actor: Actor) {
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
  const shopId = sellerShop(caller);
  const actor = actorOf(caller);
  const refs = await checkReferences(db, { categoryId: input.categoryId, brandId: input.spu.brandId });
  if (refs.errors.length) throw invalidFields(refs.errors);
  const currency = input.currency ?? DEFAULT_CURRENCY;
  const checked = checkProduct(input, await templateOf(db, input.categoryId), currency);
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
// Edit

export const updateProductBody = z
  .object({
    version: z.number().int().positive(),
    name: z.string().trim().min(1).max(200).optional(),
    description: z.string().max(20_000).optional(),
    brandId: z.number().int().positive().nullable().optional(),
    nameI18n: z.record(z.string(), z.string().min(1).max(2000)).nullable().optional(),
    descriptionI18n: z.record(z.string(), z.string().min(1).max(20_000)).nullable().optional(),
    basicAttributes: z.array(attributeValue).max(50).optional(),
    images: z.array(imageUrlSchema).max(20).optional(),
  })
  .strict();
export type UpdateProductBody = z.infer<typeof updateProductBody>;

function staleVersion(entity: string, current: number, given: number): AppError {
  return new AppError("version_conflict", {
    detail: `The ${entity} is at version ${current}, not ${given}; reload and retry`,
    extensions: { currentVersion: current },
  });
}

/** What an edit's operation-log entry records; `after` is the product as the edit leaves it. */
type EditLog = (after: ProductRecord) => {
  entityType: "product" | "sku";
  entityId: string;
  operation: string;
  before: unknown;
  after: unknown;
};

/** Runs a content edit's batch behind the product's compare-and-set; a lost race is a 409. */
async function commitEdit(
  deps: CatalogDeps,
  before: ProductRecord,
  after: ProductRecord,
  statements: (opId: string) => Parameters<typeof runBatch>[1],
  log: ReturnType<EditLog>,
  actor: Actor,
) {
  const { db } = deps;
  const now = deps.clock.now();
  const opId = newId("operation", now);
  const version = before.row.version + 1;
  after.row.version = version;
  const updated = changeEvent(deps, { id: before.row.id, shopId: before.row.shopId, version }, "updated");
  try {
    await runBatch(db, [
      outboxInsert(db, updated),
      db
        .update(products)
        .set({ ...after.row, version, lastOpId: opId, updatedAt: now })
        .where(and(eq(products.id, before.row.id), eq(products.version, before.row.version))),
      assertOwnOp(db, before.row.id, opId),
      ...statements(opId),
      snapshotInsert(db, await snapshotRow(before.row.id, version, snapshotContent(after), actor, now)),
      logInsert(db, { actor, shopId: before.row.shopId, ...log, requestId: deps.requestId, now }),
    ]);
  } catch (err) {
    if (isAssertionFailure(err))
      throw staleVersion("product", (await loadProduct(db, before.row.id))?.row.version ?? -1, before.row.version);
    throw duplicateOr(err);
  }
  await sendChange(deps, updated);
  return version;
}

export const updateSkuBody = z
  .object({
    version: z.number().int().positive().describe("The SKU's version"),
    skuName: z.string().trim().min(1).max(200).optional(),
    sellerSkuCode: z.string().trim().min(1).max(64).nullable().optional(),
    salesAttributes: z.array(attributeValue).max(20).optional(),
    weightGrams: z.number().int().positive().max(1_000_000).nullable().optional(),
    dimensionsMm: dimensionsSchema.nullable().optional(),
  })
  .strict();
export type UpdateSkuBody = z.infer<typeof updateSkuBody>;

export const addSkuBody = skuInput
  .extend({
    version: z.number().int().positive().describe("The product's version"),
    currency: z.enum(CURRENCIES).optional(),
  })
  .strict();

/**
 * A content edit as data: SPU fields, SKU fields by SKU id, SKUs to add (with their id, price in
 * minor units and opening stock). A direct edit applies it at once; on an audited product it waits
 * in a revision and is applied on approval on top of the live product as it is then, so fields
 * the revision does not name keep their live values (a rebase, not an overwrite).
 */
export const contentChanges = z.object({
  product: updateProductBody.omit({ version: true }).optional(),
  skus: z.record(z.string(), updateSkuBody.omit({ version: true })).optional(),
  newSkus: z
    .array(skuInput.extend({ skuId: z.string(), currency: z.enum(CURRENCIES), amount: z.number().int() }))
    .max(200)
    .optional(),
});
export type ContentChanges = z.infer<typeof contentChanges>;

/**
 * A stored revision's changes. Changes that today's rules refuse (a schema tightened since they
 * were proposed) are an outdated revision, a 409 `revision_outdated`, never a 500.
 */
export function storedChanges(json: string): ContentChanges {
  const parsed = contentChanges.safeParse(JSON.parse(json));
  if (parsed.success) return parsed.data;
  throw new AppError("conflict", {
    detail: "The revision no longer fits the product rules; reject it or propose a new edit",
    errors: parsed.error.issues.slice(0, 50).map((i) => ({ field: i.path.join("."), reason: i.message })),
    extensions: { reason: "revision_outdated" },
  });
}

/**
 * `newer` on top of `older`: later fields win, SKU fields merge per SKU, added SKUs accumulate
 * (one proposed again under its id, as an edit of a pending SKU does, replaces the earlier one).
 */
export function mergeChanges(older: ContentChanges, newer: ContentChanges): ContentChanges {
  const skuEdits = { ...older.skus };
  for (const [skuId, fields] of Object.entries(newer.skus ?? {})) skuEdits[skuId] = { ...skuEdits[skuId], ...fields };
  const added = [...(older.newSkus ?? [])];
  for (const sku of newer.newSkus ?? []) {
    const i = added.findIndex((a) => a.skuId === sku.skuId);
    if (i >= 0) added[i] = sku;
    else added.push(sku);
  }
  return {
    ...(older.product || newer.product ? { product: { ...older.product, ...newer.product } } : {}),
    ...(Object.keys(skuEdits).length ? { skus: skuEdits } : {}),
    ...(added.length ? { newSkus: added } : {}),
  };
}

/** SKUs whose sales attributes `changes` sets or adds and that clash with another SKU's. */
function combinationClashes(after: ProductRecord, changes: ContentChanges): FieldError[] {
  const touched = new Set([
    ...Object.entries(changes.skus ?? {})
      .filter(([, s]) => s.salesAttributes)
      .map(([skuId]) => skuId),
    ...(changes.newSkus ?? []).map((s) => s.skuId),
  ]);
  const errors: FieldError[] = [];
  for (const sku of after.skus.filter((s) => touched.has(s.row.id))) {
    const key = combinationKey(sku.salesAttributes);
    const clash = after.skus.find((s) => s.row.id !== sku.row.id && combinationKey(s.salesAttributes) === key);
    if (clash) errors.push({ field: "salesAttributes", reason: `same sales attributes as SKU ${clash.row.id}` });
  }
  return errors;
}

/** `before` with `changes` applied, and every field problem (checked against the category's template). */
async function planEdit(db: Db, before: ProductRecord, changes: ContentChanges, now: number) {
  const errors: FieldError[] = [];
  const template = await templateOf(db, before.row.categoryId);
  const names = new Map(template.map((t) => [t.attributeId, t.attributeName]));
  const named = (values: readonly AttributeValueInput[]) =>
    values.map((a) => ({ attributeId: a.attributeId, attributeName: names.get(a.attributeId) ?? "", value: a.value }));
  const after: ProductRecord = structuredClone(before);
  const edit = changes.product;
  if (edit) {
    if (edit.brandId && !(await findBrand(db, edit.brandId)))
      errors.push({ field: "brandId", reason: `no brand ${edit.brandId}` });
    if (edit.basicAttributes)
      errors.push(...checkAttributes(edit.basicAttributes, template, "basic", "basicAttributes"));
    if (edit.name !== undefined) after.row.name = edit.name;
    if (edit.description !== undefined) after.row.description = edit.description;
    if (edit.brandId !== undefined) after.row.brandId = edit.brandId;
    if (edit.nameI18n !== undefined) after.row.nameI18n = edit.nameI18n ? JSON.stringify(edit.nameI18n) : null;
    if (edit.descriptionI18n !== undefined)
      after.row.descriptionI18n = edit.descriptionI18n ? JSON.stringify(edit.descriptionI18n) : null;
    if (edit.basicAttributes) after.basicAttributes = named(edit.basicAttributes);
    if (edit.images) after.images = edit.images;
  }
  for (const [skuId, fields] of Object.entries(changes.skus ?? {})) {
    const target = after.skus.find((s) => s.row.id === skuId);
    if (!target) {
      errors.push({ field: "skuId", reason: `no SKU ${skuId} in this product` });
      continue;
    }
    if (fields.salesAttributes) {
      errors.push(...checkAttributes(fields.salesAttributes, template, "sales", "salesAttributes"));
      target.salesAttributes = named(fields.salesAttributes);
    }
    if (fields.skuName !== undefined) target.row.name = fields.skuName;
    if (fields.sellerSkuCode !== undefined) target.row.sellerSkuCode = fields.sellerSkuCode;
    if (fields.weightGrams !== undefined) target.row.weightGrams = fields.weightGrams;
    if (fields.dimensionsMm !== undefined)
      target.row.dimensionsMm = fields.dimensionsMm ? JSON.stringify(fields.dimensionsMm) : null;
    target.row.version += 1;
    target.row.updatedAt = now;
  }
  for (const added of changes.newSkus ?? []) {
    errors.push(...checkAttributes(added.salesAttributes, template, "sales", "salesAttributes"));
    after.skus.push(
      newSkuRecord(
        { productId: before.row.id, shopId: before.row.shopId, skuId: added.skuId, position: after.skus.length },
        added,
        (id) => names.get(id) ?? "",
        now,
      ),
    );
  }
  errors.push(...combinationClashes(after, changes));
  return { after, errors };
}

/** The statements that write a planned edit's rows (the product row itself is `commitEdit`'s). */
function editStatements(
  db: Db,
  before: ProductRecord,
  after: ProductRecord,
  changes: ContentChanges,
  opening: ReadonlyMap<string, Awaited<ReturnType<typeof openingStock>>>,
  now: number,
) {
  const productId = before.row.id;
  const edit = changes.product;
  return [
    ...(edit?.basicAttributes
      ? [
          db.delete(productAttributeValues).where(eq(productAttributeValues.productId, productId)),
          ...after.basicAttributes.map((a) =>
            db.insert(productAttributeValues).values({ productId, attributeId: a.attributeId, value: a.value }),
          ),
        ]
      : []),
    ...(edit?.images
      ? [
          db.delete(productImages).where(eq(productImages.productId, productId)),
          ...after.images.map((url, i) =>
            db.insert(productImages).values({ id: newId("image", now), productId, url, sort: i }),
          ),
        ]
      : []),
    ...Object.entries(changes.skus ?? {}).flatMap(([skuId, fields]) => {
      const target = after.skus.find((s) => s.row.id === skuId);
      const current = before.skus.find((s) => s.row.id === skuId);
      if (!target || !current) return [];
      return [
        db
          .update(skus)
          .set({
            name: target.row.name,
            sellerSkuCode: target.row.sellerSkuCode,
            weightGrams: target.row.weightGrams,
            dimensionsMm: target.row.dimensionsMm,
            version: target.row.version,
            updatedAt: now,
          })
          .where(and(eq(skus.id, skuId), eq(skus.version, current.row.version))),
        ...(fields.salesAttributes
          ? [
              db.delete(skuAttributeValues).where(eq(skuAttributeValues.skuId, skuId)),
              ...target.salesAttributes.map((a) =>
                db.insert(skuAttributeValues).values({ skuId, attributeId: a.attributeId, value: a.value }),
              ),
            ]
          : []),
      ];
    }),
    ...(changes.newSkus ?? []).flatMap((added) => {
      const record = after.skus.find((s) => s.row.id === added.skuId);
      const stock = opening.get(added.skuId);
      if (!record || !stock) return [];
      return [
        ...skuStatements(db, record, added.amount, added.currency, now),
        db.insert(skuStock).values({
          skuId: added.skuId,
          warehouseId: stock.warehouseId,
          available: stock.available,
          revision: stock.revision,
          updatedAt: now,
        }),
      ];
    }),
  ];
}

/**
 * Applies `changes` to the live product: template checks, opening stock of added SKUs (idempotent
 * per SKU id in its object, so a retried approval receives it once), then one batch behind the
 * product's compare-and-set with snapshot, operation log and catalog event. `extra` joins the
 * batch (a revision's approval); `invalid` turns field problems into the caller's error.
 */
export async function applyContent(
  deps: CatalogDeps,
  before: ProductRecord,
  changes: ContentChanges,
  actor: Actor,
  log: EditLog,
  options: { extra?: (opId: string) => Parameters<typeof runBatch>[1]; invalid?: (errors: FieldError[]) => Error } = {},
): Promise<number> {
  const now = deps.clock.now();
  const plan = await planEdit(deps.db, before, changes, now);
  if (plan.errors.length) throw (options.invalid ?? invalidFields)(plan.errors);
  const opening = new Map<string, Awaited<ReturnType<typeof openingStock>>>();
  for (const added of changes.newSkus ?? [])
    opening.set(added.skuId, await openingStock(deps, added.skuId, before.row.shopId, added.stock, actor));
  return commitEdit(
    deps,
    before,
    plan.after,
    (opId) => [...editStatements(deps.db, before, plan.after, changes, opening, now), ...(options.extra?.(opId) ?? [])],
    log(plan.after),
    actor,
  );
}

/** A 409 unless every seller SKU code `changes` sets is free in the shop (and used once in it). */
async function assertCodesFree(db: Db, before: ProductRecord, changes: ContentChanges) {
  const wanted = [
    ...Object.entries(changes.skus ?? {}).map(([skuId, s]) => ({ skuId, code: s.sellerSkuCode })),
    ...(changes.newSkus ?? []).map((s) => ({ skuId: s.skuId, code: s.sellerSkuCode })),
  ].filter((w): w is { skuId: string; code: string } => typeof w.code === "string");
  const taken = await skusByCode(
    db,
    before.row.shopId,
    wanted.map((w) => w.code),
  );
  const clash =
    wanted.some((w) => taken.some((t) => t.code === w.code && t.id !== w.skuId)) ||
    new Set(wanted.map((w) => w.code)).size < wanted.length;
  if (clash)
    throw new AppError("conflict", {
      detail: "A seller SKU code is already used in this shop",
      extensions: { reason: "duplicate_sku_code" },
    });
}

/**
 * Stores a content edit of an audited product as its pending revision instead of changing it.
 * A pending revision already there is superseded by one that carries its changes and this
 * edit's on top (so the operator always reviews one revision, the whole proposal); two edits at
 * once cannot both win (the one-pending index, the supersede assertion): the loser is a 409.
 */
async function proposeRevision(deps: CatalogDeps, caller: Caller, before: ProductRecord, changes: ContentChanges) {
  const { db } = deps;
  const pending = await pendingRevisionRow(db, before.row.id);
  // A pending revision today's rules refuse cannot be carried forward; the new edit replaces it.
  const carried = pending ? contentChanges.safeParse(JSON.parse(pending.changes)) : undefined;
  const merged = carried?.success ? mergeChanges(carried.data, changes) : changes;
  const now = deps.clock.now();
  const plan = await planEdit(db, before, merged, now);
  if (plan.errors.length) throw invalidFields(plan.errors);
  await assertCodesFree(db, before, merged);
  const actor = actorOf(caller);
  const revisionId = newId("revision", now);
  try {
    await runBatch(db, [
      ...(pending ? supersedeStatements(db, pending.id, revisionId) : []),
      insertRevision(db, {
        id: revisionId,
        productId: before.row.id,
        shopId: before.row.shopId,
        status: "PENDING",
        baseVersion: before.row.version,
        changes: JSON.stringify(merged),
        createdBy: actor.id,
        createdByType: actor.type,
        createdAt: now,
      }),
      logInsert(db, {
        actor,
        shopId: before.row.shopId,
        entityType: "product",
        entityId: before.row.id,
        operation: "revision.propose",
        after: { revisionId, supersedes: pending?.id ?? null, changes },
        requestId: deps.requestId,
        now,
      }),
    ]);
  } catch (err) {
    const cause = `${String(err)} ${String((err as { cause?: unknown })?.cause ?? "")}`;
    if (isAssertionFailure(err) || /UNIQUE constraint failed: product_revisions/i.test(cause))
      throw new AppError("version_conflict", {
        detail: "Another edit of this product was proposed at the same time; reload and retry",
        extensions: { currentVersion: before.row.version },
      });
    throw err;
  }
  return revisionId;
}

function isEmptyChange(changes: ContentChanges): boolean {
  const named = (fields: object | undefined) => Object.values(fields ?? {}).some((v) => v !== undefined);
  return !named(changes.product) && !Object.values(changes.skus ?? {}).some(named) && !changes.newSkus?.length;
}

/** A content edit: in place on a product not yet audited, as a pending revision on an audited one. */
async function editContent(
  deps: CatalogDeps,
  caller: Caller,
  before: ProductRecord,
  changes: ContentChanges,
  log: EditLog,
): Promise<"applied" | "pending"> {
  if (needsAudit(before.row.status)) {
    // An edit naming no field has nothing to audit: it neither creates nor supersedes a revision.
    if (!isEmptyChange(changes)) await proposeRevision(deps, caller, before, changes);
    return "pending";
  }
  await applyContent(deps, before, changes, actorOf(caller), log);
  return "applied";
}

/** Edits the SPU's content; `version` must be the current one. */
export async function updateProduct(
  deps: CatalogDeps,
  caller: Caller,
  productId: string,
  input: UpdateProductBody,
): Promise<AdminProduct> {
  const before = await visibleProduct(deps.db, caller, productId);
  assertEditable(before.row.status);
  if (input.version !== before.row.version) throw staleVersion("product", before.row.version, input.version);
  const { version: _version, ...product } = input;
  await editContent(deps, caller, before, { product }, (after) => ({
    entityType: "product",
    entityId: productId,
    operation: "update",
    before: snapshotContent(before),
    after: snapshotContent(after),
  }));
  return getProduct(deps, caller, productId);
}

/** The product a SKU belongs to, if the caller may see it. */
async function productOfSku(db: Db, caller: Caller, skuId: string) {
  const sku = await db.query.skus.findFirst({ columns: { productId: true }, where: eq(skus.id, skuId) });
  if (!sku) throw notFound("SKU", skuId);
  try {
    return await visibleProduct(db, caller, sku.productId);
  } catch {
    throw notFound("SKU", skuId);
  }
}

/** Edits one SKU; `version` is the SKU's. The product's version moves too (it is an edit of it). */
export async function updateSku(
  deps: CatalogDeps,
  caller: Caller,
  skuId: string,
  input: UpdateSkuBody,
): Promise<AdminProduct> {
  const proposed = await pendingSkuOf(deps.db, caller, skuId);
  if (proposed) return updatePendingSku(deps, caller, proposed, input);
  const before = await productOfSku(deps.db, caller, skuId);
  assertEditable(before.row.status);
  const current = before.skus.find((s) => s.row.id === skuId);
  if (!current) throw notFound("SKU", skuId);
  if (input.version !== current.row.version) throw staleVersion("SKU", current.row.version, input.version);
  const { version: _version, ...fields } = input;
  await editContent(deps, caller, before, { skus: { [skuId]: fields } }, (after) => ({
    entityType: "sku",
    entityId: skuId,
    operation: "update",
    before: snapshotContent(before).skus.find((s) => s.skuId === skuId),
    after: snapshotContent(after).skus.find((s) => s.skuId === skuId),
  }));
  return getProduct(deps, caller, before.row.id);
}

type NewSkuChange = NonNullable<ContentChanges["newSkus"]>[number];

/** A SKU that so far exists only in its product's pending revision, if the caller may see the product. */
async function pendingSkuOf(db: Db, caller: Caller, skuId: string) {
  if (await db.query.skus.findFirst({ columns: { id: true }, where: eq(skus.id, skuId) })) return undefined;
  const revision = await pendingRevisionAddingSku(db, skuId);
  const sku = revision ? storedChanges(revision.changes).newSkus?.find((s) => s.skuId === skuId) : undefined;
  if (!revision || !sku) return undefined;
  try {
    return { product: await visibleProduct(db, caller, revision.productId), sku };
  } catch {
    throw notFound("SKU", skuId);
  }
}

/**
 * Edits a SKU waiting in the pending revision (proposed for an audited product): the revision is
 * superseded by one holding the edited SKU. Its `version` is 1, the version it will be created at.
 */
async function updatePendingSku(
  deps: CatalogDeps,
  caller: Caller,
  proposed: { product: ProductRecord; sku: NewSkuChange },
  input: UpdateSkuBody,
): Promise<AdminProduct> {
  const { product: before, sku } = proposed;
  assertEditable(before.row.status);
  if (input.version !== 1) throw staleVersion("SKU", 1, input.version);
  const edited: NewSkuChange = { ...sku };
  if (input.skuName !== undefined) edited.skuName = input.skuName;
  if (input.salesAttributes !== undefined) edited.salesAttributes = input.salesAttributes;
  if (input.sellerSkuCode !== undefined) edited.sellerSkuCode = input.sellerSkuCode ?? undefined;
  if (input.weightGrams !== undefined) edited.weightGrams = input.weightGrams ?? undefined;
  if (input.dimensionsMm !== undefined) edited.dimensionsMm = input.dimensionsMm ?? undefined;
  await proposeRevision(deps, caller, before, { newSkus: [edited] });
  return getProduct(deps, caller, before.row.id);
}

/**
 * Adds a SKU to an existing product (create-SPU-then-add-SKU); `version` is the product's. On an
 * audited product the SKU waits in the pending revision (`pending: true`) under the id answered.
 */
export async function addSku(deps: CatalogDeps, caller: Caller, productId: string, input: z.infer<typeof addSkuBody>) {
  const before = await visibleProduct(deps.db, caller, productId);
  assertEditable(before.row.status);
  if (input.version !== before.row.version) throw staleVersion("product", before.row.version, input.version);
  const currency = input.currency ?? (before.skus[0]?.prices[0]?.currency as Currency | undefined) ?? DEFAULT_CURRENCY;
  const price = pricesInMinorUnits([input], currency, "sku");
  if (price.errors.length) throw invalidFields(price.errors.map((e) => ({ ...e, field: "price" })));
  const skuId = newId("sku", deps.clock.now());
  const { version: _version, currency: _currency, ...sku } = input;
  const changes: ContentChanges = { newSkus: [{ ...sku, skuId, currency, amount: price.amounts[0] ?? 0 }] };
  const outcome = await editContent(deps, caller, before, changes, (after) => ({
    entityType: "sku",
    entityId: skuId,
    operation: "create",
    before: null,
    after: snapshotContent(after).skus.find((s) => s.skuId === skuId),
  }));
  return { skuId, pending: outcome === "pending", product: await getProduct(deps, caller, productId) };
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
    await transition(deps, row, action, "system", { id: "system", type: "system" });
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

/** A shop's products, newest first (sellers: their shop; operators: any shop, or one by `shopId`). */
export async function listProducts(
  db: Db,
  caller: Caller,
  query: {
    status?: ProductStatusName | undefined;
    shopId?: string | undefined;
    limit: number;
    cursor?: string | undefined;
  },
) {
  const shopId = caller.roles.includes("operator") ? query.shopId : (caller.shopId ?? "none");
  const conditions: SQL[] = [ne(products.status, PRODUCT_STATUS.DELETED)];
  if (shopId) conditions.push(eq(products.shopId, shopId));
  if (query.status) conditions.push(eq(products.status, PRODUCT_STATUS[query.status]));
  if (query.cursor) {
    const after = decodeCursor(createdCursorSchema, query.cursor);
    const older = or(
      lt(products.createdAt, after.createdAt),
      and(eq(products.createdAt, after.createdAt), lt(products.id, after.id)),
    );
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
