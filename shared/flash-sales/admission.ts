/**
 * The storefront side of a flash sale: the campaign page (with the shopper's entry proof) and the
 * entry itself, cheapest checks first so a stampede is turned away before it costs anything:
 *
 *   campaign row (isolate memory) → window (403 `not_started` / `ended`) → quantity within the
 *   per-user limit (429 `limit_reached`) → entry proof (403 `proof_required`; a signature check)
 *   → known sold out (409 `sold_out`, isolate memory or the colo's cache: no object touched)
 *   → switch and per-shopper / per-IP rates (rate-limiter objects) → the quota's admit (bucket).
 *
 * Admission answers 200 with a purchase token, 202 `queued` with a position and when to retry
 * (an object that is busy or restarting answers that too, quota.ts), 409 sold out, 429 limit
 * reached: never a 5xx for load.
 */
import { z } from "zod";
import type { Clock } from "../platform/clock";
import type { Db } from "../platform/db";
import { AppError } from "../platform/errors";
import { type CampaignStatus, campaignStatusSchema, statusAt } from "./campaigns";
import type { CampaignRow } from "./campaigns-repo";
import { campaignAtEdge, knownSoldOut, rememberSoldOut } from "./edge-memory";
import { type FlashSaleEntryGuardDeps, guardFlashSaleEntry } from "./entry-guard";
import type { FlashQuota } from "./quota";
import { type FlashTokenKey, signEntryProof, signPurchaseToken, verifyEntryProof } from "./tokens";

export interface AdmissionDeps {
  db: Db;
  clock: Clock;
  quota: FlashQuota;
  guard: FlashSaleEntryGuardDeps;
  tokenKey: FlashTokenKey;
}

const iso = (ms: number) => new Date(ms).toISOString();

export const publicCampaignSchema = z.object({
  campaignId: z.string(),
  skuId: z.string(),
  price: z.object({ amount: z.number().int(), currency: z.string() }),
  quota: z.number().int(),
  /** Units that can still be admitted (a second or so old under load). */
  remaining: z.number().int(),
  startsAt: z.string(),
  endsAt: z.string(),
  perUserLimit: z.number().int(),
  status: campaignStatusSchema,
  /** For a signed-in shopper: the proof `enter` needs, for this shopper and campaign. */
  entryProof: z.string().optional(),
  entryProofExpiresAt: z.string().optional(),
});
export type PublicCampaign = z.infer<typeof publicCampaignSchema>;

/** Remaining units, per isolate for a second: the campaign page is the stampede's first stop. */
const remainingMemo = new Map<string, { remaining: number; until: number }>();
const REMAINING_MEMO_MS = 1_000;

async function remainingOf(deps: AdmissionDeps, row: CampaignRow, status: CampaignStatus, now: number) {
  if (row.settledAt !== null || status === "ENDED") return 0;
  const memo = remainingMemo.get(row.id);
  if (memo && memo.until > now) return memo.remaining;
  const { remaining } = await deps.quota.counts(row.id);
  if (remainingMemo.size > 1_000) remainingMemo.clear();
  remainingMemo.set(row.id, { remaining, until: now + REMAINING_MEMO_MS });
  return remaining;
}

/** The campaign page: what is on sale, and (signed in) the shopper's entry proof. */
export async function publicCampaign(
  deps: AdmissionDeps,
  campaignId: string,
  userId: string | null,
): Promise<PublicCampaign> {
  const now = deps.clock.now();
  const row = await campaignAtEdge(deps.db, campaignId, now);
  const status = statusAt(row, now);
  const view: PublicCampaign = {
    campaignId: row.id,
    skuId: row.skuId,
    price: { amount: row.priceAmount, currency: row.currency },
    quota: row.quota,
    remaining: await remainingOf(deps, row, status, now),
    startsAt: iso(row.startsAt),
    endsAt: iso(row.endsAt),
    perUserLimit: row.perUserLimit,
    status,
  };
  if (!userId || status === "ENDED") return view;
  const proof = await signEntryProof(deps.tokenKey, { userId, campaignId: row.id }, now);
  return { ...view, entryProof: proof.entryProof, entryProofExpiresAt: iso(proof.expiresAt) };
}

