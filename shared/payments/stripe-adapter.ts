/**
 * The Stripe payment provider's adapter, on the official `stripe` package over `fetch` (workerd).
 *
 * The shopper pays on Stripe's hosted page, so a payment is a Checkout Session in `payment` mode
 * with one line (the pay order). `providerPaymentId` is the Checkout Session id (`cs_...`): it is
 * the only id there is when we create it (Stripe creates the session's PaymentIntent when the
 * shopper confirms), and cancelling a Checkout payment means expiring its session (Stripe refuses
 * to cancel a Checkout PaymentIntent). The PaymentIntent (`pi_...`) is what webhook events and
 * reconciliation lists carry; both find our payment by `metadata.paymentId`, which the session
 * copies onto its PaymentIntent (`payment_intent_data.metadata`). So reconciliation joins on
 * `paymentId`, never on `providerPaymentId`. `cancelPayment` and `refund` take either id.
 *
 * Every creating call passes our idempotency key as Stripe's `Idempotency-Key`, so the SDK's own
 * retries (at most `MAX_NETWORK_RETRIES`, on connection errors, 409 and 5xx) and ours never create
 * a second session or refund. Errors leave as `AppError("payment_provider_error")` naming Stripe's
 * error type and code only: Stripe's messages may carry request data, and the key never appears.
 */
import Stripe from "stripe";
import { z } from "zod";
import { readEnv } from "../platform/env";
import { AppError } from "../platform/errors";
import { type Currency, currencySchema } from "../platform/money";
import type {
  CreatedPayment,
  CreatedRefund,
  CreatePaymentInput,
  CreateRefundInput,
  PaymentProviderAdapter,
  ProviderPage,
  ProviderPaymentRecord,
  ProviderRefundRecord,
} from "./provider";
import { refundMetadata } from "./provider";

/** Vars and secrets the Stripe adapter needs; without `STRIPE_SECRET_KEY` there is no Stripe provider. */
export const stripeEnvSchema = z.object({
  STRIPE_SECRET_KEY: z
    .string()
    .regex(/^(sk|rk)_(test|live)_[A-Za-z0-9_]+$/, "must be a Stripe secret or restricted key (sk_… or rk_…)")
    .optional(),
});
export type StripeEnv = z.infer<typeof stripeEnvSchema>;

export interface StripeAdapterConfig {
  secretKey: string;
  /** How requests leave (tests answer them locally); the global `fetch` when absent. Bind it if it needs `this`. */
  fetch?: typeof fetch;
  /** Another API host (e.g. a local stripe-mock); `api.stripe.com` when absent. */
  host?: string;
}

/** Retries of one call inside the SDK, each with the same idempotency key. */
const MAX_NETWORK_RETRIES = 2;
/** Per attempt: a shopper waits on `createPayment`, so not the SDK's 80 s. */
const TIMEOUT_MS = 10_000;
const LIST_LIMIT_MAX = 100;

type PaymentStatus = ProviderPaymentRecord["status"];

/** A PaymentIntent's status in our four words; a declined attempt (Checkout lets the shopper retry) is `failed`. */
function paymentStatusOf(intent: Stripe.PaymentIntent): PaymentStatus {
  if (intent.status === "succeeded") return "succeeded";
  if (intent.status === "canceled") return "canceled";
  if (intent.status === "requires_payment_method" && intent.last_payment_error) return "failed";
  return "pending";
}

function refundStatusOf(status: string | null): ProviderRefundRecord["status"] {
  if (status === "succeeded" || status === "failed" || status === "canceled") return status;
  return "pending"; // pending, requires_action
}

/** Stripe's refund reasons are an enum; ours are free words, so only Stripe's own words pass. */
function stripeRefundReason(reason: string): Stripe.RefundCreateParams.Reason | undefined {
  return reason === "duplicate" || reason === "fraudulent" || reason === "requested_by_customer" ? reason : undefined;
}

/** Our currency for a Stripe one, or null for a currency we never charge in (so not ours). */
function currencyOf(code: string): Currency | null {
  const parsed = currencySchema.safeParse(code.toUpperCase());
  return parsed.success ? parsed.data : null;
}

const idOf = (value: string | { id: string } | null): string | null =>
  value === null ? null : typeof value === "string" ? value : value.id;

/** Only Stripe's machine codes (`card_declined`) may reach a client, never free text. */
const safeCode = (code: unknown): string | undefined =>
  typeof code === "string" && /^[a-z0-9_]{1,64}$/.test(code) ? code : undefined;

const RETRYABLE_TYPES = new Set(["StripeConnectionError", "StripeRateLimitError", "StripeAPIError"]);

