/**
 * GET responses through the Workers Cache API under a key the route computes from what the answer
 * depends on (a version, a generation), so a change makes a new key and nothing is served stale.
 * Answers carry `x-cache: HIT | MISS | COALESCED`.
 *
 * Misses are coalesced per isolate: while one request computes the answer for a key, identical
 * requests wait for it instead of running the same query (a burst of one cold search would
 * otherwise run it once per request, and D1 runs them one at a time). Waiters get a copy of the
 * body; the wait is capped, after which a waiter computes the answer itself.
 */
import type { Context, MiddlewareHandler } from "hono";
import type { AppEnv, PlatformBindings } from "./app-env";

const CACHE_ORIGIN = "https://cache.edge-commerce.internal";
/** How long a request waits for another's identical miss before computing its own. */
export const COALESCE_WAIT_MS = 5_000;

interface Computed {
  status: number;
  headers: [string, string][];
  body: ArrayBuffer;
}

/** Answers being computed in this isolate, by cache key. Plain data, never I/O objects. */
const inFlight = new Map<string, Promise<Computed | null>>();

function waitFor(pending: Promise<Computed | null>): Promise<Computed | null> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<null>((resolve) => {
    timer = setTimeout(() => resolve(null), COALESCE_WAIT_MS);
  });
  return Promise.race([pending, timeout]).finally(() => clearTimeout(timer));
}

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
    const pending = inFlight.get(key.url);
    if (pending) {
      const shared = await waitFor(pending);
      if (shared) {
        const res = new Response(shared.body.slice(0), { status: shared.status, headers: shared.headers });
        res.headers.set("x-cache", "COALESCED");
        return res;
      }
    }
    let settle: (value: Computed | null) => void = () => {};
    const mine = new Promise<Computed | null>((resolve) => {
      settle = resolve;
    });
    if (!pending) inFlight.set(key.url, mine);
    try {
      await next();
      if (c.res.status !== 200) return;
      c.res.headers.set("cache-control", `public, max-age=${ttlSeconds}`);
      // One buffered copy serves both the cache and the requests waiting on this one.
      const computed: Computed = {
        status: c.res.status,
        headers: [...c.res.headers],
        body: await c.res.clone().arrayBuffer(),
      };
      c.executionCtx.waitUntil(
        caches.default.put(key, new Response(computed.body.slice(0), { status: 200, headers: computed.headers })),
      );
      c.res.headers.set("x-cache", "MISS");
      settle(computed);
    } finally {
      settle(null);
      if (inFlight.get(key.url) === mine) inFlight.delete(key.url);
    }
  };
}
