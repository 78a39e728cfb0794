/**
 * The edit routes' use cases: editing a product's SPU fields, editing one SKU, adding a SKU. Each
 * checks the caller's version, then edits in place on a product not yet audited
 * (apply-content.ts) or proposes the edit as the pending revision of an audited one
 * (propose-revision.ts); a SKU that exists only in a pending revision is edited there.
 */
import { actorOf } from "../platform/actor";
import type { Caller } from "../platform/auth";
import type { Db } from "../platform/db";
import { newId } from "../platform/ids";
import { type Currency, DEFAULT_CURRENCY } from "../platform/money";
import { invalidFields } from "../platform/validation";
import { applyContent, type EditLog } from "./apply-content";
import type { CatalogDeps } from "./catalog-deps";
import {
  type AddSkuBody,
  type ContentChanges,
  isEmptyChange,
  type NewSkuChange,
  storedChanges,
  type UpdateProductBody,
  type UpdateSkuBody,
} from "./content-changes";
import { assertEditable, needsAudit } from "./lifecycle";
import { notFound, staleVersion } from "./product-errors";
import { pricesInMinorUnits } from "./product-input";
import {
  type AdminProduct,
  getProduct,
  productOfSku,
  snapshotContent,
  visibleProduct,
  visibleProductOfSku,
} from "./product-views";
import { findSku, type ProductRecord } from "./products-repo";
import { proposeRevision } from "./propose-revision";
import { pendingRevisionAddingSku } from "./revisions-repo";

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

/** A SKU that so far exists only in its product's pending revision, if the caller may see the product. */
async function pendingSkuOf(db: Db, caller: Caller, skuId: string) {
  if (await findSku(db, skuId)) return undefined;
  const revision = await pendingRevisionAddingSku(db, skuId);
  const sku = revision
    ? storedChanges(revision.changes, { productId: revision.productId, revisionId: revision.id }).newSkus?.find(
        (s) => s.skuId === skuId,
      )
    : undefined;
  if (!revision || !sku) return undefined;
  return { product: await visibleProductOfSku(db, caller, revision.productId, skuId), sku };
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
export async function addSku(deps: CatalogDeps, caller: Caller, productId: string, input: AddSkuBody) {
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
