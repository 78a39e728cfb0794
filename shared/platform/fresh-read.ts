/**
 * One D1 read shared by the concurrent requests of an isolate that need the same small fact (a
 * cached answer's version or generation, read for its cache key), never staler than a read of
 * their own: a request joins only a read that has not been sent yet, so every read is sent after
 * each request it answers arrived. While a read of a key is in flight, arriving requests wait for
 * it to land and share the next one, sent then. Under load a hot key costs one read per round trip
 * instead of one per request (the key read was most of a cached answer's cost); a request alone
 * reads at once, as before.
 *
 * A request carrying a D1 bookmark reads in its own session (at least as fresh as the bookmark);
 * the others read through the sender's session, and only the sender's answer carries a bookmark.
 *
 * Workers run a promise's reactions in the request that made the promise: a request awaiting
 * another's promise would go on (and do its I/O) as that other request, which the runtime refuses
 * ("Cannot perform I/O on behalf of a different request"). So a request only ever awaits a
 * promise of its own, settled by the shared one (`mine`).
 *
 * The sender hands its read to `waitUntil`, so a sender whose client went away (the runtime then
 * cancels the request) still lands the read its sharers wait on. If the shared read has not
 * settled after SHARED_READ_WAIT_MS, a request reads for itself. The bench at 64 connections, after
 * the cold searches, shows sharers that are not woken and wait out the whole fallback (cause not yet
 * found, docs/decisions.md): at 5 s as p50s of 4.6–8.3 s, at 10 s as the load generator's
 * timeouts. So the fallback is short (2 s) and bounds what such a request loses; a read that is
 * merely slow is joined by one more read per request still waiting at that point.
 */
import type { Context } from "hono";
import type { AppEnv, PlatformBindings } from "./app-env";
import type { Db } from "./db";
import { BOOKMARK_HEADER, requestDb } from "./request-db";

/** How long a request waits on a shared read before reading for itself. */
export const SHARED_READ_WAIT_MS = 2_000;

interface Lane {
  /** The read sent last, until it lands (settled either way, never rejected). */
  sent: Promise<void> | null;
  /** The read the requests arriving while `sent` flies will share, sent when it lands. */
  next: Promise<unknown> | null;
}

/** Per D1 binding (tests build apps over other bindings), per key. */
const lanes = new WeakMap<D1Database, Map<string, Lane>>();

function lanesOf(binding: D1Database): Map<string, Lane> {
  let all = lanes.get(binding);
  if (!all) {
    all = new Map();
    lanes.set(binding, all);
  }
  return all;
}

/** A promise made by the calling request that settles as `shared` does, or by `fallback` after the wait. */
function mine<T>(shared: Promise<T>, fallback: () => Promise<T>): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    let settled = false;
    const once = (settle: () => void) => {
      if (settled) return;
      settled = true;
      settle();
    };
    shared.then(
      (value) => once(() => resolve(value)),
      (err) => once(() => reject(err)),
    );
    setTimeout(() => once(() => fallback().then(resolve, reject)), SHARED_READ_WAIT_MS);
  });
}

/**
 * `read` of `key` for this request, shared with the requests of the same key that arrive before it
 * is sent. `key` must name everything `read` depends on; what it takes from the clock it reads when
 * called (when sent, not at the request's arrival).
 */
export function freshRead<T, B extends PlatformBindings>(
  c: Context<AppEnv<B>>,
  key: string,
  read: (db: Db) => Promise<T>,
): Promise<T> {
  const own = () => read(requestDb(c));
  if (c.req.header(BOOKMARK_HEADER)) return own();
  const all = lanesOf(c.env.DB);
  const lane = all.get(key) ?? { sent: null, next: null };
  if (lane.next) return mine(lane.next as Promise<T>, own);
  all.set(key, lane);
  const send = (): Promise<T> => {
    const reading = own();
    const landed = reading.then(
      () => {},
      () => {},
    );
    c.executionCtx.waitUntil(landed);
    lane.sent = landed;
    void landed.then(() => {
      if (lane.sent !== landed) return;
      lane.sent = null;
      if (!lane.next) all.delete(key);
    });
    return reading;
  };
  if (!lane.sent) return send();
  const next = mine(lane.sent, async () => {}).then(() => {
    lane.next = null;
    return send();
  });
  lane.next = next;
  return next;
}
