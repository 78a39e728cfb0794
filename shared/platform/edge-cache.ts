/**
 * GET responses through the Workers Cache API under a key the route computes from what the answer
 * depends on (a version, a generation), so a change makes a new key and nothing is served stale.
 * Answers carry `x-cache: HIT | MISS`.
 */
import type { Context, MiddlewareHandler } from "hono";
import type { AppEnv, PlatformBindings } from "./app";

const CACHE_ORIGIN = "https://cache.edge-commerce.internal";

export function edgeCache<B extends PlatformBindings>(
  keyOf: (c: Context<AppEnv<B>>) => Promise<string>,
  ttlSeconds: number,
): MiddlewareHandler<AppEnv<B>> {
  return async (c, next) => {
    if (c.req.method !== "GET") return next();
    const key = new Request(`${CACHE_ORIGIN}/${await keyOf(c)}`);
    const hit = await caches.default.match(key);
    if (hit) {
      const res = new Response(hit.body, hit);
      res.headers.set("x-cache", "HIT");
      return res;
    }
    await next();
    if (c.res.status !== 200) return;
    c.res.headers.set("cache-control", `public, max-age=${ttlSeconds}`);
    c.executionCtx.waitUntil(caches.default.put(key, c.res.clone()));
    c.res.headers.set("x-cache", "MISS");
  };
}
