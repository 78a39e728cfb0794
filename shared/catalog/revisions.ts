/**
 * Re-audit of content edits (seed: 商品的生命周期): a content edit of an audited product is
 * stored as its pending revision (propose-revision.ts), and only an operator's approval puts it
 * live, through the same path as a direct edit (apply-content.ts: version compare-and-set,
 * snapshot, operation log, catalog event for search and the edge cache's versioned key).
 * Approval applies the revision's field changes on top of the live product as it is then; if
 * they no longer fit (the category's template changed, a brand is gone), it is a 409
 * `revision_outdated` naming the revision, and the revision stays pending for the seller to
 * supersede or an operator to reject.
 */
import { z } from "zod";
import { actorOf } from "../platform/actor";
import type { Caller } from "../platform/auth";
import { isAssertionFailure, runBatch } from "../platform/db";
import { AppError, type FieldError } from "../platform/errors";
import { newId } from "../platform/ids";
import { applyContent } from "./apply-content";
import type { CatalogDeps } from "./catalog-deps";
import { revisionOutdated, storedChanges } from "./content-changes";
import { logInsert } from "./history";
import { assertEditable } from "./lifecycle";
import { snapshotContent, visibleProduct } from "./product-views";
import {
  decideStatements,
  listRevisionRows,
  type RevisionRow,
  type RevisionStatus,
  type RevisionView,
  revisionRow,
  revisionView,
} from "./revisions-repo";

export const approveRevisionBody = z.object({ reason: z.string().trim().max(500).optional() }).strict();
export const rejectRevisionBody = z.object({ reason: z.string().trim().min(1, "is required").max(500) }).strict();

function assertOperator(caller: Caller, action: string) {
  if (!caller.roles.includes("operator"))
    throw new AppError("forbidden", { detail: `Only operators may ${action} a revision` });
}

function notPending(revision: RevisionRow): AppError {
  return new AppError("invalid_transition", {
    detail: `The revision is ${revision.status}, not PENDING`,
    extensions: { currentStatus: revision.status },
  });
}

/** The revision and its product, if the caller may see the product; 404 otherwise. */
async function load(deps: CatalogDeps, caller: Caller, productId: string, revisionId: string) {
  const product = await visibleProduct(deps.db, caller, productId);
  const revision = await revisionRow(deps.db, productId, revisionId);
  if (!revision) throw new AppError("not_found", { detail: `No revision ${revisionId} of product ${productId}` });
  return { product, revision };
}

async function reloaded(deps: CatalogDeps, productId: string, revisionId: string): Promise<RevisionView> {
  const row = await revisionRow(deps.db, productId, revisionId);
  if (!row) throw new AppError("not_found", { detail: `No revision ${revisionId}` });
  return revisionView(row);
}

/** A product's revisions, newest first (sellers: their shop's products; operators: any). */
export async function listRevisions(
  deps: Pick<CatalogDeps, "db">,
  caller: Caller,
  productId: string,
  query: { limit: number; cursor?: string | undefined },
) {
  await visibleProduct(deps.db, caller, productId);
  return listRevisionRows(deps.db, { productId }, query);
}

/** Every product's revisions in one status, newest first: the operators' queue of PENDING ones. */
export function listRevisionsByStatus(
  deps: Pick<CatalogDeps, "db">,
  status: RevisionStatus,
  query: { limit: number; cursor?: string | undefined },
) {
  return listRevisionRows(deps.db, { status }, query);
}

/** An operator puts a pending revision live; answers the revision as APPROVED with the new version. */
export async function approveRevision(
  deps: CatalogDeps,
  caller: Caller,
  productId: string,
  revisionId: string,
  reason?: string,
): Promise<RevisionView> {
  assertOperator(caller, "approve");
  const { product: before, revision } = await load(deps, caller, productId, revisionId);
  if (revision.status !== "PENDING") throw notPending(revision);
  assertEditable(before.row.status);
  const changes = storedChanges(revision.changes, { productId, revisionId });
  const actor = actorOf(caller);
  const now = deps.clock.now();
  try {
    await applyContent(
      deps,
      before,
      changes,
      actor,
      (after) => ({
        entityType: "product",
        entityId: productId,
        operation: "revision.approve",
        before: snapshotContent(before),
        after: { revisionId, reason: reason ?? null, content: snapshotContent(after) },
      }),
      {
        extra: (opId) =>
          decideStatements(deps.db, revisionId, {
            status: "APPROVED",
            decidedBy: actor.id,
            decidedAt: now,
            reason: reason ?? null,
            appliedVersion: before.row.version + 1,
            opId,
          }),
        invalid: (errors: FieldError[]) =>
          revisionOutdated({ productId, revisionId }, "no longer fits the product or its category", errors),
      },
    );
  } catch (err) {
    // A lost race is either another decision on this revision or another change of the product.
    if (err instanceof AppError && err.code === "version_conflict") {
      const current = await revisionRow(deps.db, productId, revisionId);
      if (current && current.status !== "PENDING") throw notPending(current);
    }
    throw err;
  }
  return reloaded(deps, productId, revisionId);
}

/** An operator refuses a pending revision with a reason; the live product is unchanged. */
export async function rejectRevision(
  deps: CatalogDeps,
  caller: Caller,
  productId: string,
  revisionId: string,
  reason: string,
): Promise<RevisionView> {
  assertOperator(caller, "reject");
  const { product, revision } = await load(deps, caller, productId, revisionId);
  if (revision.status !== "PENDING") throw notPending(revision);
  const actor = actorOf(caller);
  const now = deps.clock.now();
  const opId = newId("operation", now);
  try {
    await runBatch(deps.db, [
      ...decideStatements(deps.db, revisionId, {
        status: "REJECTED",
        decidedBy: actor.id,
        decidedAt: now,
        reason,
        appliedVersion: null,
        opId,
      }),
      logInsert(deps.db, {
        actor,
        shopId: product.row.shopId,
        entityType: "product",
        entityId: productId,
        operation: "revision.reject",
        after: { revisionId, reason },
        requestId: deps.requestId,
        now,
      }),
    ]);
  } catch (err) {
    if (!isAssertionFailure(err)) throw err;
    const current = await revisionRow(deps.db, productId, revisionId);
    throw current ? notPending(current) : err;
  }
  return reloaded(deps, productId, revisionId);
}
