/**
 * Which top-up provider this deployment delivers virtual goods through, and how patiently: built
 * once per env from Worker vars. The sandbox service exists only where `SANDBOX_API_URL` is set
 * (local dev and tests; never in the production configs), on the same API as the sandbox payment
 * provider. Without a provider a paid virtual order waits (its message is retried, then kept as a
 * dead letter to replay) rather than being refunded for our own misconfiguration.
 */
import { z } from "zod";
import { paymentsEnvSchema } from "../payments/adapters";
import { sandboxTopupAdapter } from "./sandbox-topup-adapter";
import type { TopupProviderAdapter } from "./topup-provider";

export const topupEnvSchema = paymentsEnvSchema.extend({
  /** How long one top-up call may take before it counts as timed out. */
  TOPUP_TIMEOUT_MS: z.coerce.number().int().min(100).max(60_000).default(10_000),
  /** Attempts of a top-up that keeps timing out before the order is refunded (the first included). */
  TOPUP_MAX_ATTEMPTS: z.coerce.number().int().min(1).max(10).default(4),
  /** The delay before the first retry; each later one waits twice as long as the one before. */
  TOPUP_RETRY_BASE_SECONDS: z.coerce.number().int().min(1).max(3600).default(30),
});

/** The provider and the retry policy virtual fulfillment runs with. */
export interface TopupService {
  adapter: TopupProviderAdapter | null;
  maxAttempts: number;
  retryBaseSeconds: number;
}

/** The delay before attempt `attempt + 1` after attempt `attempt` timed out: base, 2×base, 4×base, ... */
export function retryDelaySeconds(service: Pick<TopupService, "retryBaseSeconds">, attempt: number): number {
  // Queues delay a message at most 12 hours.
  return Math.min(43_200, service.retryBaseSeconds * 2 ** Math.max(0, attempt - 1));
}

const cache = new WeakMap<object, TopupService>();

/** The top-up service `env` configures (built once per env object). */
export function topupServiceOf(env: Record<string, unknown> & { SANDBOX?: Fetcher }): TopupService {
  const cached = cache.get(env);
  if (cached) return cached;
  const vars = topupEnvSchema.parse(env);
  const binding = env.SANDBOX;
  const service: TopupService = {
    adapter: vars.SANDBOX_API_URL
      ? sandboxTopupAdapter({
          baseUrl: vars.SANDBOX_API_URL,
          apiKey: vars.SANDBOX_API_KEY,
          timeoutMs: vars.TOPUP_TIMEOUT_MS,
          // A service binding when one is bound (tests, the dev router's neighbours); else the network.
          fetch: binding ? (request) => binding.fetch(request) : (request) => fetch(request),
        })
      : null,
    maxAttempts: vars.TOPUP_MAX_ATTEMPTS,
    retryBaseSeconds: vars.TOPUP_RETRY_BASE_SECONDS,
  };
  cache.set(env, service);
  return service;
}
