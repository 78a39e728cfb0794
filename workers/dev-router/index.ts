/** Dev-router Worker entry: wiring only; never deployed. */
import { routeRequest } from "./router";

export default {
  fetch: (request, env) =>
    routeRequest(request, {
      storefront: env.STOREFRONT,
      admin: env.ADMIN,
      webhooks: env.WEBHOOKS,
      docsAssets: env.ASSETS,
    }),
} satisfies ExportedHandler<DevRouterEnv>;
