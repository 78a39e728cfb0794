/**
 * Which warehouses a reservation takes its units from (the SKU object's allocation rule), pure so
 * it is unit-tested outside workerd (test/inventory/allocation.test.ts).
 *
 * Warehouses go in the shop's priority order (lower number first; a warehouse the shop did not
 * rank comes after every ranked one), ties broken by most available stock, then by warehouse id
 * so the order is total and the answer never depends on the order rows were read in. The first
 * warehouse in that order that covers the whole quantity takes it (one parcel); otherwise the
 * quantity is split across warehouses in that order. All or nothing: when the warehouses together
 * hold less than the quantity, nothing is allocated.
 */

/** One warehouse's available units, as allocation sees them. */
export interface WarehouseAvailability {
  warehouseId: string;
  available: number;
}

/** Units taken from one warehouse. */
export interface Allocation {
  warehouseId: string;
  quantity: number;
}

/** The allocations (in allocation order, summing to the quantity), or how many units there are in all. */
export type AllocationResult = { ok: true; allocations: Allocation[] } | { ok: false; available: number };

/** Allocates `quantity` units over `stock` by the shop's `priorities` (warehouse id → rank, lower first). */
export function allocateStock(
  stock: readonly WarehouseAvailability[],
  quantity: number,
  priorities: Readonly<Record<string, number>>,
): AllocationResult {
  const rank = (w: string) => priorities[w] ?? Number.MAX_SAFE_INTEGER;
  const rows = stock
    .filter((r) => r.available > 0)
    .sort(
      (a, b) =>
        rank(a.warehouseId) - rank(b.warehouseId) ||
        b.available - a.available ||
        (a.warehouseId < b.warehouseId ? -1 : 1),
    );
  const total = rows.reduce((acc, r) => acc + r.available, 0);
  if (total < quantity) return { ok: false, available: total };
  const whole = rows.find((r) => r.available >= quantity);
  if (whole) return { ok: true, allocations: [{ warehouseId: whole.warehouseId, quantity }] };
  const allocations: Allocation[] = [];
  let left = quantity;
  for (const r of rows) {
    if (left === 0) break;
    const take = Math.min(left, r.available);
    allocations.push({ warehouseId: r.warehouseId, quantity: take });
    left -= take;
  }
  return { ok: true, allocations };
}
