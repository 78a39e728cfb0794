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
  warehouses: z.array(warehouseStockSchema),
});
export type StockView = z.infer<typeof stockViewSchema>;

export type AdjustResult =
  | {
      ok: true;
      replayed: boolean /** Units added to (or taken from) available; 0 on a replay. */;
      delta: number;
      view: StockView;
    }
  | { ok: false; code: "insufficient_stock"; detail: string; view: StockView };

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
