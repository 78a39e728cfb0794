/**
 * The sandbox providers' wire shapes (local dev and tests only): the Stripe-like payment API
 * (`/sandbox/api/v1`, snake_case like Stripe), the top-up service, and the sandbox's own controls
 * (chaos, the delivery log; camelCase like our API). Shared by the sandbox Worker's routes, its
 * Durable Object (which parses every input again) and the platform's sandbox adapter, which may
 * parse the answers with the view schemas.
 */
import { z } from "zod";
import { CURRENCIES, type Currency } from "../platform/money";

/** Lowercase ISO 4217, as Stripe writes currencies. */
export const sandboxCurrency = z.enum(
  CURRENCIES.map((c) => c.toLowerCase() as Lowercase<Currency>) as [Lowercase<Currency>, ...Lowercase<Currency>[]],
);

const id = z.string().min(1).max(255);
const unixSeconds = z.number().int().nonnegative();
/** Only http(s): the hosted page links to it, and `javascript:` must never become a link. */
const httpUrl = z.url({ protocol: /^https?$/, error: "must be an http(s) URL" }).max(2048);
const minorUnits = z.number().int().positive().max(99_999_999);

/** Stripe's metadata limits: up to 50 keys of at most 40 characters, string values up to 500. */
const metadataRules = (m: Record<string, string>) =>
  Object.keys(m).length <= 50 && Object.keys(m).every((k) => k.length > 0 && k.length <= 40);
const metadataMessage = "at most 50 keys, each 1 to 40 characters";

export const intentMetadata = z
  .object({ paymentId: id, payOrderId: id })
  .catchall(z.string().max(500))
  .refine(metadataRules, metadataMessage);

export const createIntentBody = z.strictObject({
  amount: minorUnits,
  currency: sandboxCurrency,
  metadata: intentMetadata,
  return_url: httpUrl,
  description: z.string().max(1000).optional(),
});
export type CreateIntentBody = z.infer<typeof createIntentBody>;

export const CANCELLATION_REASONS = ["duplicate", "fraudulent", "requested_by_customer", "abandoned"] as const;
export type CancellationReason = (typeof CANCELLATION_REASONS)[number];
export const cancelIntentBody = z.strictObject({ cancellation_reason: z.enum(CANCELLATION_REASONS).optional() });

/**
 * Stripe takes only `duplicate`, `fraudulent` and `requested_by_customer` (the Stripe adapter maps
 * ours onto them); the sandbox keeps whatever reason word the sandbox adapter sends.
 */
const refundReason = z.string().min(1).max(200);
export const createRefundBody = z.strictObject({
  payment_intent: id,
  /** Defaults to what is left to refund. */
  amount: minorUnits.optional(),
  metadata: z.object({ refundId: id }).catchall(z.string().max(500)).refine(metadataRules, metadataMessage),
  reason: refundReason.optional(),
});
export type CreateRefundBody = z.infer<typeof createRefundBody>;

/** Stripe list parameters; `created[gte]` is unix seconds. */
export const listQuery = z.strictObject({
  limit: z.coerce.number().int().min(1).max(100).default(10),
  starting_after: id.optional(),
  "created[gte]": z.coerce.number().int().nonnegative().optional(),
});
export type ListQuery = z.infer<typeof listQuery>;
export const listRefundsQuery = listQuery.extend({ payment_intent: id.optional() });
export type ListRefundsQuery = z.infer<typeof listRefundsQuery>;

export const INTENT_STATUSES = ["requires_action", "requires_payment_method", "succeeded", "canceled"] as const;
export type IntentStatus = (typeof INTENT_STATUSES)[number];

export const paymentIntentView = z.object({
  id: z.string(),
  object: z.literal("payment_intent"),
  amount: z.number().int(),
  amount_received: z.number().int(),
  currency: sandboxCurrency,
  status: z.enum(INTENT_STATUSES),
  metadata: z.record(z.string(), z.string()),
  description: z.string().nullable(),
  return_url: z.string(),
  created: unixSeconds,
  livemode: z.literal(false),
  /** Only while `requires_action`: the hosted page the shopper pays on. */
  next_action: z
    .object({
      type: z.literal("redirect_to_url"),
      redirect_to_url: z.object({ url: z.string(), return_url: z.string() }),
    })
    .nullable(),
  last_payment_error: z
    .object({ type: z.literal("card_error"), code: z.string(), decline_code: z.string(), message: z.string() })
    .nullable(),
  canceled_at: unixSeconds.nullable(),
  cancellation_reason: z.enum(CANCELLATION_REASONS).nullable(),
});
export type PaymentIntentView = z.infer<typeof paymentIntentView>;

export const REFUND_STATUSES = ["pending", "succeeded", "failed", "canceled"] as const;
export const refundView = z.object({
  id: z.string(),
  object: z.literal("refund"),
  amount: z.number().int(),
  currency: sandboxCurrency,
  payment_intent: z.string(),
  status: z.enum(REFUND_STATUSES),
  reason: refundReason.nullable(),
  metadata: z.record(z.string(), z.string()),
  created: unixSeconds,
});
export type RefundView = z.infer<typeof refundView>;

