/** Order-creation settings from Worker vars (API.md: thresholds are configuration). */
import { z } from "zod";

/** The default cap on units one shopper holds in unpaid orders (ORDER_HELD_UNITS_LIMIT). */
export const HELD_UNITS_DEFAULT = 500;

export const orderSettingsSchema = z
  .object({
    /** Orders one shopper may place per minute (anti-fraud velocity). */
    ORDER_USER_LIMIT_PER_MINUTE: z.coerce.number().int().positive().default(20),
    /** Orders one client IP may place per minute. */
    ORDER_IP_LIMIT_PER_MINUTE: z.coerce.number().int().positive().default(60),
    /** The largest payable amount of one checkout, in minor units (default 50,000.00). */
    ORDER_MAX_PAYABLE: z.coerce.number().int().positive().default(5_000_000),
    /** Units one shopper may hold in unpaid orders at once (paying or cancelling frees them). */
    ORDER_HELD_UNITS_LIMIT: z.coerce.number().int().positive().default(HELD_UNITS_DEFAULT),
    /** How long an unpaid order holds its stock before it cancels itself. */
    PAYMENT_HOLD_MINUTES: z.coerce.number().int().min(1).max(720).default(30),
    /** How many order-number machines (Durable Objects) share the load. */
    ORDER_NUMBER_MACHINES: z.coerce.number().int().min(1).max(1000).default(16),
  })
  .transform((e) => ({
    userLimitPerMinute: e.ORDER_USER_LIMIT_PER_MINUTE,
    ipLimitPerMinute: e.ORDER_IP_LIMIT_PER_MINUTE,
    maxPayable: e.ORDER_MAX_PAYABLE,
    heldUnitsLimit: e.ORDER_HELD_UNITS_LIMIT,
    holdMs: e.PAYMENT_HOLD_MINUTES * 60_000,
    numberMachines: e.ORDER_NUMBER_MACHINES,
  }));
export type OrderSettings = z.output<typeof orderSettingsSchema>;

/**
 * Stock holds outlive the payment deadline by this much, so the order's own cancellation
 * releases them (saying why); the object's alarm is only the backstop.
 */
export const HOLD_MARGIN_MS = 5 * 60_000;

/** A saga's runner holds it this long; after that the sweeper may finish or undo it. */
export const SAGA_LEASE_MS = 60_000;
