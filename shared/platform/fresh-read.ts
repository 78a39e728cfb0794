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
 * A request only ever awaits a promise of its own, settled by the shared one (`settledHere`, `mine`;
 * request-promise.ts says why).
 *
 * The sender hands its read to `waitUntil`, so a sender whose client went away (the runtime then
 * cancels the request) still lands the read its sharers wait on. No request depends on another
 * waiting request to be woken: a promise settles only in the request that made it, and one whose
 * request was torn down never settles. So each waiting request watches the read in the air (kept
 * alive by its sender's `waitUntil`) itself and, once it lands, either joins a read sent after it
 * arrived (flights are numbered) or, finding none, sends that read itself. (Before, the first
 * request to arrive while a read flew made the next read's promise and the others waited on it:
 * had that request been torn down early, every later request of its key would have waited out the
 * fallback.) If no read answers a
 * request within SHARED_READ_WAIT_MS, it reads for itself and drops the flight it waited on, so
 * a read that never lands holds up one wait, not every later request.
 */
import type { Context } from "hono";
import type { AppEnv, PlatformBindings } from "./app-env";
import type { Db } from "./db";
import { BOOKMARK_HEADER, requestDb } from "./request-db";
import { settledHere } from "./request-promise";

/** How long a request waits on a shared read before reading for itself. */
export const SHARED_READ_WAIT_MS = 2_000;

interface Flight {
  /** Which read of its key this is (1, 2, ...): a request may share only one sent after it arrived. */
  seq: number;
  /** The read's answer. */
  answer: Promise<unknown>;
  /** Settles (never rejects) when the read lands. */
  landed: Promise<void>;
}

interface Lane {
  /** Reads of this key sent so far. */
  sent: number;
  /** The read in the air, until it lands. */
  flight: Flight | null;
  /** Requests waiting on this lane (it is forgotten when none wait and nothing flies). */
  waiting: number;
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
  const lane = all.get(key) ?? { sent: 0, flight: null, waiting: 0 };
  all.set(key, lane);
  const forget = () => {
    if (!lane.flight && lane.waiting === 0 && all.get(key) === lane) all.delete(key);
  };
  const send = (): Promise<T> => {
    const answer = own();
    const flight: Flight = { seq: ++lane.sent, answer, landed: answer.then(noop, noop) };
    c.executionCtx.waitUntil(flight.landed);
    lane.flight = flight;
    void flight.landed.then(() => {
      if (lane.flight === flight) lane.flight = null;
      forget();
    });
    return answer;
  };
  if (!lane.flight) return send();
  // Only a read sent after this request arrived may answer it.
  const arrived = lane.sent;
  let watched: Flight | null = null;
  let gaveUp = false;
  const wait = async (): Promise<T> => {
    for (;;) {
      const flight = lane.flight;
      if (!flight) return send();
      watched = flight;
      if (flight.seq > arrived) return (await settledHere(flight.answer)) as T;
      await settledHere(flight.landed);
      // Read for itself meanwhile (the wait ran out): nothing more to send for this request.
      if (gaveUp) return undefined as T;
      // Landed: a request woken before this one may have sent the next read already (join it).
      if (lane.flight === flight) lane.flight = null;
    }
  };
  lane.waiting++;
  const done = () => {
    lane.waiting--;
    forget();
  };
  return mine(wait(), () => {
    // Nothing answered in time: a read that never lands must not hold up the next requests too.
    gaveUp = true;
    if (watched && lane.flight === watched) lane.flight = null;
    return own();
  }).finally(done);
}

function noop(): void {}
