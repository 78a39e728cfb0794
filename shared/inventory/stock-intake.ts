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
import { skuReadModel } from "../catalog/sku-read-model";
import { makeEvent } from "../events/messages";
import { publish } from "../events/producer";
import { actorOf, SYSTEM_ACTOR } from "../platform/actor";
import type { Caller } from "../platform/auth";
import { createdCursorSchema, decodeCursor, olderThan, pageByKey, pageOf } from "../platform/cursor";
import { runBatchRead } from "../platform/d1-chunks";
import type { Db } from "../platform/db";
import { ID_PREFIXES, newId } from "../platform/ids";
import { projectedStock } from "./projection";
import { type MovementView, movementCursorSchema, type StockView } from "./schemas";
import { adjustOne, project, readStock, transferStock } from "./stock";
import { stockWarehouse } from "./warehouses";

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
  const warehouse = await stockWarehouse(
    deps.db,
    { shopId: sku.shopId, skuId },
    { field: "warehouseId", warehouseId: input.warehouseId },
  );
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
    await stockWarehouse(deps.db, { shopId: sku.shopId, skuId }, { field, warehouseId: input[field] });
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

/**
 * The SKU's stock movements (reservations, sales, releases, adjustments, transfers), newest first,
 * a page at a time: the cursor is the last answered movement's sequence number.
 */
export async function listMovements(
  deps: CatalogDeps,
  caller: Caller,
  skuId: string,
  query: { limit: number; cursor?: string | undefined },
): Promise<{ items: MovementView[]; nextCursor: string | null }> {
  await skuForStock(deps.db, caller, skuId);
  const before = query.cursor ? decodeCursor(movementCursorSchema, query.cursor).seq : undefined;
  const rows = await deps.inventory.getByName(skuId).movements(query.limit + 1, before);
  return pageByKey(
    rows,
    query.limit,
    (m) => ({ ...m, createdAt: new Date(m.at).toISOString() }),
    (last) => ({ seq: last.seq }),
  );
}

export const stockAlertSchema = z.object({
  alertId: z.string(),
  shopId: z.string(),
  skuId: z.string(),
  productId: z.string().nullable().describe("Null once the SKU is gone from the catalog"),
  productName: z.string().nullable(),
  skuName: z.string().nullable(),
  sellerSkuCode: z.string().nullable(),
  available: z.number().int(),
  threshold: z.number().int(),
  raisedAt: z.string(),
});

/**
 * Safety-stock alerts, newest first, keyset-paged: one shop's, or with `shopId` undefined (an
 * operator naming none) every shop's. Each names its product and SKU as the catalog has them now.
 */
export async function listStockAlerts(
  db: Db,
  query: { shopId: string | undefined; limit: number; cursor?: string | undefined },
) {
  const after = query.cursor ? decodeCursor(createdCursorSchema, query.cursor) : undefined;
  const rows = await db
    .select()
    .from(stockAlerts)
    .where(
      and(
        query.shopId ? eq(stockAlerts.shopId, query.shopId) : undefined,
        olderThan(stockAlerts.raisedAt, stockAlerts.id, after),
      ),
    )
    .orderBy(desc(stockAlerts.raisedAt), desc(stockAlerts.id))
    .limit(query.limit + 1);
  const page = pageOf(
    rows.map((r) => ({ ...r, createdAt: r.raisedAt })),
    query.limit,
    (r) => r,
  );
  const catalog = await runBatchRead(db, skuReadModel(db, { skuIds: [...new Set(page.items.map((r) => r.skuId))] }));
  return {
    items: page.items.map((r) => {
      const sku = catalog.get(r.skuId);
      return {
        alertId: r.id,
        shopId: r.shopId,
        skuId: r.skuId,
        productId: sku?.row.productId ?? null,
        productName: sku?.product.name ?? null,
        skuName: sku?.row.name ?? null,
        sellerSkuCode: sku?.row.sellerSkuCode ?? null,
        available: r.available,
        threshold: r.threshold,
        raisedAt: new Date(r.raisedAt).toISOString(),
      };
    }),
    nextCursor: page.nextCursor,
  };
}