/** A Stripe list page, newest first. */
export function listView<T extends z.ZodType>(item: T) {
  return z.object({ object: z.literal("list"), url: z.string(), data: z.array(item), has_more: z.boolean() });
}
export interface ListPage<T> {
  object: "list";
  url: string;
  data: T[];
  has_more: boolean;
}

/** Stripe's error body. `idempotency_error` is Stripe's type for a key reused with other parameters. */
export const apiErrorBody = z.object({
  error: z.object({
    type: z.enum(["invalid_request_error", "api_error", "idempotency_error", "authentication_error"]),
    code: z.string().optional(),
    message: z.string(),
    param: z.string().optional(),
  }),
});
export type ApiError = z.infer<typeof apiErrorBody>["error"];

/** What the provider object answers an API call: a status and body, or a Stripe error. */
export type ApiResult<T> = { ok: true; status: 200; body: T } | { ok: false; status: 400 | 404 | 409; error: ApiError };

// -------------------------------------------------------------------------------------------
// Top-ups (virtual goods)

/** `...0002` is declined, `...0003` times out, anything else succeeds (like test card numbers). */
export function topupOutcome(target: string): "succeeded" | "declined" | "timeout" {
  if (target.endsWith("0002")) return "declined";
  if (target.endsWith("0003")) return "timeout";
  return "succeeded";
}

export const createTopupBody = z.strictObject({
  target: z.string().regex(/^\+?[0-9]{5,20}$/, "must be a phone number: 5 to 20 digits, optionally after +"),
  amount: minorUnits,
  currency: sandboxCurrency,
  reference: id,
});
export type CreateTopupBody = z.infer<typeof createTopupBody>;

export const topupView = z.object({
  id: z.string(),
  object: z.literal("topup"),
  target: z.string(),
  amount: z.number().int(),
  currency: sandboxCurrency,
  reference: z.string(),
  /** `pending` only for a top-up that timed out: its outcome is never learned. */
  status: z.enum(["succeeded", "failed", "pending"]),
  failure_code: z.literal("declined").nullable(),
  created: unixSeconds,
});
export type TopupView = z.infer<typeof topupView>;

// -------------------------------------------------------------------------------------------
// Sandbox controls

/** Applies to the webhooks enqueued after it is set. Omitted fields reset to their defaults. */
export const chaosSettings = z.strictObject({
  duplicates: z.number().int().min(0).max(5).default(0),
  delayMs: z.number().int().min(0).max(60_000).default(0),
  shuffle: z.boolean().default(false),
  /**
   * How refunds settle from now on: `fail` settles them `failed` (a refund the bank bounced, like
   * Stripe's refund-failing test card), so the platform's FAILED refund and its retry can be tried.
   */
  refunds: z.enum(["succeed", "fail"]).default("succeed"),
});
export type ChaosSettings = z.infer<typeof chaosSettings>;

export const DELIVERY_STATUSES = ["pending", "delivered", "failed"] as const;
export const deliveriesQuery = z.strictObject({
  eventType: z.string().min(1).max(100).optional(),
  eventId: id.optional(),
  /** The intent's or refund's id, or a shipment's tracking number. */
  objectId: id.optional(),
  status: z.enum(DELIVERY_STATUSES).optional(),
  limit: z.coerce.number().int().min(1).max(500).default(100),
});
export type DeliveriesQuery = z.infer<typeof deliveriesQuery>;

export const deliveryView = z.object({
  deliveryId: z.number().int(),
  eventId: z.string(),
  eventType: z.string(),
  objectId: z.string(),
  /** Where on the platform it is sent. */
  path: z.string(),
  /** 0 for the event's own delivery, 1.. for chaos duplicates. */
  copy: z.number().int(),
  status: z.enum(DELIVERY_STATUSES),
  attempts: z.number().int(),
  lastStatusCode: z.number().int().nullable(),
  lastError: z.string().nullable(),
  /** The `Stripe-Signature` of the last attempt, so tests can verify it. */
  lastSignature: z.string().nullable(),
  /** Position of the last attempt among all attempts (shows the order deliveries went out in). */
  sentSeq: z.number().int().nullable(),
  nextAttemptAt: z.string().nullable(),
  finishedAt: z.string().nullable(),
  createdAt: z.string(),
});
export type DeliveryView = z.infer<typeof deliveryView>;

export const flushQuery = z.strictObject({ all: z.enum(["0", "1", "true", "false"]).optional() });
export const flushResult = z.object({
  attempted: z.number().int(),
  delivered: z.number().int(),
  /** Attempts answered with a non-2xx (or not answered); retried later unless given up. */
  failed: z.number().int(),
  gaveUp: z.number().int(),
  refundsSettled: z.number().int(),
});
export type FlushResult = z.infer<typeof flushResult>;

export const CARRIER_STATUSES = ["in_transit", "delivered", "failed"] as const;
export const carrierParams = z.object({
  carrier: z.string().regex(/^[a-z0-9_-]{1,32}$/, "must be 1 to 32 of a-z, 0-9, _ and -"),
  trackingNumber: z.string().regex(/^[A-Za-z0-9-]{1,64}$/, "must be 1 to 64 of A-Z, a-z, 0-9 and -"),
});
export const carrierEventBody = z.strictObject({ status: z.enum(CARRIER_STATUSES) });