/**
 * Our error for a failed Stripe call: retryable when Stripe was unreachable, rate-limited us, had
 * a conflict or failed itself (after the SDK's own retries); not for card, request, key or
 * permission errors. Non-Stripe errors (our bugs) pass unchanged.
 */
export function stripeAppError(err: unknown, action: string): unknown {
  if (!(err instanceof Stripe.errors.StripeError)) return err;
  const status = err.statusCode;
  const retryable = RETRYABLE_TYPES.has(err.type) || (status !== undefined && (status >= 500 || status === 409));
  const code = safeCode(err.code);
  const declineCode = safeCode(err.decline_code);
  const what = [err.type, code, declineCode].filter(Boolean).join(": ");
  return new AppError("payment_provider_error", {
    detail: retryable
      ? `Stripe could not ${action} just now (${what}); retrying may succeed`
      : `Stripe refused to ${action} (${what})`,
    extensions: code ? { providerCode: code } : {},
    retryable,
    // For logs: what Stripe said, by its words and its request id, without its message.
    cause: new Error(
      `stripe ${err.type} status=${status ?? "none"} code=${code ?? "none"} request=${err.requestId ?? "none"}`,
    ),
  });
}

/** The Stripe provider behind our adapter interface. */
export function stripeAdapter(config: StripeAdapterConfig): PaymentProviderAdapter {
  const stripe = new Stripe(config.secretKey, {
    httpClient: Stripe.createFetchHttpClient(config.fetch),
    maxNetworkRetries: MAX_NETWORK_RETRIES,
    timeout: TIMEOUT_MS,
    appInfo: { name: "edge-commerce" },
    ...(config.host ? { host: config.host } : {}),
  });

  async function call<T>(action: string, run: () => Promise<T>): Promise<T> {
    try {
      return await run();
    } catch (err) {
      throw stripeAppError(err, action);
    }
  }

  const refused = (detail: string) => new AppError("payment_provider_error", { detail, retryable: false });

  /** The PaymentIntent behind a payment id (a session's, or the intent itself) and its currency. */
  async function intentOf(providerPaymentId: string): Promise<{ id: string; currency: string }> {
    if (providerPaymentId.startsWith("cs_")) {
      const session = await call("look up the Checkout Session", () =>
        stripe.checkout.sessions.retrieve(providerPaymentId),
      );
      const id = idOf(session.payment_intent);
      if (!id || !session.currency) throw refused("The Stripe Checkout Session has no payment to refund");
      return { id, currency: session.currency };
    }
    const intent = await call("look up the payment", () => stripe.paymentIntents.retrieve(providerPaymentId));
    return { id: intent.id, currency: intent.currency };
  }

  /** Expires an open session; one already complete or expired is left as it is. */
  async function expireSession(sessionId: string, idempotencyKey: string): Promise<void> {
    try {
      await stripe.checkout.sessions.expire(sessionId, {}, { idempotencyKey });
    } catch (err) {
      if (!(err instanceof Stripe.errors.StripeInvalidRequestError)) throw stripeAppError(err, "cancel the payment");
      // Refused: if it is no longer open, the shopper paid (its events follow) or it expired already.
      const session = await call("look up the Checkout Session", () => stripe.checkout.sessions.retrieve(sessionId));
      if (session.status !== "open") return;
      throw stripeAppError(err, "cancel the payment");
    }
  }

  /** Cancels a PaymentIntent made outside Checkout; one already succeeded or canceled is left as it is. */
  async function cancelIntent(intentId: string, idempotencyKey: string): Promise<void> {
    try {
      await stripe.paymentIntents.cancel(intentId, {}, { idempotencyKey });
    } catch (err) {
      if (!(err instanceof Stripe.errors.StripeInvalidRequestError)) throw stripeAppError(err, "cancel the payment");
      const intent = await call("look up the payment", () => stripe.paymentIntents.retrieve(intentId));
      if (intent.status === "succeeded" || intent.status === "canceled") return;
      throw stripeAppError(err, "cancel the payment");
    }
  }

  const listQuery = (input: { since: number; cursor?: string | null; limit?: number }) => ({
    created: { gte: Math.max(0, Math.floor(input.since / 1000)) },
    limit: Math.min(Math.max(Math.trunc(input.limit ?? LIST_LIMIT_MAX), 1), LIST_LIMIT_MAX),
    ...(input.cursor ? { starting_after: input.cursor } : {}),
  });

  /** Stripe lists page by the last id seen, skipped records included. */
  const nextCursor = (list: { data: { id: string }[]; has_more: boolean }) =>
    list.has_more ? (list.data.at(-1)?.id ?? null) : null;

  return {
    provider: "stripe",

    async createPayment(input: CreatePaymentInput): Promise<CreatedPayment> {
      const metadata = { paymentId: input.paymentId, payOrderId: input.payOrderId };
      const session = await call("create the payment", () =>
        stripe.checkout.sessions.create(
          {
            mode: "payment",
            line_items: [
              {
                quantity: 1,
                price_data: {
                  currency: input.amount.currency.toLowerCase(),
                  unit_amount: input.amount.amount,
                  product_data: { name: `Pay order ${input.payOrderId}` },
                },
              },
            ],
            payment_intent_data: { metadata },
            metadata,
            client_reference_id: input.paymentId,
            success_url: input.returnUrl,
            cancel_url: input.returnUrl,
          },
          { idempotencyKey: input.idempotencyKey },
        ),
      );
      if (!session.url) throw refused("Stripe gave no payment page for the Checkout Session");
      return { providerPaymentId: session.id, redirectUrl: session.url };
    },

    async cancelPayment(input) {
      const id = input.providerPaymentId;
      if (id.startsWith("cs_")) return expireSession(id, input.idempotencyKey);
      // A Checkout PaymentIntent (an id from an event or a list) is cancelled through its session.
      const sessions = await call("look up the Checkout Session", () =>
        stripe.checkout.sessions.list({ payment_intent: id, limit: 1 }),
      );
      const session = sessions.data[0];
      if (session) return expireSession(session.id, input.idempotencyKey);
      return cancelIntent(id, input.idempotencyKey);
    },

    async refund(input: CreateRefundInput): Promise<CreatedRefund> {
      const intent = await intentOf(input.providerPaymentId);
      // Stripe refunds in the payment's currency whatever we think it is: refuse a mismatch.
      if (intent.currency !== input.amount.currency.toLowerCase()) {
        throw refused(`The Stripe payment is in ${intent.currency.toUpperCase()}, not ${input.amount.currency}`);
      }
      const reason = stripeRefundReason(input.reason);
      const refund = await call("refund the payment", () =>
        stripe.refunds.create(
          {
            payment_intent: intent.id,
            amount: input.amount.amount,
            metadata: refundMetadata(input),
            ...(reason ? { reason } : {}),
          },
          { idempotencyKey: input.idempotencyKey },
        ),
      );
      const status = refundStatusOf(refund.status);
      return { providerRefundId: refund.id, status: status === "canceled" ? "failed" : status };
    },

    async listPayments(input): Promise<ProviderPage<ProviderPaymentRecord>> {
      const list = await call("list payments", () => stripe.paymentIntents.list(listQuery(input)));
      const items: ProviderPaymentRecord[] = [];
      for (const intent of list.data) {
        const currency = currencyOf(intent.currency);
        if (!currency) continue;
        const status = paymentStatusOf(intent);
        items.push({
          providerPaymentId: intent.id,
          paymentId: intent.metadata?.paymentId || null,
          // What Stripe collected once it succeeded; what it asks for until then.
          amount: { amount: status === "succeeded" ? intent.amount_received : intent.amount, currency },
          status,
          createdAt: intent.created * 1000,
        });
      }
      return { items, nextCursor: nextCursor(list) };
    },

    async listRefunds(input): Promise<ProviderPage<ProviderRefundRecord>> {
      const list = await call("list refunds", () => stripe.refunds.list(listQuery(input)));
      const items: ProviderRefundRecord[] = [];
      for (const refund of list.data) {
        const currency = currencyOf(refund.currency);
        if (!currency) continue;
        items.push({
          providerRefundId: refund.id,
          providerPaymentId: idOf(refund.payment_intent) ?? idOf(refund.charge) ?? "",
          refundId: refund.metadata?.refundId || null,
          amount: { amount: refund.amount, currency },
          status: refundStatusOf(refund.status),
          createdAt: refund.created * 1000,
        });
      }
      return { items, nextCursor: nextCursor(list) };
    },
  };
}

/** The Stripe adapter when the Worker has `STRIPE_SECRET_KEY`, else null (no Stripe provider). */
export function stripeAdapterFromEnv(
  env: object,
  options: Omit<StripeAdapterConfig, "secretKey"> = {},
): PaymentProviderAdapter | null {
  const { STRIPE_SECRET_KEY } = readEnv(stripeEnvSchema, env);
  return STRIPE_SECRET_KEY ? stripeAdapter({ secretKey: STRIPE_SECRET_KEY, ...options }) : null;
}
