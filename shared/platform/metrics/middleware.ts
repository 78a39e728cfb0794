/**
 * The route metrics middleware `createApp` installs in every HTTP Worker: per route pattern,
 * requests, status classes and a latency histogram (see recorder.ts). The route is the matched
 * pattern (`GET /v1/products/:productId`), never the raw path, so the series stay as few as the
 * routes; a path no route matches is counted under `unmatched`.
 */
import type { MiddlewareHandler } from "hono";
import { matchedRoutes } from "hono/route";
import type { AppEnv, PlatformBindings } from "../app-env";
import { errorFields } from "../logger";
import { metricsOf, metricsTargetOf } from "./recorder";

/** The label a request is counted under: its method and the pattern of the route that answered. */
export function routeLabelOf(method: string, patterns: readonly { method: string; path: string }[]): string {
  const handler = patterns.filter((r) => r.method !== "ALL").at(-1);
  return handler ? `${method} ${handler.path}` : "unmatched";
}

/** Records every request of `worker` once it has been answered (errors included). */
export function recordRouteMetrics<B extends PlatformBindings>(worker: string): MiddlewareHandler<AppEnv<B>> {
  const metrics = metricsOf(worker);
  return async (c, next) => {
    const started = Date.now();
    await next();
    let waitUntil: ((promise: Promise<unknown>) => void) | undefined;
    try {
      const ctx = c.executionCtx;
      waitUntil = (promise) => ctx.waitUntil(promise);
    } catch {
      // An app driven without an ExecutionContext (app.request in a unit test): counts stay buffered.
    }
    try {
      const target = metricsTargetOf(c.env, c.var.log, waitUntil);
      const route = routeLabelOf(c.req.method, matchedRoutes(c));
      metrics.request(target, route, c.res.status, Date.now() - started, c.var.clock.now());
    } catch (err) {
      // Metrics never fail a request that was answered.
      c.var.log.error("route metrics not recorded", errorFields(err));
    }
  };
}
