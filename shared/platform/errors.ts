/**
 * The one application error type. Every failure a client may see is an `AppError` with a code
 * from `ERROR_CODES`; the HTTP status of each code is decided here and nowhere else.
 */

/**
 * Stable machine codes, the `code` member of every problem+json answer: one code per cause, so a
 * client branches on `code` alone (the refusal's subject is named in `detail` and in extension
 * members). Add, never rename. This table is the list the OpenAPI documents publish (the Problem
 * schema's `code` enum and the "Error codes" table of each document's description).
 */
export const ERROR_CODES = {
  // `bad_request`, `conflict` and `unprocessable` are generic, kept so no published code goes
  // away: the kernel answers `bad_request` for an HTTP error it has no code for; domain code
  // throws a specific code (test/platform/error-codes.test.ts fails on a generic one).
  validation_failed: { status: 400, title: "The request is not valid" },
  malformed_json: { status: 400, title: "The request body is not valid JSON" },
  bad_request: { status: 400, title: "The request cannot be processed" },
  weak_password: { status: 400, title: "The password is too weak" },
  invalid_signature: { status: 400, title: "The signature is missing, invalid or stale" },
  unauthenticated: { status: 401, title: "Authentication is required" },
  invalid_credentials: { status: 401, title: "The credentials are not valid" },
  invalid_token: { status: 401, title: "The token is not valid" },
  account_required: { status: 401, title: "Checkout needs a shopper account; guest checkout is not offered" },
  forbidden: { status: 403, title: "The caller may not do this" },
  not_started: { status: 403, title: "The campaign has not started" },
  ended: { status: 403, title: "The campaign has ended" },
  proof_required: { status: 403, title: "A valid entry proof is required" },
  not_found: { status: 404, title: "The resource does not exist" },
  method_not_allowed: { status: 405, title: "The method is not allowed on this resource" },
  not_acceptable: { status: 406, title: "The requested representation is not available" },
  conflict: { status: 409, title: "The request conflicts with the current state" },
  invalid_transition: { status: 409, title: "The transition is not allowed from the current state" },
  version_conflict: { status: 409, title: "The resource was changed by someone else" },
  idempotency_in_progress: { status: 409, title: "A request with this idempotency key is still running" },
  username_taken: { status: 409, title: "The username is taken" },
  email_taken: { status: 409, title: "The email is already registered" },
  phone_taken: { status: 409, title: "The phone number is already registered" },
  duplicate_category: { status: 409, title: "A category with this id already exists" },
  duplicate_brand: { status: 409, title: "A brand with this id or name already exists" },
  duplicate_attribute: { status: 409, title: "An attribute with this id already exists" },
  duplicate_product: { status: 409, title: "The shop already has a product with this category, brand and name" },
  duplicate_sku_code: { status: 409, title: "The seller SKU code is already used in the shop" },
  revision_outdated: { status: 409, title: "The revision no longer fits the product or its category" },
  default_warehouse_required: { status: 409, title: "The shop's default warehouse cannot be unset" },
  insufficient_stock: { status: 409, title: "The warehouse has too little stock for the change" },
  reservation_closed: { status: 409, title: "The stock reservation was already released" },
  out_of_stock: { status: 409, title: "Not enough stock" },
  price_changed: { status: 409, title: "The price changed since the quote" },
  product_unavailable: { status: 409, title: "The product is not on sale" },
  quote_used: { status: 409, title: "The quote was already used for an order" },
  hold_limit_reached: { status: 409, title: "The shopper holds as many units in unpaid orders as allowed" },
  checkout_timed_out: { status: 409, title: "The checkout took too long and was undone" },
  order_slot_moving: { status: 409, title: "The shopper's orders are moving to another database; retry shortly" },
  order_slot_move_in_progress: { status: 409, title: "A move of this order slot is already under way" },
  order_slot_same_shard: { status: 409, title: "The order slot already lives on that shard" },
  order_slot_not_purged: { status: 409, title: "The target shard still holds the slot's rows from an earlier move" },
  order_slot_verify_failed: { status: 409, title: "The slot's copy does not match its source; it was not switched" },
  order_slot_purge_too_early: { status: 409, title: "Isolates may still read the slot's old home; purge later" },
  sold_out: { status: 409, title: "The campaign is sold out" },
  purchase_token_used: { status: 409, title: "The purchase token was already used for an order" },
  admission_lapsed: { status: 409, title: "The flash-sale admission lapsed before an order redeemed it" },
  voucher_exhausted: { status: 409, title: "The voucher's uses or budget ran out" },
  duplicate_voucher_code: { status: 409, title: "The voucher code is already taken" },
  insufficient_coins: { status: 409, title: "The shopper has fewer coins than the checkout spends" },
  used_up: { status: 409, title: "The voucher has no claims left" },
  per_user_limit: { status: 409, title: "The shopper already claimed this voucher as often as allowed" },
  payment_in_progress: { status: 409, title: "A payment of this pay order is still in progress" },
  already_paid: { status: 409, title: "The pay order is already paid" },
  pay_order_expired: { status: 409, title: "The pay order is past its pay-by time" },
  pay_order_amount_mismatch: { status: 409, title: "The pay order's amount is out of step with its orders" },
  provider_payment_missing: { status: 409, title: "The refund's payment has no payment at the provider yet" },
  refund_exceeds_paid: { status: 409, title: "The refund exceeds what is left of the paid items" },
  tracking_number_taken: { status: 409, title: "The carrier's tracking number is already used" },
  already_reviewed: { status: 409, title: "The order item is already reviewed" },
  experiment_running: { status: 409, title: "Another experiment on this target is running" },
  feed_run_in_progress: { status: 409, title: "The feed is being run, or its last run's job is still running" },
  reversal_not_reversible: { status: 409, title: "A reversal cannot itself be reversed" },
  payload_too_large: { status: 413, title: "The request body is too large" },
  unsupported_media_type: { status: 415, title: "The request body's media type is not supported" },
  idempotency_conflict: { status: 422, title: "The idempotency key was used with a different request" },
  unprocessable: { status: 422, title: "The request is well-formed but cannot be processed" },
  order_shard_unknown: { status: 422, title: "No order database is bound at that shard index" },
  no_warehouse: { status: 422, title: "The shop has no warehouse to receive stock into" },
  address_book_full: { status: 422, title: "The address book is full" },
  cart_full: { status: 422, title: "The cart holds as many lines as allowed" },
  mixed_currencies: { status: 422, title: "The checkout's items are priced in more than one currency" },
  shipping_currency_mismatch: { status: 422, title: "The seller's shipping template is in another currency" },
  amount_cap: { status: 422, title: "The order exceeds the largest amount one checkout may pay" },
  voucher_not_applicable: { status: 422, title: "The voucher does not apply to this checkout" },
  payment_method_unavailable: { status: 422, title: "The payment method is not available in this deployment" },
  unbalanced_entries: { status: 422, title: "The ledger entries do not sum to zero" },
  account_locked: { status: 423, title: "The account is temporarily locked" },
  rate_limited: { status: 429, title: "Too many requests" },
  limit_reached: { status: 429, title: "The per-user limit is reached" },
  internal: { status: 500, title: "Internal error" },
  payment_provider_error: { status: 502, title: "The payment provider refused or failed the request" },
  unavailable: { status: 503, title: "The service is temporarily unavailable" },
  feature_disabled: { status: 503, title: "The feature is switched off for now" },
} as const satisfies Record<string, { status: number; title: string }>;

