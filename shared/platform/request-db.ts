/**
 * Read-your-writes across D1 read replicas: a request's database is one D1 session, opened on
 * first use from the client's bookmark when it sent one; every response that touched D1 through
 * `requestDb` carries the session's bookmark, and a client that sends it back gets reads at
 * least that fresh.
 */
import type { Context } from "hono";
import type { AppEnv, PlatformBindings } from "./app-env";
import { type Db, dbOf } from "./db";

/** The header a D1 bookmark travels in, both ways. */
export const BOOKMARK_HEADER = "x-d1-bookmark";
const BOOKMARK = /^[0-9a-f]{8}-[0-9a-f]{8}-[0-9a-f]{8}-[0-9a-f]{32}$/;

/**
 * The request's database: a D1 session starting from the client's bookmark when it sent one,
 * else from `start` (writers use "first-primary", plain reads "first-unconstrained").
 */
export function requestDb<B extends PlatformBindings>(
  c: Context<AppEnv<B>>,
  start: "first-primary" | "first-unconstrained" = "first-unconstrained",
): Db {
  let session = c.get("d1Session");
  if (!session) {
    const header = c.req.header(BOOKMARK_HEADER);
    session = c.env.DB.withSession(header && BOOKMARK.test(header) ? header : start);
    c.set("d1Session", session);
  }
  return dbOf(session);
}

/** Puts the request's D1 bookmark on the response, when the request opened a session. */
export function answerBookmark<B extends PlatformBindings>(c: Context<AppEnv<B>>): void {
  const bookmark = c.get("d1Session")?.getBookmark();
  if (bookmark) c.res.headers.set(BOOKMARK_HEADER, bookmark);
}
