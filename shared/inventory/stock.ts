/** Talking to SKU inventory objects, and keeping the D1 projection (`sku_stock`) in step with them. */
import type { SkuInventory } from "../../durable-objects/sku-inventory";
import type { Db } from "../platform/db";
import { AppError } from "../platform/errors";
import { projectViews } from "./projection";
import type {
  AdjustStockInput,
  Reservation,
  ReservationRefInput,
  ReserveInput,
  ReturnSoldInput,
  SettleResult,
  StockView,
  TransferInput,
} from "./schemas";

/**
 * The 409 `insufficient_stock` for a stock change warehouse `warehouseId` cannot cover: `available`
 * is that warehouse's figure (the one the detail quotes), `skuAvailable` the SKU's over all of them.
 */
function insufficientStock(
  detail: string,
  view: StockView,
  subject: { skuId: string; warehouseId: string; requested: (available: number) => number },
): AppError {
  const available = view.warehouses.find((w) => w.warehouseId === subject.warehouseId)?.available ?? 0;
  return new AppError("insufficient_stock", {
    detail: `SKU ${subject.skuId}: ${detail}`,
    extensions: {
      skuId: subject.skuId,
      warehouseId: subject.warehouseId,
      available,
      requested: subject.requested(available),
      skuAvailable: view.available,
    },
  });
}

/** One adjustment in the SKU's object; 409 `insufficient_stock` when it would go negative. */
export async function adjustOne(
  ns: DurableObjectNamespace<SkuInventory>,
  input: AdjustStockInput,
): Promise<StockView & { replayed: boolean; delta: number; availableAfter: number }> {
  const result = await ns.getByName(input.skuId).adjust(input);
  if (!result.ok) {
    throw insufficientStock(result.detail, result.view, {
      skuId: input.skuId,
      warehouseId: input.warehouseId,
      // The units the change would take out of the warehouse.
      requested: (available) => (input.mode === "delta" ? -input.quantity : available - input.quantity),
    });
  }
  return { ...result.view, replayed: result.replayed, delta: result.delta, availableAfter: result.availableAfter };
}

export async function readStock(ns: DurableObjectNamespace<SkuInventory>, skuId: string): Promise<StockView> {
  const view = await ns.getByName(skuId).view();
  return { ...view, skuId };
}

/**
 * Writes the object's view into the projection, per warehouse; a row only moves forward
 * (`revision` increases), so late or reordered updates never overwrite newer numbers.
 */
export async function project(db: Db, view: StockView, now: number): Promise<void> {
  // Only warehouses D1 knows: the rows reference them, and one stray warehouse must not keep the
  // rest of the view out (nor turn the event into a poison message). One view is a batch of one.
  await projectViews(db, [view], now);
}

type Inventory = DurableObjectNamespace<SkuInventory>;

/**
 * Holds stock for a checkout in the SKU's object; 409 `out_of_stock` (with what is available)
 * when the SKU cannot cover the quantity. Idempotent by reservation id.
 */
export async function reserveStock(ns: Inventory, input: ReserveInput): Promise<Reservation> {
  const result = await ns.getByName(input.skuId).reserve(input);
  if (result.ok) return result.reservation;
  if (result.code === "insufficient_stock") {
    throw new AppError("out_of_stock", {
      detail: `SKU ${input.skuId} has ${result.available} available; ${input.quantity} requested`,
      extensions: { skuId: input.skuId, available: result.available, requested: input.quantity },
    });
  }
  throw new AppError("reservation_closed", {
    detail: `Reservation ${input.reservationId} of SKU ${input.skuId} was already released`,
    extensions: { skuId: input.skuId, reservationId: input.reservationId },
  });
}

/** Releases a hold (idempotent; a hold already sold is left alone and reported). */
export async function releaseStock(ns: Inventory, input: ReservationRefInput): Promise<SettleResult> {
  return ns.getByName(input.skuId).release(input);
}

/**
 * Releases several holds at once (a checkout undone, an order cancelled). Idempotent per hold; an
 * id that was never reserved gets a tombstone, so a reserve still in flight holds nothing.
 */
export async function releaseStockAll(
  ns: Inventory,
  holds: readonly { skuId: string; reservationId: string }[],
  why: { actor: string; at: number; reason: string },
): Promise<void> {
  await Promise.all(holds.map((h) => releaseStock(ns, { skuId: h.skuId, reservationId: h.reservationId, ...why })));
}

/** Turns a hold into a sale (idempotent). */
export async function confirmStock(ns: Inventory, input: ReservationRefInput): Promise<SettleResult> {
  return ns.getByName(input.skuId).confirm(input);
}

/** Moves available stock between two warehouses of the SKU; 409 `insufficient_stock` when the source has too little. */
export async function transferStock(ns: Inventory, input: TransferInput): Promise<StockView & { replayed: boolean }> {
  const result = await ns.getByName(input.skuId).transfer(input);
  if (!result.ok) {
    throw insufficientStock(result.detail, result.view, {
      skuId: input.skuId,
      warehouseId: input.fromWarehouseId,
      requested: () => input.quantity,
    });
  }
  return { ...result.view, replayed: result.replayed };
}

/**
 * Sold units come back from a shopper (idempotent by op id): sellable to available, damaged
 * written off. Refund holds never return more than a reservation sold, so a refusal is a broken
 * invariant (an error, not an answer).
 */
export async function returnSoldStock(ns: Inventory, input: ReturnSoldInput): Promise<StockView> {
  const result = await ns.getByName(input.skuId).returnSold(input);
  if (!result.ok) {
    throw new Error(
      `SKU ${input.skuId}: reservation ${input.reservationId} did not sell ${input.quantity} units to return`,
    );
  }
  return result.view;
}
