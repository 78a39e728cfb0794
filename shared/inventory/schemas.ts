/** The SKU inventory object's inputs and outputs (zod is the single source; the object parses). */
import { z } from "zod";

export const adjustStockInput = z
  .object({
    skuId: z.string().min(1),
    /** Makes the adjustment idempotent: the same op id applies once, whatever the retries. */
    opId: z.string().min(1).max(128),
    warehouseId: z.string().min(1),
    /** `set` makes available stock equal `quantity` (stock taking); `delta` adds it (receiving, returns, write-offs). */
    mode: z.enum(["set", "delta"]),
    quantity: z.number().int(),
    reason: z.string().min(1).max(500),
    actor: z.string().min(1),
    at: z.number().int(),
  })
  .strict();
export type AdjustStockInput = z.infer<typeof adjustStockInput>;

export const warehouseStockSchema = z.object({
  warehouseId: z.string(),
  available: z.number().int(),
  reserved: z.number().int(),
  sold: z.number().int(),
  /** Everything ever received into this warehouse, net of adjustments: available + reserved + sold. */
  received: z.number().int(),
});

export const stockViewSchema = z.object({
  skuId: z.string(),
  available: z.number().int(),
  reserved: z.number().int(),
  sold: z.number().int(),
  /** Increases with every movement; projections keep only the newest. */
  revision: z.number().int(),
  /** Available at or below this raises a safety-stock alert (0: no alerts). */
  safetyStock: z.number().int().default(0),
  warehouses: z.array(warehouseStockSchema),
});
export type StockView = z.infer<typeof stockViewSchema>;

export type AdjustResult =
  | {
      ok: true;
      replayed: boolean;
      /** Units the op added to (or took from) available; on a replay, what the first run moved. */
      delta: number;
      /** The warehouse's available units right after the op (a transfer: the source warehouse's). */
      availableAfter: number;
      view: StockView;
    }
  | { ok: false; code: "insufficient_stock"; detail: string; view: StockView };
export type TransferResult = AdjustResult;

/** Hold `quantity` units for a checkout until `expiresAt` (or until confirmed or released). */
export const reserveInput = z
  .object({
    skuId: z.string().min(1),
    /** Idempotency: a reservation id is held once, whatever the retries. */
    reservationId: z.string().min(1).max(128),
    quantity: z.number().int().positive().max(1_000_000),
    /**
     * The shop's allocation order: warehouse id → priority (lower first). Warehouses not listed
     * come last; among equal priorities the one with most available stock goes first.
     */
    priorities: z.record(z.string(), z.number().int()).default({}),
    /** How long the hold lasts, from `at`. */
    ttlMs: z
      .number()
      .int()
      .positive()
      .max(7 * 24 * 3600 * 1000),
    actor: z.string().min(1),
    at: z.number().int(),
  })
  .strict();
export type ReserveInput = z.input<typeof reserveInput>;

/**
 * Moves `quantity` units of a held reservation (the parent: a flash-sale campaign's carve-out) into
 * a hold of their own (a flash-sale order's), reserved throughout. Once per reservation id.
 */
export const splitHoldInput = z
  .object({
    skuId: z.string().min(1),
    parentReservationId: z.string().min(1).max(128),
    reservationId: z.string().min(1).max(128),
    quantity: z.number().int().positive().max(1_000_000),
    /** How long the new hold lasts, from `at`. */
    ttlMs: z
      .number()
      .int()
      .positive()
      .max(7 * 24 * 3600 * 1000),
    actor: z.string().min(1),
    at: z.number().int(),
  })
  .strict();
export type SplitHoldInput = z.input<typeof splitHoldInput>;

export type SplitHoldResult =
  | { ok: true; replayed: boolean; reservation: Reservation; view: StockView }
  /** The parent holds fewer units than asked (`held`: what it holds). */
  | { ok: false; code: "insufficient_stock"; held: number; view: StockView }
  /** The parent is no longer held (its campaign settled), or the new id was released before. */
  | { ok: false; code: "parent_closed" | "reservation_closed"; view: StockView };

