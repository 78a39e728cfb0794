/**
 * The top-up provider adapter: everything virtual-goods fulfillment asks of a top-up service (the
 * sandbox one in dev and tests, a real carrier's behind the same interface), and nothing else.
 * Every top-up carries our idempotency key, derived from the order item, so asking again after a
 * lost answer (a time-out) never tops up twice: the provider answers the first top-up again.
 */
import type { Money } from "../platform/money";

export interface TopupRequest {
  /** Our reference for the top-up (the order item id): the provider records it, `find` looks it up. */
  reference: string;
  /** The phone number to top up (E.164). */
  target: string;
  /** The face value to deliver. */
  amount: Money;
  idempotencyKey: string;
}

/**
 * What became of a top-up: delivered; refused for good (`declined`: the provider said no, or
 * refused the request as invalid, so asking again cannot succeed); or not known (`timed_out`:
 * no answer in time, the provider unreachable or failing), which is worth asking again.
 */
export type TopupOutcome =
  | { status: "succeeded"; providerTopupId: string }
  | { status: "declined"; providerTopupId: string | null; code: string }
  | { status: "timed_out"; detail: string };

export interface TopupProviderAdapter {
  readonly provider: string;
  /** Tops up `request.target`; never throws for the provider's own answers, only for our misconfiguration. */
  topup(request: TopupRequest): Promise<TopupOutcome>;
  /**
   * The provider's newest record for `reference` (a top-up whose answer was lost), or null when
   * it has none; a record still without an outcome is `timed_out`.
   */
  find(reference: string): Promise<TopupOutcome | null>;
}

/** The provider's idempotency key for order item `orderItemId`'s top-up (one per item, ever). */
export const topupKeyOf = (orderItemId: string) => `topup:${orderItemId}`;
