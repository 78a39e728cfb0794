/**
 * The sandbox's vars and secrets. The sandbox serves nothing unless `SANDBOX_ENABLED` is exactly
 * "true" (local dev and tests set it; no deployed config does), and that check comes first, so a
 * disabled sandbox answers 404 even with none of its secrets configured.
 */
import { z } from "zod";

/** Whether this environment runs the sandbox providers. */
export function sandboxEnabled(env: object): boolean {
  return (env as { SANDBOX_ENABLED?: unknown }).SANDBOX_ENABLED === "true";
}

export const sandboxEnvSchema = z.object({
  /** What the platform's adapter presents as `Authorization: Bearer` (dev/test: sk_sandbox_dev). */
  SANDBOX_API_KEY: z.string().min(1),
  /** Signs payment webhooks; the platform verifies them with PAYMENT_WEBHOOK_SECRET (the same value). */
  SANDBOX_WEBHOOK_SECRET: z.string().min(1),
  /** Signs carrier callbacks. */
  SANDBOX_CARRIER_SECRET: z.string().min(1),
  /** The origin shoppers reach the sandbox on (the hosted payment page's links). */
  SANDBOX_PUBLIC_URL: z.url().transform((u) => u.replace(/\/+$/, "")),
  /** How long a top-up to a `...0003` target hangs before answering 504. */
  SANDBOX_TOPUP_TIMEOUT_MS: z.coerce.number().int().min(0).max(120_000).default(30_000),
});
export type SandboxConfig = z.infer<typeof sandboxEnvSchema>;
