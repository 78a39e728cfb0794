/**
 * Idempotency-Key handling for creating POSTs, as Stripe and draft-ietf-httpapi-idempotency-key
 * describe it:
 * - the key is stored per caller scope with a hash of the request (method, path, body);
 * - the same key and request replay the first status and body with `Idempotent-Replayed: true`;
 * - the same key with a different request is 422 `idempotency_conflict`;
 * - a duplicate arriving while the first still runs gets 409 `idempotency_in_progress` and never
 *   executes: the `INSERT ... ON CONFLICT DO NOTHING` claim admits exactly one request per key;
 * - a request that dies mid-way holds the key only until its lock lapses; then one retry takes it
 *   over (compare-and-set on the lock token); a request that failed transiently unlocks its key
 *   at once, so the retry takes it over the same way and keeps the request's identity (`ref`);
 * - only final outcomes are stored: a 5xx, an uncaught error, a 408/423/425/429 or a retryable
 *   refusal releases the key so the client may retry; a replay carries the stored body and the
 *   headers that matter (content type, Location, Retry-After, RateLimit*);
 * - keys are scoped by credential (an API key is its own scope), method and route pattern;
 * - only routes that document the header take part, so secrets (login, refresh) are never stored;
 * - keys expire after 24 hours and are purged by the events Worker's cron.
 */
import type { MiddlewareHandler } from "hono";
import { z } from "zod";
import type { AppEnv } from "./app-env";
import type { Caller } from "./auth";
import type { Clock } from "./clock";
import { sha256Hex } from "./crypto";
import { dbOf } from "./db";
import { AppError } from "./errors";
import * as repo from "./idempotency-repo";
import { ulid } from "./ids";
import { errorFields, type Logger } from "./logger";
import { invalidFields } from "./validation";

export const IDEMPOTENCY_HEADER = "Idempotency-Key";
export const REPLAYED_HEADER = "Idempotent-Replayed";

export const IDEMPOTENCY_TTL_MS = 24 * 60 * 60 * 1000;
/** How long a running request holds its key before a retry may take it over. */
export const IDEMPOTENCY_LOCK_MS = 60 * 1000;

const keySchema = z
  .string()
  .min(1, "must not be empty")
  .max(255, "must be at most 255 characters")
  .regex(/^[\x21-\x7e]+$/, "must be printable ASCII without spaces");

/**
 * The result of trying to claim a key for a request. An owner learns when the key was first
 * claimed: that stays the same across retries of one request (a released key is unlocked, not
 * forgotten) and changes only once the key expired, so it names the request's identity.
 */
export type Claim =
  | { kind: "owner"; lockToken: string; claimedAt: number }
  | { kind: "replay"; record: repo.IdempotencyRecord }
  | { kind: "conflict" }
  | { kind: "in_progress" };

/** Claims `key` in `scope` for a request with `requestHash`; see the module comment for the rules. */
export async function claimKey(
  db: ReturnType<typeof dbOf>,
  input: { scope: string; key: string; requestHash: string; clock: Clock },
): Promise<Claim> {
  const lockToken = ulid(input.clock.now());
  const claim = async (): Promise<Claim | null> => {
    const now = input.clock.now();
    const inserted = await repo.insertClaim(db, {
      ...input,
      lockToken,
      now,
      lockMs: IDEMPOTENCY_LOCK_MS,
      ttlMs: IDEMPOTENCY_TTL_MS,
    });
    return inserted ? { kind: "owner", lockToken, claimedAt: now } : null;
  };
  const first = await claim();
  if (first) return first;
  let record = await repo.findKey(db, input.scope, input.key);
  if (record && record.expiresAt <= input.clock.now()) {
    await repo.deleteIfExpired(db, input.scope, input.key, input.clock.now());
    const fresh = await claim();
    if (fresh) return fresh;
    record = await repo.findKey(db, input.scope, input.key);
  }
  // The row vanished between the insert and the read (purged as expired): claim it anew.
  if (!record) return (await claim()) ?? { kind: "in_progress" };
  if (record.requestHash !== input.requestHash) return { kind: "conflict" };
  if (record.state === "done") return { kind: "replay", record };
  if (record.lockedUntil > input.clock.now()) return { kind: "in_progress" };
  const now = input.clock.now();
  return (await repo.takeOverLapsed(db, record, lockToken, now, IDEMPOTENCY_LOCK_MS))
    ? { kind: "owner", lockToken, claimedAt: record.createdAt }
    : { kind: "in_progress" };
}

/** Hash of what makes two requests "the same": method, path with query, and the exact body bytes. */
export async function requestHashOf(method: string, pathWithQuery: string, body: Uint8Array): Promise<string> {
  const head = new TextEncoder().encode(`${method}\n${pathWithQuery}\n`);
  const all = new Uint8Array(head.length + body.length);
  all.set(head);
  all.set(body, head.length);
  return sha256Hex(all);
}

/** A request's idempotency identity, for domain code that must dedupe by it (the order saga, stock ops). */
export interface IdempotencyIdentity {
  /** Who sent it and to which route: `<credential> <METHOD> <route pattern>`. */
  scope: string;
  key: string;
  /**
   * A digest of scope, key and when the key was first claimed (`idem_<hex>`): the same for every
   * retry of one request, different once the key expired and was used anew. Domain code dedupes
   * on it (an order saga per request, a stock movement's op id).
   */
  ref: string;
}

/**
 * The credential a key belongs to. An API key is its own tenant (two shops' keys minted by one
 * operator must never share answers); a logged-in user is themself; anonymous callers are scoped
 * by client IP, so a guessed key cannot replay another client's answer.
 */
