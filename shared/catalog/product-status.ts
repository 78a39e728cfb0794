/**
 * Status changes of products: the lifecycle actions sellers and operators take (lifecycle.ts has
 * the transition table), and the SOLD_OUT automation the platform runs after stock changes. Each
 * is a compare-and-set on the status and version it read, with its operation log and catalog
 * event in the same batch; a lost race answers with the status the product has now.
 */
import { outboxInsert } from "../events/outbox";
import { type Actor, actorOf, SYSTEM_ACTOR } from "../platform/actor";
import type { Caller } from "../platform/auth";
import { isAssertionFailure, runBatch } from "../platform/db";
import { AppError } from "../platform/errors";
import { newId } from "../platform/ids";
import type { CatalogDeps } from "./catalog-deps";
import { logInsert } from "./history";
import { apply, type LifecycleAction, type LifecycleRole, PRODUCT_STATUS, statusName } from "./lifecycle";
import { changeEvent, sendChange } from "./product-events";
import { visibleProduct } from "./product-views";
import { findProduct, productAvailable } from "./products-repo";
import { assertOwnOp, updateProductStatus } from "./products-writes-repo";

function lifecycleRole(caller: Caller): "seller" | "operator" {
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
  return transition(deps, record.row, action, lifecycleRole(caller), actorOf(caller), reason);
}

async function transition(
  deps: CatalogDeps,
  row: { id: string; shopId: string; status: number; version: number },
  action: LifecycleAction,
  role: LifecycleRole,
  actor: Actor,
  reason?: string,
) {
  const { db } = deps;
  const inStock = (await productAvailable(db, row.id)) > 0;
  const next = apply(row.status, action, role, { inStock, ...(reason === undefined ? {} : { reason }) });
  const now = deps.clock.now();
  const opId = newId("operation", now);
  const version = row.version + 1;
  const changed = changeEvent(deps, { id: row.id, shopId: row.shopId, version }, "status");
  try {
    await runBatch(db, [
      outboxInsert(db, changed),
      updateProductStatus(
        db,
        row,
        { status: next, statusReason: reason ?? null },
        { version, lastOpId: opId, updatedAt: now },
      ),
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
    const current = await findProduct(db, row.id);
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
  const row = await findProduct(deps.db, productId);
  if (!row) return;
  const available = await productAvailable(deps.db, productId);
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
