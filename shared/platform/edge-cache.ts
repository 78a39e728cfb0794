/**
 * GET responses through the Workers Cache API under a key the route computes from what the answer
 * depends on (a version, a generation), so a change makes a new key and nothing is served stale.
 * Answers carry `x-cache: HIT | MISS | COALESCED`.
 *
 * In front of the Cache API sits this isolate's own bounded copy (isolate-cache.ts) under the same
 * keys and the same expiry: a hot answer costs no Cache API lookup (in production a call out of
 * the isolate; locally a storage read), only the route's key read.
 *
 * Misses are coalesced per isolate: while one request computes the answer for a key, identical
 * requests wait for it instead of running the same query (a burst of one cold search would
 * otherwise run it once per request, and D1 runs them one at a time). Waiters get a copy of the
 * body; the wait is capped, after which a waiter computes the answer itself. A waiter watches for
 * the answer in this isolate's copy on timers of its own rather than awaiting the computing
 * request's promise: a request resuming from another request's promise can go on as that request
 * and have its answer refused (isolate-snapshot.ts says more).
 */
import type { Context, MiddlewareHandler } from "hono";
import type { AppEnv, PlatformBindings } from "./app-env";
import { type CachedAnswer, IsolateCache } from "./isolate-cache";

const CACHE_ORIGIN = "https://cache.edge-commerce.internal";
/** How long a request waits for another's identical miss before computing its own. */
export const COALESCE_WAIT_MS = 5_000;
/**
 * When a Cache API copy expires (epoch ms), stored with it, so a copy taken into memory from the
 * Cache API keeps the expiry it had there. Never part of an answer.
 */
const EXPIRES_HEADER = "x-edge-cache-expires";

/** How often a waiting request looks for the answer it waits on. */
const COALESCE_POLL_MS = 5;

/** Answers being computed in this isolate, by cache key: when each began (plain data, never promises). */
const inFlight = new Map<string, { began: number }>();
/** This isolate's copies of cached answers, shared by every route that uses the edge cache. */
const isolateCache = new IsolateCache();

/**
 * Waits (on this request's own timers) until the answer computed by another request of this
 * isolate is in `memory`; null once that request is done without one (not a 200, or evicted at
 * once) or after COALESCE_WAIT_MS. A computation older than that (its request torn down
 * half-way) is not waited on at all.
 */
async function coalesced(url: string, memory: IsolateCache): Promise<CachedAnswer | null> {
  for (;;) {
    const computing = inFlight.get(url);
    if (!computing) return memory.get(url) ?? null;
    if (Date.now() - computing.began >= COALESCE_WAIT_MS) return null;
    await new Promise((resolve) => setTimeout(resolve, COALESCE_POLL_MS));
    const answer = memory.get(url);
    if (answer) return answer;
  }
}

/** A response of its own for each request (a body is read once), marked with where it came from. */
function answer(cached: CachedAnswer, source: "HIT" | "COALESCED"): Response {
  const res = new Response(cached.body.slice(0), { status: cached.status, headers: cached.headers });
  res.headers.set("x-cache", source);
  return res;
}

/**
 * Caches the GET answers of the routes below under `keyOf`'s key for `ttlSeconds`; `memory` is the
 * isolate's cache (tests pass a small one of their own).
 */
export function edgeCache<B extends PlatformBindings>(
  keyOf: (c: Context<AppEnv<B>>) => Promise<string>,
  ttlSeconds: number,
  memory: IsolateCache = isolateCache,
): MiddlewareHandler<AppEnv<B>> {
  return async (c, next) => {
    if (c.req.method !== "GET") return next();
    const url = `${CACHE_ORIGIN}/${await keyOf(c)}`;
    const held = memory.get(url);
    if (held) return answer(held, "HIT");
    const key = new Request(url);
    const hit = await caches.default.match(key);
    if (hit) {
      const headers = new Headers(hit.headers);
      const expiresAt = Number(headers.get(EXPIRES_HEADER));
      headers.delete(EXPIRES_HEADER);
      const cached: CachedAnswer = { status: hit.status, headers: [...headers], body: await hit.arrayBuffer() };
      // A copy stored before expiries were recorded lapses here within the route's own TTL.
      memory.set(url, cached, Number.isFinite(expiresAt) && expiresAt > 0 ? expiresAt : Date.now() + ttlSeconds * 1000);
      return answer(cached, "HIT");
    }
    const shared = await coalesced(url, memory);
    if (shared) return answer(shared, "COALESCED");
    // Its own object, so a computation begun in the same millisecond is told apart from it.
    const mine = { began: Date.now() };
    inFlight.set(url, mine);
    try {
      await next();
      if (c.res.status !== 200) return;
      c.res.headers.set("cache-control", `public, max-age=${ttlSeconds}`);
      // One buffered copy serves the Cache API, this isolate and the requests waiting on this one.
      const computed: CachedAnswer = {
        status: c.res.status,
        headers: [...c.res.headers],
        body: await c.res.clone().arrayBuffer(),
      };
      const expiresAt = Date.now() + ttlSeconds * 1000;
      memory.set(url, computed, expiresAt);
      const stored = new Response(computed.body.slice(0), { status: 200, headers: computed.headers });
      stored.headers.set(EXPIRES_HEADER, String(expiresAt));
      c.executionCtx.waitUntil(caches.default.put(key, stored));
      c.res.headers.set("x-cache", "MISS");
    } finally {
      if (inFlight.get(url) === mine) inFlight.delete(url);
    }
  };
}