export function credentialScopeOf(caller: Caller | null, clientIp: string | undefined): string {
  if (caller?.apiKeyId) return `key:${caller.apiKeyId}`;
  if (caller) return `user:${caller.userId}`;
  return `anonymous:${clientIp ?? "unknown"}`;
}

/** Statuses that mean "try again later", never a final outcome. */
const TRANSIENT_STATUSES = new Set([408, 423, 425, 429]);

/** Whether the answer is the request's final outcome (stored and replayed) or transient (the key is released). */
export function isFinalOutcome(status: number, error: unknown): boolean {
  if (status >= 500) return false;
  if (error instanceof AppError) return !error.retryable && !TRANSIENT_STATUSES.has(status);
  return !TRANSIENT_STATUSES.has(status);
}

/** Response headers a replay must carry besides the body. */
const REPLAYED_HEADERS = ["content-type", "location", "retry-after", "ratelimit", "ratelimit-policy"];

function headersToStore(res: Response): Record<string, string> {
  const kept: Record<string, string> = {};
  for (const [name, value] of res.headers) {
    if (REPLAYED_HEADERS.includes(name) || name.startsWith("ratelimit-")) kept[name] = value;
  }
  return kept;
}

const storedHeadersSchema = z.record(z.string(), z.string());

/** The participating routes: a POST takes part exactly when its OpenAPI entry documents the header. */
export type ParticipatingRoute = (method: string, path: string) => string | null;

/**
 * Middleware for every POST whose route documents `Idempotency-Key` (`participating` names the
 * route pattern, or null). Runs after the caller is resolved: keys are scoped by credential and
 * route (see `credentialScopeOf`). Routes that mint secrets (login, refresh, API keys) do not
 * document the header, so no token is ever kept in the store.
 */
export function idempotency(participating: ParticipatingRoute): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    const header = c.req.header(IDEMPOTENCY_HEADER);
    if (c.req.method !== "POST" || header === undefined) return next();
    const route = participating(c.req.method, c.req.path);
    if (route === null) return next();
    const parsedKey = keySchema.safeParse(header);
    if (!parsedKey.success) {
      throw invalidFields(
        parsedKey.error.issues.map((i) => ({ field: `header.${IDEMPOTENCY_HEADER}`, reason: i.message })),
      );
    }
    const key = parsedKey.data;
    const url = new URL(c.req.url);
    // The raw bytes, cached by Hono for the handler: an image upload must reach it unchanged.
    const body = new Uint8Array(await c.req.arrayBuffer());
    const requestHash = await requestHashOf(c.req.method, url.pathname + url.search, body);
    const scope = `${credentialScopeOf(c.var.caller, c.req.header("cf-connecting-ip"))} ${c.req.method} ${route}`;
    const db = dbOf(c.env.DB);
    const clock = c.var.clock;

    const claim = await claimKey(db, { scope, key, requestHash, clock });
    switch (claim.kind) {
      case "conflict":
        throw new AppError("idempotency_conflict", {
          detail: "This Idempotency-Key was already used with a different request; use a new key",
        });
      case "in_progress":
        throw new AppError("idempotency_in_progress", {
          detail: "A request with this Idempotency-Key is still being processed; retry shortly",
          headers: { "Retry-After": "1" },
        });
      case "replay":
        return replayOf(claim.record, c.var.requestId);
      case "owner":
        break;
    }
    const ref = `idem_${(await sha256Hex(`${scope}\n${key}\n${claim.claimedAt}`)).slice(0, 40)}`;
    c.set("idempotency", { scope, key, ref });

    try {
      await next();
    } catch (err) {
      await releaseLogged(c, db, scope, key, claim.lockToken);
      throw err;
    }
    if (!isFinalOutcome(c.res.status, c.error)) {
      await releaseLogged(c, db, scope, key, claim.lockToken);
      return;
    }
    const stored = c.res.clone();
    try {
      await repo.complete(db, scope, key, claim.lockToken, {
        status: stored.status,
        headers: JSON.stringify(headersToStore(stored)),
        contentType: stored.headers.get("content-type"),
        body: await stored.text(),
      });
    } catch (err) {
      // The work is done; losing its stored answer must not turn it into a 500. The lock lapses,
      // and a retry either finds the work by its own identity (orders, stock ops) or runs again.
      c.var.log.error("idempotency: storing the response failed", { key, ...errorFields(err) });
    }
  };
}

function replayOf(record: repo.IdempotencyRecord, requestId: string): Response {
  const headers = new Headers();
  const stored = storedHeadersSchema.safeParse(record.responseHeaders ? JSON.parse(record.responseHeaders) : {});
  if (stored.success) for (const [name, value] of Object.entries(stored.data)) headers.set(name, value);
  if (record.responseContentType && !headers.has("content-type")) {
    headers.set("content-type", record.responseContentType);
  }
  headers.set(REPLAYED_HEADER, "true");
  headers.set("x-request-id", requestId);
  return new Response(record.responseBody, { status: record.responseStatus ?? 200, headers });
}

async function releaseLogged(
  c: { var: { log: Logger } },
  db: ReturnType<typeof dbOf>,
  scope: string,
  key: string,
  lockToken: string,
): Promise<void> {
  try {
    await repo.release(db, scope, key, lockToken);
  } catch (err) {
    // The lock lapses on its own; a retry takes the key over then.
    c.var.log.error("idempotency: releasing the key failed", { key, ...errorFields(err) });
  }
}
