/** Dev-router Worker entry: wiring only; never deployed. */
import { BENCH_PREFIX, benchRequest } from "./bench";
import { routeRequest } from "./router";

export default {
  fetch: (request, env) =>
    // The bench's own endpoints (bench.ts) exist only here, in front of the Workers.
    new URL(request.url).pathname.startsWith(BENCH_PREFIX)
      ? benchRequest(request, env)
      : routeRequest(request, {
          storefront: env.STOREFRONT,
          admin: env.ADMIN,
          webhooks: env.WEBHOOKS,
          sandbox: env.SANDBOX,
          docsAssets: env.ASSETS,
        }),
} satisfies ExportedHandler<DevRouterEnv>;
