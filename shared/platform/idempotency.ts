/**
 * Idempotency-Key handling for creating POSTs, as Stripe and draft-ietf-httpapi-idempotency-key
 * describe it:
 * - the key is stored per caller scope with a hash of the request (method, path, body);
 * - the same key and request replay the first status and body with `Idempotent-Replayed: true`;
 * - the same key with a different request is 422 `idempotency_conflict`;
 * - a duplicate arriving while the first still runs gets 409 `idempotency_in_progress` and never
 *   executes: the `INSERT ... ON CONFLICT DO NOTHING` claim admits exactly one request per key;
 * - a request that dies mid-way holds the key only until its lock lapses; then one retry takes it
 *   over (compare-and-set on the lock token);
 * - a 5xx or an uncaught error releases the key so the client may retry; 2xx-4xx are stored;
 * - keys expire after 24 hours and are purged by the events Worker's cron.
 */
import type { MiddlewareHandler } from "hono";
import { z } from "zod";
import type { AppEnv } from "./app";
import type { Clock } from "./clock";
import { sha256Hex } from "./crypto";
import { dbOf } from "./db";
import { AppError } from "./errors";
import * as repo from "./idempotency-repo";
import { ulid } from "./ids";
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

/** The result of trying to claim a key for a request. */
export type Claim =
  | { kind: "owner"; lockToken: string }
  | { kind: "replay"; record: repo.IdempotencyRecord }
  | { kind: "conflict" }
  | { kind: "in_progress" };

/** Claims `key` in `scope` for a request with `requestHash`; see the module comment for the rules. */
export async function claimKey(
  db: ReturnType<typeof dbOf>,
  input: { scope: string; key: string; requestHash: string; clock: Clock },
): Promise<Claim> {
  const lockToken = ulid(input.clock.now());
  const claim = () =>
    repo.insertClaim(db, {
      ...input,
      lockToken,
      now: input.clock.now(),
      lockMs: IDEMPOTENCY_LOCK_MS,
      ttlMs: IDEMPOTENCY_TTL_MS,
    });
  if (await claim()) return { kind: "owner", lockToken };
  let record = await repo.findKey(db, input.scope, input.key);
  if (record && record.expiresAt <= input.clock.now()) {
    await repo.deleteIfExpired(db, input.scope, input.key, input.clock.now());
    if (await claim()) return { kind: "owner", lockToken };
    record = await repo.findKey(db, input.scope, input.key);
  }
  // The row vanished between the insert and the read: its owner released it after a failure.
  if (!record) return (await claim()) ? { kind: "owner", lockToken } : { kind: "in_progress" };
  if (record.requestHash !== input.requestHash) return { kind: "conflict" };
  if (record.state === "done") return { kind: "replay", record };
  if (record.lockedUntil > input.clock.now()) return { kind: "in_progress" };
  const now = input.clock.now();
  return (await repo.takeOverLapsed(db, record, lockToken, now, IDEMPOTENCY_LOCK_MS))
    ? { kind: "owner", lockToken }
    : { kind: "in_progress" };
}

/** Hash of what makes two requests "the same": method, path with query, and the exact body. */
export async function requestHashOf(method: string, pathWithQuery: string, body: string): Promise<string> {
  return sha256Hex(`${method}\n${pathWithQuery}\n${body}`);
}

/**
 * Middleware for every POST that carries an `Idempotency-Key`. Runs after the caller is resolved,
 * so keys are scoped per user (anonymous callers per client IP).
 */
export function idempotency(): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    const header = c.req.header(IDEMPOTENCY_HEADER);
    if (c.req.method !== "POST" || header === undefined) return next();
    const parsedKey = keySchema.safeParse(header);
    if (!parsedKey.success) {
      throw invalidFields(
        parsedKey.error.issues.map((i) => ({ field: `header.${IDEMPOTENCY_HEADER}`, reason: i.message })),
      );
    }
    const key = parsedKey.data;
    const url = new URL(c.req.url);
    const body = await c.req.text();
    const requestHash = await requestHashOf(c.req.method, url.pathname + url.search, body);
    // Anonymous keys are scoped by client IP too, so a guessed key cannot replay another
    // client's answer; a retry from a new IP then simply executes again.
    const scope = c.var.caller
      ? `user:${c.var.caller.userId}`
      : `anonymous:${c.req.header("cf-connecting-ip") ?? "unknown"}`;
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
      case "replay": {
        const { record } = claim;
        const headers = new Headers({ [REPLAYED_HEADER]: "true", "x-request-id": c.var.requestId });
        if (record.responseContentType) headers.set("content-type", record.responseContentType);
        return new Response(record.responseBody, { status: record.responseStatus ?? 200, headers });
      }
      case "owner":
        break;
    }

    try {
      await next();
    } catch (err) {
      await repo.release(db, scope, key, claim.lockToken);
      throw err;
    }
    if (c.res.status >= 500) {
      await repo.release(db, scope, key, claim.lockToken);
      return;
    }
    const stored = c.res.clone();
    await repo.complete(db, scope, key, claim.lockToken, {
      status: stored.status,
      contentType: stored.headers.get("content-type"),
      body: await stored.text(),
    });
  };
}
