/**
 * Stock intake and adjustment by sellers (and bulk edits): into the SKU's object, then the D1
 * projection, the operation log, the SOLD_OUT automation and a catalog event.
 */
import { and, count, desc, eq, gt } from "drizzle-orm";
import { z } from "zod";
import { skuStock, stockAlerts } from "../../db/schema";
import type { CatalogDeps } from "../catalog/catalog-deps";
import { logInsert } from "../catalog/history";
import { rebuildSearchDocument } from "../catalog/indexer";
import { assertEditable } from "../catalog/lifecycle";
import { syncAvailability } from "../catalog/product-status";
import { skuForStock } from "../catalog/product-views";
import { findSku } from "../catalog/products-repo";
import { makeEvent } from "../events/messages";
import { publish } from "../events/producer";
import { actorOf, SYSTEM_ACTOR } from "../platform/actor";
import type { Caller } from "../platform/auth";
import type { Db } from "../platform/db";
import { ID_PREFIXES, newId } from "../platform/ids";
import { invalidField } from "../platform/validation";
import { projectedStock } from "./projection";
import type { StockView } from "./schemas";
import { adjustOne, project, readStock, transferStock } from "./stock";
import { warehouseFor } from "./warehouses";

export const adjustStockBody = z
  .object({
    warehouseId: z.string().min(1).optional().describe("Defaults to the shop's default warehouse"),
    set: z
      .number()
      .int()
      .min(0)
      .max(1_000_000_000)
      .optional()
      .describe("Make available stock exactly this (stock taking)"),
    delta: z
      .number()
      .int()
      .min(-1_000_000_000)
      .max(1_000_000_000)
      .optional()
      .describe("Add (receive) or remove (write off) units"),
    reason: z.string().trim().min(1, "is required").max(500),
  })
  .strict()
  .refine((b) => (b.set === undefined) !== (b.delta === undefined), {
    message: "give exactly one of set or delta",
    path: ["set"],
  });
export type AdjustStockBody = z.infer<typeof adjustStockBody>;

export const stockViewResponse = z.object({
  skuId: z.string(),
  available: z.number().int(),
  reserved: z.number().int(),
  sold: z.number().int(),
  warehouses: z.array(
    z.object({
      warehouseId: z.string(),
      available: z.number().int(),
      reserved: z.number().int(),
      sold: z.number().int(),
    }),
  ),
});

function publicView(view: StockView) {
  return {
    skuId: view.skuId,
    available: view.available,
    reserved: view.reserved,
    sold: view.sold,
    warehouses: view.warehouses.map(({ warehouseId, available, reserved, sold }) => ({
      warehouseId,
      available,
      reserved,
      sold,
    })),
  };
}

/**
 * Sets or moves a SKU's stock in one warehouse. `opId` makes retries apply once: routes pass the
 * request's idempotency identity, bulk edits their row (default: a new op, applied once).
 */
export async function adjustStock(
  deps: CatalogDeps,
  caller: Caller,
  skuId: string,
  input: AdjustStockBody,
  opId?: string,
) {
  const sku = await skuForStock(deps.db, caller, skuId);
  assertEditable(sku.status);
  const warehouse = await warehouseFor(deps.db, sku.shopId, input.warehouseId);
  if (!warehouse) {
    throw invalidField("warehouseId", input.warehouseId ? "not a warehouse of this shop" : "the shop has no warehouse");
  }
  const now = deps.clock.now();
  const actor = actorOf(caller);
  const op = opId ?? newId("operation", now);
  const view = await adjustOne(deps.inventory, {
    skuId,
    opId: op,
    warehouseId: warehouse.id,
    mode: input.set !== undefined ? "set" : "delta",
    quantity: input.set ?? input.delta ?? 0,
    reason: input.reason,
    actor: actor.id,
    at: now,
  });
  // What follows the object's write runs on a replay too (each part is idempotent), so a retry
  // of a request that failed here finishes it instead of skipping it. Before and after come from
  // the object's own movement, so concurrent changes cannot make the log entry lie.
  await project(deps.db, view, now);
  await logInsert(deps.db, {
    id: `${ID_PREFIXES.operationLog}_${op}`,
    actor,
    shopId: sku.shopId,
    entityType: "stock",
    entityId: skuId,
    operation: input.set !== undefined ? "set" : "delta",
    before: { warehouseId: warehouse.id, available: view.availableAfter - view.delta },
    after: { warehouseId: warehouse.id, available: view.availableAfter, reason: input.reason },
    requestId: deps.requestId,
    now,
  }).onConflictDoNothing();
  await syncAvailability(deps, sku.productId);
  await publish(
    deps.producers,
    "catalog-events",
    makeEvent(
      "catalog.product_changed",
      { productId: sku.productId, shopId: sku.shopId, change: "stock", version: sku.version },
      now,
    ),
  );
  return publicView(view);
}

export async function getStock(deps: CatalogDeps, caller: Caller, skuId: string) {
  await skuForStock(deps.db, caller, skuId);
  return publicView(await readStock(deps.inventory, skuId));
}

/**
 * Moves stock that exists only in the D1 projection (rows never written by an object, revision 0:
 * demo data loaded by SQL, or an import from an older system) into the SKUs' objects, which are
 * the system of record. Idempotent: each row is set once by op id, then projected with the
 * object's revision, so it is not picked again.
 */
