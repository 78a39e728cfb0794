/**
 * The sandbox payment provider's adapter: our side of the sandbox's Stripe-like HTTP API
 * (`workers/sandbox`, local dev and tests only). It talks to the sandbox only over HTTP, as it
 * would to a real provider: a service binding's `fetch` when one is bound, else the network.
 */
import { z } from "zod";
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

export interface SandboxAdapterConfig {
  /** e.g. `http://127.0.0.1:8787/sandbox/api/v1`. */
  baseUrl: string;
  apiKey: string;
  /** How requests leave: a service binding's fetch, or the global fetch. */
  fetch: (request: Request) => Promise<Response>;
}

const intentSchema = z.looseObject({
  id: z.string(),
  amount: z.number().int(),
  currency: z.string(),
  status: z.string(),
  metadata: z.record(z.string(), z.string()).default({}),
  created: z.number(),
  next_action: z.looseObject({ redirect_to_url: z.looseObject({ url: z.string() }).optional() }).nullish(),
});

const refundSchema = z.looseObject({
  id: z.string(),
  amount: z.number().int(),
  currency: z.string(),
  payment_intent: z.string(),
  status: z.string(),
  metadata: z.record(z.string(), z.string()).default({}),
  created: z.number(),
});

const listOf = <T extends z.ZodType>(item: T) => z.looseObject({ data: z.array(item), has_more: z.boolean() });

const errorBody = z.looseObject({
  error: z.looseObject({ code: z.string().optional(), message: z.string().optional() }),
});

/** Maps a provider's status word onto the four our records use. */
function statusOf(status: string): ProviderPaymentRecord["status"] {
  if (status === "succeeded") return "succeeded";
  if (status === "canceled") return "canceled";
  if (status === "failed" || status === "requires_payment_method") return "failed";
  return "pending";
}

function currencyOf(code: string): Currency {
  return currencySchema.parse(code.toUpperCase());
}

/** The sandbox provider behind our adapter interface. */
export function sandboxAdapter(config: SandboxAdapterConfig): PaymentProviderAdapter {
  const base = config.baseUrl.replace(/\/+$/, "");

  async function call<T extends z.ZodType>(
    schema: T,
    method: "GET" | "POST",
    path: string,
    body?: unknown,
    idempotencyKey?: string,
  ): Promise<z.output<T>> {
    const headers: Record<string, string> = { authorization: `Bearer ${config.apiKey}`, accept: "application/json" };
    if (body !== undefined) headers["content-type"] = "application/json";
    if (idempotencyKey) headers["idempotency-key"] = idempotencyKey;
    let response: Response;
    try {
      response = await config.fetch(
        new Request(`${base}${path}`, { method, headers, body: body === undefined ? null : JSON.stringify(body) }),
      );
    } catch {
      throw new AppError("payment_provider_error", { detail: "The sandbox provider is unreachable", retryable: true });
    }
    const text = await response.text();
    if (!response.ok) {
      const parsed = errorBody.safeParse(safeJson(text));
      const code = parsed.success ? (parsed.data.error.code ?? "error") : "error";
      throw new AppError("payment_provider_error", {
        detail: `The sandbox provider answered ${response.status} (${code})`,
        extensions: { providerCode: code },
        retryable: response.status >= 500 || response.status === 429,
      });
    }
    const parsed = schema.safeParse(safeJson(text));
    if (!parsed.success) {
      throw new AppError("payment_provider_error", { detail: "The sandbox provider's answer is not understood" });
    }
    return parsed.data;
  }

  const pageQuery = (input: { since: number; cursor?: string | null; limit?: number }) => {
    const q = new URLSearchParams({
      limit: String(input.limit ?? 100),
      "created[gte]": String(Math.floor(input.since / 1000)),
    });
    if (input.cursor) q.set("starting_after", input.cursor);
    return q.toString();
  };

  /** Stripe-style lists page by the last id seen. */
  const nextCursor = (list: { data: { id: string }[]; has_more: boolean }) =>
    list.has_more ? (list.data.at(-1)?.id ?? null) : null;

  return {
    provider: "sandbox",

    async createPayment(input: CreatePaymentInput): Promise<CreatedPayment> {
      const intent = await call(
        intentSchema,
        "POST",
        "/payment_intents",
        {
          amount: input.amount.amount,
          currency: input.amount.currency.toLowerCase(),
          metadata: { paymentId: input.paymentId, payOrderId: input.payOrderId },
          return_url: input.returnUrl,
        },
        input.idempotencyKey,
      );
      const redirectUrl = intent.next_action?.redirect_to_url?.url;
      if (!redirectUrl) {
        throw new AppError("payment_provider_error", { detail: "The sandbox provider gave no payment page" });
      }
      return { providerPaymentId: intent.id, redirectUrl };
    },

    async cancelPayment(input) {
      try {
        await call(
          intentSchema,
          "POST",
          `/payment_intents/${encodeURIComponent(input.providerPaymentId)}/cancel`,
          {},
          input.idempotencyKey,
        );
      } catch (err) {
        // Already succeeded: nothing to cancel, and its success event takes its own course.
        if (err instanceof AppError && err.extensions?.providerCode === "payment_intent_unexpected_state") return;
        throw err;
      }
    },

    async refund(input: CreateRefundInput): Promise<CreatedRefund> {
      const refund = await call(
        refundSchema,
        "POST",
        "/refunds",
        {
          payment_intent: input.providerPaymentId,
          amount: input.amount.amount,
          metadata: refundMetadata(input),
          reason: input.reason,
        },
        input.idempotencyKey,
      );
      const status = statusOf(refund.status);
      return { providerRefundId: refund.id, status: status === "canceled" ? "failed" : status };
    },

    async listPayments(input): Promise<ProviderPage<ProviderPaymentRecord>> {
      const list = await call(listOf(intentSchema), "GET", `/payment_intents?${pageQuery(input)}`);
      return {
        items: list.data.map((i) => ({
          providerPaymentId: i.id,
          paymentId: i.metadata.paymentId ?? null,
          amount: { amount: i.amount, currency: currencyOf(i.currency) },
          status: statusOf(i.status),
          createdAt: i.created * 1000,
        })),
        nextCursor: nextCursor(list),
      };
    },

    async listRefunds(input): Promise<ProviderPage<ProviderRefundRecord>> {
      const list = await call(listOf(refundSchema), "GET", `/refunds?${pageQuery(input)}`);
      return {
        items: list.data.map((r) => ({
          providerRefundId: r.id,
          providerPaymentId: r.payment_intent,
          refundId: r.metadata.refundId ?? null,
          amount: { amount: r.amount, currency: currencyOf(r.currency) },
          status: statusOf(r.status),
          createdAt: r.created * 1000,
        })),
        nextCursor: nextCursor(list),
      };
    },
  };
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return null;
  }
}
