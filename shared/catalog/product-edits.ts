/**
 * Content edits of products and SKUs (SPU fields, SKU fields, added SKUs), as data
 * (`ContentChanges`) applied by one engine: template checks, then one D1 batch behind the
 * product's compare-and-set on `version` with snapshot, operation log and catalog event. On a
 * product not yet audited an edit applies at once; on an audited one it becomes the product's
 * pending revision, applied by the same engine when an operator approves it (revisions.ts).
 */
import { and, eq } from "drizzle-orm";
import { z } from "zod";
import { productAttributeValues, productImages, products, skuAttributeValues, skuStock, skus } from "../../db/schema";
import { outboxInsert } from "../events/outbox";
import { type Actor, actorOf } from "../platform/actor";
import type { Caller } from "../platform/auth";
import { type Db, isAssertionFailure, runBatch } from "../platform/db";
import { AppError, type FieldError } from "../platform/errors";
import { newId } from "../platform/ids";
import { CURRENCIES, type Currency, DEFAULT_CURRENCY } from "../platform/money";
import { invalidFields } from "../platform/validation";
import { logInsert, snapshotInsert, snapshotRow } from "./history";
import { imageUrlSchema } from "./images";
import { assertEditable, needsAudit } from "./lifecycle";
import {
  type AttributeValueInput,
  attributeValue,
  checkAttributes,
  combinationKey,
  dimensionsSchema,
  pricesInMinorUnits,
  skuInput,
} from "./product-input";
import {
  type AdminProduct,
  assertOwnOp,
  type CatalogDeps,
  changeEvent,
  duplicateOr,
  getProduct,
  newSkuRecord,
  notFound,
  openingStock,
  productOfSku,
  sendChange,
  skuStatements,
  snapshotContent,
  visibleProduct,
} from "./products";
import { loadProduct, type ProductRecord, skusByCode } from "./products-repo";
import { insertRevision, pendingRevisionAddingSku, pendingRevisionRow, supersedeStatements } from "./revisions-repo";
import { attributeTemplateOf, findBrand } from "./structure";
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
  const template = await attributeTemplateOf(db, before.row.categoryId);
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
