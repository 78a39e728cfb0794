/** Dev-router Worker entry: wiring only; never deployed. */
import { BENCH_PREFIX, benchRequest } from "./bench";
import { FLASH_BENCH_PREFIX, flashBenchRequest } from "./flash-bench";
import { FLOOR_BENCH_PREFIX, floorBenchRequest } from "./floor-bench";
import { routeRequest } from "./router";

export default {
  fetch: (request, env, ctx) => {
    // The bench's own endpoints (bench.ts, flash-bench.ts, floor-bench.ts) exist only here, in front of the Workers.
    const path = new URL(request.url).pathname;
    if (path.startsWith(FLASH_BENCH_PREFIX)) return flashBenchRequest(request, env);
    if (path.startsWith(FLOOR_BENCH_PREFIX)) return floorBenchRequest(request, env, ctx);
    if (path.startsWith(BENCH_PREFIX)) return benchRequest(request, env);
    return routeRequest(request, {
      storefront: env.STOREFRONT,
      admin: env.ADMIN,
      webhooks: env.WEBHOOKS,
      sandbox: env.SANDBOX,
      docsAssets: env.ASSETS,
    });
  },
} satisfies ExportedHandler<DevRouterEnv>;
