/** Payments-webhook Worker entry: wiring only. */
import { buildWebhooksApp } from "./app";

const app = buildWebhooksApp();

export default {
  fetch: (request, env, ctx) => app.fetch(request, env, ctx),
} satisfies ExportedHandler<WebhooksEnv>;
