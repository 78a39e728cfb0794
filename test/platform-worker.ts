/**
 * The test runner's main Worker: the dev router in front of the storefront, admin and webhook
 * Workers' real handlers, plus the events Worker's queue and cron handlers, sharing one env.
 * `exports.default.fetch` therefore goes through the router to several Workers, and queue
 * messages a Worker sends are delivered by workerd to the events Worker's consumer.
 */
import admin from "../workers/admin/index";
import { routeRequest } from "../workers/dev-router/router";
import events from "../workers/events/index";
import webhooks from "../workers/payments-webhook/index";
import storefront from "../workers/storefront/index";

type TestEnv = StorefrontEnv & AdminEnv & WebhooksEnv & EventsEnv;

export default {
  fetch(request, env, ctx) {
    return routeRequest(request, {
      storefront: { fetch: (r) => storefront.fetch(r, env, ctx) },
      admin: { fetch: (r) => admin.fetch(r, env, ctx) },
      webhooks: { fetch: (r) => webhooks.fetch(r, env, ctx) },
    });
  },
  queue: (batch, env, ctx) => events.queue(batch, env, ctx),
  scheduled: (controller, env, ctx) => events.scheduled(controller, env, ctx),
} satisfies ExportedHandler<TestEnv>;
