/** Dev-router Worker entry: wiring only; never deployed. */
import { BENCH_PREFIX, benchRequest } from "./bench";
import { FLASH_BENCH_PREFIX, flashBenchRequest } from "./flash-bench";
import { routeRequest } from "./router";

export default {
  fetch: (request, env) =>
    // The bench's own endpoints (bench.ts, flash-bench.ts) exist only here, in front of the Workers.
    new URL(request.url).pathname.startsWith(FLASH_BENCH_PREFIX)
      ? flashBenchRequest(request, env)
      : new URL(request.url).pathname.startsWith(BENCH_PREFIX)
        ? benchRequest(request, env)
        : routeRequest(request, {
            storefront: env.STOREFRONT,
            admin: env.ADMIN,
            webhooks: env.WEBHOOKS,
            sandbox: env.SANDBOX,
            docsAssets: env.ASSETS,
          }),
} satisfies ExportedHandler<DevRouterEnv>;