export const reservationRefInput = z
  .object({
    skuId: z.string().min(1),
    reservationId: z.string().min(1).max(128),
    actor: z.string().min(1),
    at: z.number().int(),
    reason: z.string().min(1).max(500).optional(),
  })
  .strict();
export type ReservationRefInput = z.input<typeof reservationRefInput>;

export const RESERVATION_STATUSES = ["held", "confirmed", "released"] as const;
export type ReservationStatus = (typeof RESERVATION_STATUSES)[number];

export interface Reservation {
  reservationId: string;
  status: ReservationStatus;
  quantity: number;
  allocations: { warehouseId: string; quantity: number }[];
  expiresAt: number;
}

export type ReserveResult =
  | { ok: true; replayed: boolean; reservation: Reservation; view: StockView }
  | { ok: false; code: "insufficient_stock"; available: number; view: StockView }
  /** The id was released before (a compensation or expiry got there first): it never holds again. */
  | { ok: false; code: "reservation_closed"; reservation: Reservation; view: StockView };

/** Confirm (hold → sold) or release (hold → available). */
export type SettleResult =
  | { ok: true; replayed: boolean; reservation: Reservation | null; view: StockView }
  | { ok: false; code: "reservation_released" | "reservation_confirmed" | "unknown_reservation"; view: StockView };

export const transferInput = z
  .object({
    skuId: z.string().min(1),
    opId: z.string().min(1).max(128),
    fromWarehouseId: z.string().min(1),
    toWarehouseId: z.string().min(1),
    quantity: z.number().int().positive().max(1_000_000_000),
    reason: z.string().min(1).max(500),
    actor: z.string().min(1),
    at: z.number().int(),
  })
  .strict()
  .refine((t) => t.fromWarehouseId !== t.toWarehouseId, {
    message: "from and to must differ",
    path: ["toWarehouseId"],
  });
export type TransferInput = z.input<typeof transferInput>;

/**
 * Sold units of one reservation come back from a shopper (a refund received them): `sellable`
 * ones return to available stock where they were sold from, `damaged` ones are written off.
 */
export const returnSoldInput = z
  .object({
    skuId: z.string().min(1),
    /** Makes the return idempotent: the same op id applies once, whatever the retries. */
    opId: z.string().min(1).max(128),
    reservationId: z.string().min(1).max(128),
    quantity: z.number().int().positive().max(1_000_000),
    condition: z.enum(["sellable", "damaged"]),
    reason: z.string().min(1).max(500),
    actor: z.string().min(1),
    at: z.number().int(),
  })
  .strict();
export type ReturnSoldInput = z.input<typeof returnSoldInput>;

export type ReturnSoldResult =
  | { ok: true; replayed: boolean; view: StockView }
  /** The reservation never sold that many units here (unknown, not confirmed, or too few). */
  | { ok: false; code: "not_sold"; view: StockView };

export const safetyStockInput = z
  .object({ skuId: z.string().min(1), threshold: z.number().int().min(0).max(1_000_000_000) })
  .strict();

export const movementSchema = z.object({
  seq: z.number().int(),
  opId: z.string(),
  warehouseId: z.string(),
  kind: z.string(),
  quantity: z.number().int(),
  reason: z.string(),
  actor: z.string(),
  at: z.number().int(),
  availableAfter: z.number().int(),
});
export type Movement = z.infer<typeof movementSchema>;

/**
 * A movement as the admin API answers it: the object's record, with its time as ISO 8601
 * (`createdAt`, like every other time the API answers); `at` is the same instant in epoch
 * milliseconds, kept for v1 clients and deprecated.
 */
export const movementViewSchema = movementSchema.extend({
  at: z
    .number()
    .int()
    .meta({ deprecated: true, description: "Deprecated: epoch milliseconds; read `createdAt` (ISO 8601)" }),
  createdAt: z.string().describe("When the movement happened, ISO 8601"),
});
export type MovementView = z.infer<typeof movementViewSchema>;

/** The movement list's cursor: the sequence number of the last movement answered. */
export const movementCursorSchema = z.object({ seq: z.number().int() });
