/**
 * The one engine that applies content edits (`ContentChanges`), for a direct edit and for an
 * approved revision alike: template checks, opening stock of added SKUs, then one D1 batch
 * behind the product's compare-and-set on `version` with snapshot, operation log and catalog
 * event. A lost race aborts the whole batch (D1 batches are transactions) and answers 409.
 */
import { outboxInsert } from "../events/outbox";
import { openingProjection } from "../inventory/projection";
import type { Actor } from "../platform/actor";
import { type Db, isAssertionFailure, runBatch } from "../platform/db";
import type { FieldError } from "../platform/errors";
import { newId } from "../platform/ids";
import { invalidFields } from "../platform/validation";
import type { CatalogDeps } from "./catalog-deps";
import type { ContentChanges } from "./content-changes";
import { newSkuRecord, type OpeningStock, openingStock } from "./create-product";
import { logInsert, snapshotInsert, snapshotRow } from "./history";
import { duplicateOr, staleVersion } from "./product-errors";
import { changeEvent, sendChange } from "./product-events";
import { type AttributeValueInput, checkAttributes, combinationKey } from "./product-input";
import { snapshotContent } from "./product-views";
import { loadProduct, type ProductRecord } from "./products-repo";
import {
  assertOwnOp,
  insertSku,
  replaceProductAttributes,
  replaceProductImages,
  replaceSkuAttributes,
  updateProductContent,
  updateSku,
} from "./products-writes-repo";
import { attributeTemplateOf, findBrand } from "./structure";

/** What an edit's operation-log entry records; `after` is the product as the edit leaves it. */
export type EditLog = (after: ProductRecord) => {
  entityType: "product" | "sku";
  entityId: string;
  operation: string;
  before: unknown;
  after: unknown;
};

type Statements = Parameters<typeof runBatch>[1];

/** Runs a content edit's batch behind the product's compare-and-set; a lost race is a 409. */
async function commitEdit(
  deps: CatalogDeps,
  before: ProductRecord,
  after: ProductRecord,
  statements: (opId: string) => Statements,
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
      updateProductContent(db, after.row, before.row.version, { version, lastOpId: opId, updatedAt: now }),
      assertOwnOp(db, before.row.id, opId),
      ...statements(opId),
      snapshotInsert(db, await snapshotRow(before.row.id, version, snapshotContent(after), actor, now)),
      logInsert(db, { actor, shopId: before.row.shopId, ...log, requestId: deps.requestId, now }),
    ]);
  } catch (err) {
    if (isAssertionFailure(err))
      throw staleVersion("product", (await loadProduct(db, before.row.id))?.row.version ?? -1, before.row.version);
    throw await duplicateOr(db, err, after);
  }
  await sendChange(deps, updated);
  return version;
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
export async function planEdit(db: Db, before: ProductRecord, changes: ContentChanges, now: number) {
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
  opening: ReadonlyMap<string, OpeningStock>,
  now: number,
): Statements {
  const productId = before.row.id;
  const edit = changes.product;
  return [
    ...(edit?.basicAttributes ? replaceProductAttributes(db, productId, after.basicAttributes) : []),
    ...(edit?.images ? replaceProductImages(db, productId, after.images, now) : []),
    ...Object.entries(changes.skus ?? {}).flatMap(([skuId, fields]) => {
      const target = after.skus.find((s) => s.row.id === skuId);
      const current = before.skus.find((s) => s.row.id === skuId);
      if (!target || !current) return [];
      return [
        updateSku(db, target.row, current.row.version, now),
        ...(fields.salesAttributes ? replaceSkuAttributes(db, skuId, target.salesAttributes) : []),
      ];
    }),
    ...(changes.newSkus ?? []).flatMap((added) => {
      const record = after.skus.find((s) => s.row.id === added.skuId);
      const stock = opening.get(added.skuId);
      if (!record || !stock) return [];
      return [
        ...insertSku(db, record, added.amount, added.currency, now),
        openingProjection(db, { skuId: added.skuId, ...stock }, now),
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
  options: { extra?: (opId: string) => Statements; invalid?: (errors: FieldError[]) => Error } = {},
): Promise<number> {
  const now = deps.clock.now();
  const plan = await planEdit(deps.db, before, changes, now);
  if (plan.errors.length) throw (options.invalid ?? invalidFields)(plan.errors);
  const opening = new Map<string, OpeningStock>();
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
