/** The payments-webhook app: `/webhooks` for payment providers and carriers only. */

import { createApp } from "../../shared/platform/app";
import type { Clock } from "../../shared/platform/clock";
import { registerHealth } from "../../shared/platform/health";
import { WEBHOOKS_DESCRIPTION } from "./docs-intro";
import { registerCarrierWebhookRoutes } from "./routes/carriers";
import { registerPaymentWebhookRoutes } from "./routes/payments";

export type WebhooksBindings = WebhooksEnv & { STRIPE_WEBHOOK_SECRET?: string };
export type WebhooksApp = ReturnType<typeof buildWebhooksApp>;

/** Builds the webhook app. No bearer auth here: providers authenticate by signature. */
export function buildWebhooksApp(options: { clock?: Clock } = {}) {
  const app = createApp<WebhooksBindings>({
    worker: "payments-webhook",
    title: "Payment and carrier webhooks",
    description: WEBHOOKS_DESCRIPTION,
    openapiPath: "/webhooks/openapi.json",
    docsPath: "/webhooks/docs",
    auth: false,
    idempotency: false,
    ...options,
  });
  registerHealth(app, "/webhooks/health");
  registerPaymentWebhookRoutes(app);
  registerCarrierWebhookRoutes(app);
  return app;
}
