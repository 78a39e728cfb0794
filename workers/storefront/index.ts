/** Storefront Worker entry: wiring only. It also hosts the Durable Object classes as they land. */
import { buildStorefrontApp } from "./app";

const app = buildStorefrontApp();

export default {
  fetch: (request, env, ctx) => app.fetch(request, env, ctx),
} satisfies ExportedHandler<StorefrontEnv>;
