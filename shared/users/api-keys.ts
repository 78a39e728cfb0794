/**
 * Shop-scoped API keys for sellers' own systems (the seed's OpenAPI push). A key is `sk_` + 256
 * random bits, shown once at creation; only its SHA-256 is stored (a slow hash adds nothing for a
 * random 256-bit secret). A key acts as a seller of its shop, limited to its scopes.
 */
import { z } from "zod";
import { API_SCOPES, type ApiScope, type Caller } from "../platform/auth";
import type { Clock } from "../platform/clock";
import { randomToken, sha256Hex } from "../platform/crypto";
import { createdCursorSchema, decodeCursor, pageOf } from "../platform/cursor";
import type { Db } from "../platform/db";
import { AppError } from "../platform/errors";
import { newId } from "../platform/ids";
import { canAccessShop, shopFilterFor, shopFor } from "../platform/shop-access";
import * as repo from "./api-keys-repo";

export const API_KEY_PREFIX = "sk_";

export const createApiKeyBody = z
  .object({
    name: z.string().trim().min(1, "is required").max(100),
    scopes: z
      .array(z.enum(API_SCOPES))
      .min(1, "must name at least one scope")
      .max(API_SCOPES.length, `names at most the ${API_SCOPES.length} scopes, each once`),
    shopId: z.string().min(1).optional().describe("Operators name the shop; sellers may omit it (their own)"),
  })
  .strict();
export type CreateApiKeyBody = z.infer<typeof createApiKeyBody>;

export const apiKeySchema = z.object({
  apiKeyId: z.string(),
  shopId: z.string(),
  name: z.string(),
  prefix: z.string(),
  scopes: z.array(z.enum(API_SCOPES)),
  createdBy: z.string(),
  createdAt: z.string(),
  lastUsedAt: z.string().nullable(),
  revokedAt: z.string().nullable(),
});
export type ApiKeyView = z.infer<typeof apiKeySchema>;

const iso = (ms: number | null) => (ms === null ? null : new Date(ms).toISOString());

function view(row: repo.ApiKeyRow): ApiKeyView {
  return {
    apiKeyId: row.id,
    shopId: row.shopId,
    name: row.name,
    prefix: row.keyPrefix,
    scopes: z.array(z.enum(API_SCOPES)).parse(JSON.parse(row.scopes)),
    createdBy: row.createdBy,
    createdAt: new Date(row.createdAt).toISOString(),
    lastUsedAt: iso(row.lastUsedAt),
    revokedAt: iso(row.revokedAt),
  };
}

/** Creates a key; the secret is in the answer once and never again. */
export async function createApiKey(
  db: Db,
  clock: Clock,
  caller: Caller,
  input: CreateApiKeyBody,
): Promise<ApiKeyView & { key: string }> {
  const shopId = await shopFor(db, caller, input.shopId);
  const now = clock.now();
  const key = `${API_KEY_PREFIX}${randomToken(32)}`;
  const row = {
    id: newId("apiKey", now),
    shopId,
    name: input.name,
    keyPrefix: key.slice(0, 10),
    keyHash: await sha256Hex(key),
    scopes: JSON.stringify([...new Set(input.scopes)]),
    createdBy: caller.userId,
    createdAt: now,
    lastUsedAt: null,
    revokedAt: null,
  };
  await repo.insertApiKey(db, row);
  return { ...view(row), key };
}

/** Keys a caller may see: a seller's shop's, or any (optionally one shop's) for operators. */
export async function listApiKeys(
  db: Db,
  caller: Caller,
  query: { shopId?: string | undefined; limit: number; cursor?: string | undefined },
) {
  const shopId = await shopFilterFor(db, caller, query.shopId);
  const rows = await repo.listApiKeys(db, {
    shopId,
    limit: query.limit + 1,
    after: query.cursor ? decodeCursor(createdCursorSchema, query.cursor) : undefined,
  });
  return pageOf(rows, query.limit, view);
}

/** Revokes a key of the caller's shop (any shop for operators); revoking twice is harmless. */
export async function revokeApiKey(db: Db, clock: Clock, caller: Caller, id: string): Promise<ApiKeyView> {
  const row = await repo.findApiKey(db, id);
  if (!row || !canAccessShop(caller, row.shopId)) {
    throw new AppError("not_found", { detail: `No API key ${id}` });
  }
  const revoked = await repo.revokeApiKey(db, id, clock.now());
  if (!revoked) throw new AppError("not_found", { detail: `No API key ${id}` });
  return view(revoked);
}

/** The caller an `sk_` key acts as, or null when the key is unknown or revoked. */
export async function callerForApiKey(
  db: Db,
  key: string,
  now: number,
): Promise<{ caller: Caller; touch: Promise<void> } | null> {
  const row = await repo.findActiveByHash(db, await sha256Hex(key));
  if (!row) return null;
  const scopes = z.array(z.enum(API_SCOPES)).parse(JSON.parse(row.scopes)) as ApiScope[];
  return {
    caller: { userId: row.createdBy, roles: ["seller"], shopId: row.shopId, apiKeyId: row.id, scopes },
    touch: repo.touchApiKey(db, row.id, now),
  };
}

/** Whether the key still authenticates (asynchronous work a key submitted stops when it is revoked). */
export async function apiKeyIsActive(db: Db, id: string): Promise<boolean> {
  const row = await repo.findApiKey(db, id);
  return row !== undefined && row.revokedAt === null;
}
