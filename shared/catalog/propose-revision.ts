/**
 * Proposing a content edit of an audited product: the edit is checked as if applied, then stored
 * as the product's pending revision instead of changing it; an operator's approval applies it
 * later (revisions.ts). The operator always reviews one revision, the whole proposal: a pending
 * revision already there is superseded by one carrying its changes and the new edit's on top.
 */
import { actorOf } from "../platform/actor";
import type { Caller } from "../platform/auth";
import { type Db, isAssertionFailure, isUniqueViolation, runBatch } from "../platform/db";
import { AppError } from "../platform/errors";
import { newId } from "../platform/ids";
import { invalidFields } from "../platform/validation";
import { planEdit } from "./apply-content";
import type { CatalogDeps } from "./catalog-deps";
import { type ContentChanges, contentChanges, mergeChanges } from "./content-changes";
import { logInsert } from "./history";
import { duplicateSkuCode } from "./product-errors";
import { type ProductRecord, skusByCode } from "./products-repo";
import { insertRevision, pendingRevisionRow, supersedeStatements } from "./revisions-repo";

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
  for (const w of wanted) {
    const holder = taken.find((t) => t.code === w.code && t.id !== w.skuId);
    if (holder) throw duplicateSkuCode(w.code, { skuId: holder.id, productId: holder.productId });
  }
  const twice = wanted.find((w, i) => wanted.findIndex((o) => o.code === w.code) !== i);
  if (twice) throw duplicateSkuCode(twice.code);
}

/**
 * Stores a content edit of an audited product as its pending revision instead of changing it.
 * Two edits at once cannot both win (the one-pending index, the supersede assertion): the loser
 * is a 409. Answers the new revision's id.
 */
export async function proposeRevision(
  deps: CatalogDeps,
  caller: Caller,
  before: ProductRecord,
  changes: ContentChanges,
): Promise<string> {
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
    if (isAssertionFailure(err) || isUniqueViolation(err, "product_revisions"))
      throw new AppError("version_conflict", {
        detail: "Another edit of this product was proposed at the same time; reload and retry",
        extensions: { currentVersion: before.row.version },
      });
    throw err;
  }
  return revisionId;
}
