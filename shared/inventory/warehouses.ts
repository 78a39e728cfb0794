/**
 * A shop's warehouses. `priority` orders them for reservations (lower first; ties go to the one
 * with most stock, see durable-objects/sku-inventory.ts); the default warehouse receives stock
 * when a seller names none.
 */
import { and, asc, eq, inArray } from "drizzle-orm";
import { z } from "zod";
import { warehouses } from "../../db/schema";
import { type BatchRead, batchRead, inKeys, type KeySet } from "../platform/d1-chunks";
import type { Db } from "../platform/db";
import { AppError } from "../platform/errors";
import { newId } from "../platform/ids";
import { invalidField } from "../platform/validation";
import { warehouseUnitsOf } from "./stock-totals";

const name = z.string().trim().min(1, "is required").max(100);
const region = z.string().trim().min(1, "is required").max(100).describe("Where it ships from, e.g. CN-ZJ");
const priority = z.number().int().min(0).max(1000).describe("Lower is used first for reservations");
const isDefault = z.boolean().describe("Receives stock when no warehouse is named");

export const warehouseBody = z
  .object({ name, region, priority: priority.default(100), isDefault: isDefault.default(false) })
  .strict();

/** Only what is given changes (no defaults here: an omitted field keeps its value). */
export const updateWarehouseBody = z
  .object({
    name: name.optional(),
    region: region.optional(),
    priority: priority.optional(),
    isDefault: isDefault.optional(),
  })
  .strict();

export const warehouseSchema = z.object({
  warehouseId: z.string(),
  shopId: z.string(),
  name: z.string(),
  region: z.string(),
  priority: z.number().int(),
  isDefault: z.boolean(),
});

/** Something the save did that the caller likely did not mean; the change is made all the same. */
export const warehouseWarningSchema = z.object({
  code: z.enum(["empty_default_warehouse"]),
  detail: z.string(),
});
export type WarehouseWarning = z.infer<typeof warehouseWarningSchema>;

/** The answer to a create or update: the warehouse and the warnings about the change (often none). */
export const savedWarehouseSchema = warehouseSchema.extend({
  warnings: z
    .array(warehouseWarningSchema)
    .describe(
      "`empty_default_warehouse` when the warehouse just made the default holds no stock (stock intake without a " +
        "warehouse goes there, and reservations find nothing in it); empty otherwise",
    ),
});
export type SavedWarehouse = z.infer<typeof savedWarehouseSchema>;

type Row = typeof warehouses.$inferSelect;
const view = (w: Row) => ({
  warehouseId: w.id,
  shopId: w.shopId,
  name: w.name,
  region: w.region,
  priority: w.priority,
  isDefault: w.isDefault,
});

export async function listWarehouses(db: Db, shopId: string) {
  const rows = await db
    .select()
    .from(warehouses)
    .where(eq(warehouses.shopId, shopId))
    .orderBy(asc(warehouses.priority), asc(warehouses.createdAt));
  return { items: rows.map(view) };
}

/** The shop's default warehouse (or its oldest), or with `warehouseId` that one if it is the shop's. */
export async function warehouseFor(db: Db, shopId: string, warehouseId?: string): Promise<Row | undefined> {
  const rows = await db
    .select()
    .from(warehouses)
    .where(eq(warehouses.shopId, shopId))
    .orderBy(asc(warehouses.createdAt));
  if (warehouseId) return rows.find((w) => w.id === warehouseId);
  return rows.find((w) => w.isDefault) ?? rows[0];
}

/**
 * The warehouse a stock change of `skuId` goes to, or the refusal every stock path answers alike
 * (stock adjustments, opening stock at creation, bulk edits, transfers): a named warehouse that
 * is not the shop's is a field error naming it and the shop (`field`: which body field named it);
 * a shop with no warehouse at all is 422 `no_warehouse` naming the shop and the SKU.
 */