export type ErrorCode = keyof typeof ERROR_CODES;

/** One field-level problem, as listed in `errors[]` of a `validation_failed` answer. */
export interface FieldError {
  /** JSON pointer-ish dotted path of the field, e.g. `skus.0.price` or `query.limit`. */
  field: string;
  /** Why it is wrong, in words a developer can act on. */
  reason: string;
}

export interface AppErrorOptions {
  /** Human detail for this occurrence; shown to the client, so never an internal message. */
  detail?: string;
  /** Field errors for `validation_failed`. */
  errors?: FieldError[];
  /** Extra members of the problem document (e.g. `currentStatus` of an invalid transition). */
  extensions?: Record<string, unknown>;
  /** Extra response headers, e.g. `Retry-After`. */
  headers?: Record<string, string>;
  /** Whether retrying the same operation later may succeed (queue consumers act on it). */
  retryable?: boolean;
  cause?: unknown;
}

/** A failure with a stable code; the status, title and retryability come from the code table. */
export class AppError extends Error {
  readonly code: ErrorCode;
  readonly status: number;
  readonly detail: string;
  readonly errors: FieldError[] | undefined;
  readonly extensions: Record<string, unknown>;
  readonly headers: Record<string, string>;
  readonly retryable: boolean;

  constructor(code: ErrorCode, options: AppErrorOptions = {}) {
    const spec = ERROR_CODES[code];
    super(options.detail ?? spec.title, { cause: options.cause });
    this.name = "AppError";
    this.code = code;
    this.status = spec.status;
    this.detail = options.detail ?? spec.title;
    this.errors = options.errors;
    this.extensions = options.extensions ?? {};
    this.headers = options.headers ?? {};
    this.retryable = options.retryable ?? (spec.status >= 500 || spec.status === 429);
  }
}

/** Narrowing helper usable across module copies (tests import the same module, but be safe). */
export function isAppError(err: unknown): err is AppError {
  return err instanceof AppError;
}
