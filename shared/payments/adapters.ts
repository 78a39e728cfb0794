/**
 * Which payment providers this Worker can use, from its configuration. The sandbox exists only
 * where `SANDBOX_API_URL` is set (local dev and tests; never in the production configs); Stripe
 * only where `STRIPE_SECRET_KEY` is. A method that is not configured is refused at the edge.
 */
import { z } from "zod";
import { AppError } from "../platform/errors";
import type { PaymentProviderAdapter } from "./provider";
import type { PaymentProvider } from "./provider-events";
import { sandboxAdapter } from "./sandbox-adapter";
import { stripeAdapterFromEnv } from "./stripe-adapter";

export const paymentsEnvSchema = z.object({
  /** The sandbox provider's API, e.g. `http://127.0.0.1:8787/sandbox/api/v1`; unset: no sandbox. */
  SANDBOX_API_URL: z.url().optional(),
  SANDBOX_API_KEY: z.string().min(1).default("sk_sandbox_dev"),
});

/** The configured adapters, by provider. */
export type PaymentAdapters = Partial<Record<PaymentProvider, PaymentProviderAdapter>>;

/** What a Worker's env offers for payments: vars, and (dev and tests) a binding that reaches the sandbox. */
export type PaymentsEnv = Record<string, unknown> & { SANDBOX?: Fetcher };

const cache = new WeakMap<object, PaymentAdapters>();

/** The adapters `env` configures (built once per env object). */
export function paymentAdapters(env: PaymentsEnv): PaymentAdapters {
  const cached = cache.get(env);
  if (cached) return cached;
  const vars = paymentsEnvSchema.parse(env);
  const adapters: PaymentAdapters = {};
  if (vars.SANDBOX_API_URL) {
    const binding = env.SANDBOX;
    adapters.sandbox = sandboxAdapter({
      baseUrl: vars.SANDBOX_API_URL,
      apiKey: vars.SANDBOX_API_KEY,
      // A service binding when one is bound (tests, the dev router's neighbours); else the network.
      fetch: binding ? (request) => binding.fetch(request) : (request) => fetch(request),
    });
  }
  const stripe = stripeAdapterFromEnv(env);
  if (stripe) adapters.stripe = stripe;
  cache.set(env, adapters);
  return adapters;
}

/** The adapter for `provider`; 422 when this deployment has none. */
export function adapterFor(adapters: PaymentAdapters, provider: PaymentProvider): PaymentProviderAdapter {
  const adapter = adapters[provider];
  if (!adapter) {
    throw new AppError("payment_method_unavailable", {
      detail: `The payment method ${provider} is not available here`,
      errors: [{ field: "method", reason: `${provider} is not configured in this deployment` }],
      extensions: { method: provider, available: Object.keys(adapters) },
    });
  }
  return adapter;
}