export async function adoptProjectedStock(
  deps: CatalogDeps,
  limit: number,
): Promise<{ adopted: number; remaining: number }> {
  const { db } = deps;
  const pending = and(eq(skuStock.revision, 0), gt(skuStock.available, 0));
  const rows = await db.select().from(skuStock).where(pending).limit(limit);
  const now = deps.clock.now();
  for (let i = 0; i < rows.length; i += 25) {
    await Promise.all(
      rows.slice(i, i + 25).map(async (row) => {
        const view = await adjustOne(deps.inventory, {
          skuId: row.skuId,
          opId: `adopt:${row.skuId}:${row.warehouseId}`,
          warehouseId: row.warehouseId,
          mode: "set",
          quantity: row.available,
          reason: "opening stock adopted from the projection",
          actor: SYSTEM_ACTOR.id,
          at: now,
        });
        await project(db, view, now);
      }),
    );
  }
  const [left] = await db.select({ n: count() }).from(skuStock).where(pending);
  return { adopted: rows.length, remaining: left?.n ?? 0 };
}

/**
 * Applies a SKU object's published view (`inventory.stock_changed`): the projection (newest
 * revision wins, so late or repeated events change nothing), the product's SOLD_OUT automation
 * and its search document.
 */
export async function applyStockChange(deps: CatalogDeps, view: StockView): Promise<void> {
  const now = deps.clock.now();
  // An object for a SKU the catalog does not know (a deleted draft, a bench SKU) has nothing to
  // project into: the projection's rows must name a SKU.
  const sku = await findSku(deps.db, view.skuId);
  if (!sku) return;
  // Already projected (the writer projected it itself, or this is a repeat): nothing moved.
  const projected = (await projectedStock(deps.db, [view.skuId])).get(view.skuId);
  if ((projected?.revision ?? 0) >= view.revision && view.revision > 0) return;
  await project(deps.db, view, now);
  await syncAvailability(deps, sku.productId);
  await rebuildSearchDocument(deps.db, sku.productId, now);
}

/** Stores a safety-stock alert once per event, under the SKU's shop. */
export async function recordStockAlert(
  db: Db,
  alert: { id: string; skuId: string; available: number; threshold: number; at: number },
): Promise<void> {
  const sku = await findSku(db, alert.skuId);
  if (!sku) return;
  await db
    .insert(stockAlerts)
    .values({
      id: alert.id,
      skuId: alert.skuId,
      shopId: sku.shopId,
      available: alert.available,
      threshold: alert.threshold,
      raisedAt: alert.at,
    })
    .onConflictDoNothing();
}

export const transferBody = z
  .object({
    fromWarehouseId: z.string().min(1),
    toWarehouseId: z.string().min(1),
    quantity: z.number().int().min(1).max(1_000_000_000),
    reason: z.string().trim().min(1, "is required").max(500),
  })
  .strict()
  .refine((b) => b.fromWarehouseId !== b.toWarehouseId, {
    message: "must differ from fromWarehouseId",
    path: ["toWarehouseId"],
  });

/** Moves available stock between two of the shop's warehouses, logged like any stock change. */
export async function transferBetweenWarehouses(
  deps: CatalogDeps,
  caller: Caller,
  skuId: string,
  input: z.infer<typeof transferBody>,
  opId?: string,
) {
  const sku = await skuForStock(deps.db, caller, skuId);
  for (const field of ["fromWarehouseId", "toWarehouseId"] as const) {
    if (!(await warehouseFor(deps.db, sku.shopId, input[field]))) {
      throw invalidField(field, "not a warehouse of this shop");
    }
  }
  const now = deps.clock.now();
  const actor = actorOf(caller);
  const op = opId ?? newId("operation", now);
  const view = await transferStock(deps.inventory, { skuId, opId: op, ...input, actor: actor.id, at: now });
  // As for adjustments: a replay finishes what the first run may have left undone.
  await project(deps.db, view, now);
  await logInsert(deps.db, {
    id: `${ID_PREFIXES.operationLog}_${op}`,
    actor,
    shopId: sku.shopId,
    entityType: "stock",
    entityId: skuId,
    operation: "transfer",
    before: { warehouseId: input.fromWarehouseId },
    after: { warehouseId: input.toWarehouseId, quantity: input.quantity, reason: input.reason },
    requestId: deps.requestId,
    now,
  }).onConflictDoNothing();
  return publicView(view);
}

export const safetyStockBody = z
  .object({ threshold: z.number().int().min(0).max(1_000_000_000).describe("0 turns alerts off") })
  .strict();

/** Sets the SKU's safety stock: available at or below it raises one alert per crossing. */
export async function setSafetyStock(deps: CatalogDeps, caller: Caller, skuId: string, threshold: number) {
  await skuForStock(deps.db, caller, skuId);
  const view = await deps.inventory.getByName(skuId).setSafetyStock({ skuId, threshold });
  return { ...publicView(view), safetyStock: view.safetyStock };
}

/** The SKU's newest stock movements (reservations, sales, releases, adjustments, transfers). */
export async function listMovements(deps: CatalogDeps, caller: Caller, skuId: string, limit: number) {
  await skuForStock(deps.db, caller, skuId);
  return { items: await deps.inventory.getByName(skuId).movements(limit) };
}

export const stockAlertSchema = z.object({
  alertId: z.string(),
  skuId: z.string(),
  available: z.number().int(),
  threshold: z.number().int(),
  raisedAt: z.string(),
});

/** The shop's safety-stock alerts, newest first. */
export async function listStockAlerts(db: Db, shopId: string, limit: number) {
  const rows = await db
    .select()
    .from(stockAlerts)
    .where(eq(stockAlerts.shopId, shopId))
    .orderBy(desc(stockAlerts.raisedAt))
    .limit(limit);
  return {
    items: rows.map((r) => ({
      alertId: r.id,
      skuId: r.skuId,
      available: r.available,
      threshold: r.threshold,
      raisedAt: new Date(r.raisedAt).toISOString(),
    })),
  };
}
