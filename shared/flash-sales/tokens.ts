/**
 * The two signed tokens of a flash sale (JWT, HS256, keyed from the Worker's JWT secret with a
 * per-token prefix, so neither can pass for the other nor for an access or quote token):
 *
 * - The entry proof (`typ: flash-entry+jwt`): issued by `GET /v1/flash-sales/:id` to a signed-in
 *   shopper, for that shopper and campaign, valid ENTRY_PROOF_TTL_MS. Entering needs it, so a
 *   script must load the campaign with a session first (and again every few minutes); it is
 *   stateless, so checking it costs no storage read on the hottest path of the sale.
 * - The purchase token (`typ: flash-purchase+jwt`): issued on admission, it carries what the order
 *   must be (campaign, admission, shopper, SKU, quantity, flash price) until the admission's
 *   expiry. `POST /v1/orders` redeems it exactly once (the saga's quote id is unique per admission).
 */
import { errors as joseErrors, jwtVerify, SignJWT } from "jose";
import { z } from "zod";
import { AppError } from "../platform/errors";
import { invalidField } from "../platform/validation";

/** How long an entry proof is valid: a shopper reloading the campaign page gets a fresh one. */
export const ENTRY_PROOF_TTL_MS = 15 * 60 * 1000;
const ALGORITHM = "HS256";
const ENTRY_TYPE = "flash-entry+jwt";
const PURCHASE_TYPE = "flash-purchase+jwt";

/** The secret the tokens are signed with (the Worker's JWT secret) and the issuer they name. */
export interface FlashTokenKey {
  secret: string;
  issuer: string;
}

const keyOf = (purpose: string, secret: string) => new TextEncoder().encode(`${purpose}:${secret}`);

/** Signs an entry proof of `userId` for `campaignId`, valid ENTRY_PROOF_TTL_MS from `now`. */
export async function signEntryProof(
  key: FlashTokenKey,
  claims: { userId: string; campaignId: string },
  now: number,
): Promise<{ entryProof: string; expiresAt: number }> {
  const expiresAt = now + ENTRY_PROOF_TTL_MS;
  const entryProof = await new SignJWT({ cid: claims.campaignId })
    .setProtectedHeader({ alg: ALGORITHM, typ: ENTRY_TYPE })
    .setSubject(claims.userId)
    .setIssuer(key.issuer)
    .setAudience("flash-entry")
    .setIssuedAt(Math.floor(now / 1000))
    .setExpirationTime(Math.floor(expiresAt / 1000))
    .sign(keyOf("flash-entry", key.secret));
  return { entryProof, expiresAt };
}

/** Checks an entry proof: 403 `proof_required` unless it is valid, unexpired, this shopper's and this campaign's. */
export async function verifyEntryProof(
  key: FlashTokenKey,
  proof: string,
  expected: { userId: string; campaignId: string },
  now: number,
): Promise<void> {
  const refuse = (why: string) =>
    new AppError("proof_required", {
      detail: `The entry proof ${why}; fetch GET /v1/flash-sales/${expected.campaignId} signed in and send its entryProof`,
    });
  try {
    const { payload } = await jwtVerify(proof, keyOf("flash-entry", key.secret), {
      algorithms: [ALGORITHM],
      typ: ENTRY_TYPE,
      issuer: key.issuer,
      audience: "flash-entry",
      requiredClaims: ["exp", "sub"],
      currentDate: new Date(now),
    });
    if (payload.sub !== expected.userId || payload.cid !== expected.campaignId) {
      throw refuse("was issued to another shopper or campaign");
    }
  } catch (err) {
    if (err instanceof joseErrors.JWTExpired) throw refuse("has expired");
    if (err instanceof joseErrors.JOSEError) throw refuse("is not valid");
    throw err;
  }
}

/** What a purchase token carries: one admission's right to order, at the flash price. */
export interface PurchaseClaims {
  campaignId: string;
  admissionId: string;
  /** The campaign's bucket count (saves the quota a lookup when the order redeems it). */
  buckets: number;
  userId: string;
  skuId: string;
  quantity: number;
  price: { amount: number; currency: string };
  /** Epoch ms: the admission lapses (and its unit goes back) unless an order redeems it first. */
  expiresAt: number;
}

const purchaseSchema = z.object({
  sub: z.string(),
  jti: z.string(),
  cid: z.string(),
  bkt: z.number().int().min(1),
  sku: z.string(),
  qty: z.number().int().positive(),
  amt: z.number().int().min(0),
  cur: z.string().length(3),
  // Milliseconds: `exp` (seconds) rounds down, the admission's own expiry does not.
  xat: z.number().int(),
});

/** Signs the purchase token of an admission; it expires with the admission. */
export async function signPurchaseToken(key: FlashTokenKey, claims: PurchaseClaims, now: number): Promise<string> {
  return new SignJWT({
    cid: claims.campaignId,
    bkt: claims.buckets,
    sku: claims.skuId,
    qty: claims.quantity,
    amt: claims.price.amount,
    cur: claims.price.currency,
    xat: claims.expiresAt,
  })
    .setProtectedHeader({ alg: ALGORITHM, typ: PURCHASE_TYPE })
    .setSubject(claims.userId)
    .setJti(claims.admissionId)
    .setIssuer(key.issuer)
    .setAudience("checkout")
    .setIssuedAt(Math.floor(now / 1000))
    .setExpirationTime(Math.ceil(claims.expiresAt / 1000))
    .sign(keyOf("flash-purchase", key.secret));
}

/**
 * Verifies a purchase token for `userId`: a token that is not one (or someone else's) is a 400
 * naming `purchaseToken`; one past its admission's expiry is 409 `admission_lapsed`.
 */
export async function verifyPurchaseToken(
  key: FlashTokenKey,
  token: string,
  userId: string,
  now: number,
): Promise<PurchaseClaims> {
  let payload: unknown;
  try {
    ({ payload } = await jwtVerify(token, keyOf("flash-purchase", key.secret), {
      algorithms: [ALGORITHM],
      typ: PURCHASE_TYPE,
      issuer: key.issuer,
      audience: "checkout",
      requiredClaims: ["exp", "sub", "jti"],
      currentDate: new Date(now),
    }));
  } catch (err) {
    if (err instanceof joseErrors.JWTExpired) throw admissionLapsed();
    if (err instanceof joseErrors.JOSEError) throw invalidField("purchaseToken", "is not a valid purchase token");
    throw err;
  }
  const parsed = purchaseSchema.safeParse(payload);
  if (!parsed.success) throw invalidField("purchaseToken", "is not a valid purchase token");
  const c = parsed.data;
  if (c.sub !== userId) throw invalidField("purchaseToken", "was issued to someone else");
  if (now >= c.xat) throw admissionLapsed();
  return {
    campaignId: c.cid,
    admissionId: c.jti,
    buckets: c.bkt,
    userId: c.sub,
    skuId: c.sku,
    quantity: c.qty,
    price: { amount: c.amt, currency: c.cur },
    expiresAt: c.xat,
  };
}

/** 409 `admission_lapsed`: the admission's time ran out (or its campaign closed) before an order redeemed it. */
export function admissionLapsed(): AppError {
  return new AppError("admission_lapsed", {
    detail: "The flash-sale admission lapsed before this order; its unit went back to the sale. Enter again.",
  });
}
