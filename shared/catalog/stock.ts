/**
 * Stock intake and adjustment by sellers (and bulk edits): into the SKU's object, then the D1
 * projection, the operation log, the SOLD_OUT automation and a catalog event.
 */
import { and, count, eq, gt } from "drizzle-orm";
import { z } from "zod";
import { skuStock } from "../../db/schema";
import { makeEvent } from "../events/messages";
import { publish } from "../events/producer";
import type { StockView } from "../inventory/schemas";
import { adjustOne, project, readStock } from "../inventory/stock";
import type { Caller } from "../platform/auth";
import { newId } from "../platform/ids";
import { invalidField } from "../platform/validation";
import { actorOf, logInsert, SYSTEM_ACTOR } from "./history";
import { assertEditable } from "./lifecycle";
import { type CatalogDeps, skuForStock, syncAvailability } from "./products";
import { warehouseFor } from "./products-repo";

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

/** Sets or moves a SKU's stock in one warehouse. `opId` makes retries apply once (default: new). */
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
  const view = await adjustOne(deps.inventory, {
    skuId,
    opId: opId ?? newId("operation", now),
    warehouseId: warehouse.id,
    mode: input.set !== undefined ? "set" : "delta",
    quantity: input.set ?? input.delta ?? 0,
    reason: input.reason,
    actor: actor.id,
    at: now,
  });
  await project(deps.db, view, now);
  if (!view.replayed) {
    // Before and after come from the same transaction in the object, so concurrent changes
    // cannot make the log entry lie.
    const after = view.warehouses.find((w) => w.warehouseId === warehouse.id)?.available ?? 0;
    await logInsert(deps.db, {
      actor,
      shopId: sku.shopId,
      entityType: "stock",
      entityId: skuId,
      operation: input.set !== undefined ? "set" : "delta",
      before: { warehouseId: warehouse.id, available: after - view.delta },
      after: { warehouseId: warehouse.id, available: after, reason: input.reason },
      requestId: deps.requestId,
      now,
    });
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
  }
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