export const enterBody = z
  .object({
    quantity: z.number().int().min(1).max(100),
    /** From `GET /v1/flash-sales/{campaignId}`; without a valid one the answer is 403 `proof_required`. */
    entryProof: z.string().max(4096).optional(),
  })
  .strict();
export type EnterBody = z.infer<typeof enterBody>;

export const admittedSchema = z.object({
  status: z.literal("admitted"),
  purchaseToken: z.string(),
  quantity: z.number().int(),
  expiresAt: z.string(),
});
export const queuedSchema = z.object({
  status: z.literal("queued"),
  position: z.number().int(),
  retryAfterMs: z.number().int(),
});
export type EntryAnswer = z.infer<typeof admittedSchema> | z.infer<typeof queuedSchema>;

function limitReached(limit: number): AppError {
  return new AppError("limit_reached", {
    detail: `A shopper may buy at most ${limit} units in this flash sale`,
    extensions: { perUserLimit: limit },
  });
}

/** One entry attempt: admitted with a purchase token, or queued; every refusal is an AppError. */
export async function enterFlashSale(
  deps: AdmissionDeps,
  input: { campaignId: string; userId: string; ip?: string | undefined; body: EnterBody },
): Promise<EntryAnswer> {
  const now = deps.clock.now();
  const row = await campaignAtEdge(deps.db, input.campaignId, now);
  const status = statusAt(row, now);
  if (status === "SCHEDULED") {
    const wait = Math.ceil((row.startsAt - now) / 1000);
    throw new AppError("not_started", {
      detail: `The flash sale starts at ${iso(row.startsAt)}`,
      headers: { "Retry-After": String(wait) },
      extensions: { startsAt: iso(row.startsAt) },
    });
  }
  if (status === "ENDED") {
    throw new AppError("ended", { detail: `The flash sale ended at ${iso(row.endsAt)}` });
  }
  if (input.body.quantity > row.perUserLimit) throw limitReached(row.perUserLimit);
  if (!input.body.entryProof) {
    throw new AppError("proof_required", {
      detail: `Send the entryProof of GET /v1/flash-sales/${row.id}, fetched signed in`,
    });
  }
  await verifyEntryProof(deps.tokenKey, input.body.entryProof, { userId: input.userId, campaignId: row.id }, now);
  if (await knownSoldOut(row.id, now)) throw soldOut(row.id);
  await guardFlashSaleEntry(deps.guard, input.userId, input.ip);
  const outcome = await deps.quota.admit({
    campaignId: row.id,
    userId: input.userId,
    quantity: input.body.quantity,
    now,
    buckets: row.buckets,
  });
  switch (outcome.status) {
    case "admitted": {
      const purchaseToken = await signPurchaseToken(
        deps.tokenKey,
        {
          campaignId: row.id,
          admissionId: outcome.admissionId,
          buckets: row.buckets,
          userId: input.userId,
          skuId: row.skuId,
          quantity: outcome.quantity,
          price: { amount: row.priceAmount, currency: row.currency },
          expiresAt: outcome.expiresAt,
        },
        now,
      );
      return { status: "admitted", purchaseToken, quantity: outcome.quantity, expiresAt: iso(outcome.expiresAt) };
    }
    case "queued":
      return { status: "queued", position: outcome.position, retryAfterMs: outcome.retryAfterMs };
    case "sold_out":
      await rememberSoldOut(row.id, now);
      throw soldOut(row.id);
    case "limit_reached":
      throw limitReached(row.perUserLimit);
  }
}

function soldOut(campaignId: string): AppError {
  return new AppError("sold_out", { detail: `Flash sale ${campaignId} is sold out` });
}
