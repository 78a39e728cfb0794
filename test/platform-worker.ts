/**
 * The test runner's main Worker: the dev router in front of the storefront, admin and webhook
 * Workers' real handlers and the sandbox providers, plus the events Worker's queue and cron
 * handlers, sharing one env. `exports.default.fetch` therefore goes through the router to several
 * Workers, and queue messages a Worker sends are delivered by workerd to the events Worker's
 * consumer. The sandbox reaches the platform (and the adapter the sandbox) through service bindings
 * to this same Worker (test/wrangler.test.toml), so both go over HTTP as in local dev.
 */
import admin from "../workers/admin/index";
import { routeRequest } from "../workers/dev-router/router";
import events from "../workers/events/index";
import webhooks from "../workers/payments-webhook/index";
import sandbox from "../workers/sandbox/index";
import storefront from "../workers/storefront/index";

export { FlashSaleBucket } from "../durable-objects/flash-sale-bucket";
export { FlashSaleCoordinator } from "../durable-objects/flash-sale-coordinator";
export { OrderNumbers } from "../durable-objects/order-numbers";
export { RateLimiter } from "../durable-objects/rate-limiter";
export { SandboxProvider } from "../durable-objects/sandbox-provider";
export { SkuInventory } from "../durable-objects/sku-inventory";
export { PasswordHasher } from "../workers/password-hasher/index";

type TestEnv = StorefrontEnv & AdminEnv & WebhooksEnv & EventsEnv & SandboxEnv;
// What a Worker's fetch receives from the edge; the router hands the same request through.
type IncomingRequest = Request<unknown, IncomingRequestCfProperties>;

export default {
  fetch(request, env, ctx) {
    return routeRequest(request, {
      storefront: { fetch: async (r) => storefront.fetch(r as IncomingRequest, env, ctx) },
      admin: { fetch: async (r) => admin.fetch(r as IncomingRequest, env, ctx) },
      webhooks: { fetch: async (r) => webhooks.fetch(r as IncomingRequest, env, ctx) },
      sandbox: { fetch: async (r) => sandbox.fetch(r as IncomingRequest, env, ctx) },
    });
  },
  queue: (batch, env, ctx) => events.queue(batch, env, ctx),
  scheduled: (controller, env) => events.scheduled(controller, env),
} satisfies ExportedHandler<TestEnv>;