export async function stockWarehouse(
  db: Db,
  subject: { shopId: string; skuId: string },
  named?: { field: string; warehouseId: string | undefined },
): Promise<Row> {
  const warehouse = await warehouseFor(db, subject.shopId, named?.warehouseId);
  if (warehouse) return warehouse;
  if (named?.warehouseId) {
    throw invalidField(named.field, `${named.warehouseId} is not a warehouse of shop ${subject.shopId}`);
  }
  throw new AppError("no_warehouse", {
    detail: `Shop ${subject.shopId} has no warehouse to receive SKU ${subject.skuId}'s stock into; create one first (POST /admin/v1/warehouses)`,
    extensions: { shopId: subject.shopId, skuId: subject.skuId },
  });
}

/**
 * Per shop in `shops`: warehouse id → allocation priority (what a reservation is handed), as a
 * read for the caller's batch. Shops without warehouses are absent.
 */
export function warehousePrioritiesRead(db: Db, shops: KeySet): BatchRead<Map<string, Record<string, number>>> {
  return batchRead(
    [
      inKeys(shops, (set) =>
        db
          .select({ id: warehouses.id, shopId: warehouses.shopId, priority: warehouses.priority })
          .from(warehouses)
          .where(inArray(warehouses.shopId, set)),
      ),
    ],
    ([rows]) => {
      const priorities = new Map<string, Record<string, number>>();
      for (const w of rows) priorities.set(w.shopId, { ...priorities.get(w.shopId), [w.id]: w.priority });
      return priorities;
    },
  );
}

/** One default per shop: making a warehouse the default unsets the others in the same batch. */
const clearDefault = (db: Db, shopId: string) =>
  db
    .update(warehouses)
    .set({ isDefault: false })
    .where(and(eq(warehouses.shopId, shopId), eq(warehouses.isDefault, true)));

/** The warning for a warehouse just made the default when it holds no units (none otherwise). */
async function defaultWarnings(db: Db, w: Row, madeDefault: boolean): Promise<WarehouseWarning[]> {
  if (!madeDefault || (await warehouseUnitsOf(db, w.id)) > 0) return [];
  return [
    {
      code: "empty_default_warehouse",
      detail:
        `Warehouse ${w.id} (${w.name}) is now the shop's default but holds no stock: stock added without a ` +
        "warehouse goes there; move or receive stock into it before shoppers rely on it",
    },
  ];
}

/** Adds a warehouse; made the default, it is necessarily empty, and the answer warns so. */
export async function createWarehouse(
  db: Db,
  shopId: string,
  input: z.output<typeof warehouseBody>,
  now: number,
): Promise<SavedWarehouse> {
  const id = newId("warehouse", now);
  const insert = db.insert(warehouses).values({ id, shopId, ...input, createdAt: now });
  if (input.isDefault) {
    await db.batch([clearDefault(db, shopId), insert]);
  } else await insert;
  const row = (await db.query.warehouses.findFirst({ where: eq(warehouses.id, id) })) as Row;
  return { ...view(row), warnings: await defaultWarnings(db, row, input.isDefault) };
}

/** Changes what is given; `isDefault: true` on a warehouse holding no stock answers a warning. */
export async function updateWarehouse(
  db: Db,
  shopId: string,
  warehouseId: string,
  input: z.output<typeof updateWarehouseBody>,
): Promise<SavedWarehouse> {
  const current = await db.query.warehouses.findFirst({
    where: and(eq(warehouses.id, warehouseId), eq(warehouses.shopId, shopId)),
  });
  if (!current) throw new AppError("not_found", { detail: `No warehouse ${warehouseId} in this shop` });
  if (input.isDefault === false && current.isDefault) {
    throw new AppError("default_warehouse_required", {
      detail: `Warehouse ${warehouseId} is the shop's default; make another warehouse the default instead`,
      extensions: { warehouseId },
    });
  }
  // An empty patch changes nothing (an UPDATE with no columns would be a 500).
  if (Object.values(input).every((v) => v === undefined)) return { ...view(current), warnings: [] };
  const update = db.update(warehouses).set(input).where(eq(warehouses.id, warehouseId));
  if (input.isDefault) {
    await db.batch([clearDefault(db, shopId), update]);
  } else await update;
  const row = (await db.query.warehouses.findFirst({ where: eq(warehouses.id, warehouseId) })) as Row;
  return { ...view(row), warnings: await defaultWarnings(db, row, input.isDefault === true) };
}
