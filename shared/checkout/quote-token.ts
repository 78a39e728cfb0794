/**
 * Quote tokens: a quote's priced items, address and payable signed as a JWT (HS256, typ
 * `quote+jwt`, audience `checkout`) valid QUOTE_TTL_MS, so order creation checks prices against
 * what the shopper was shown without storing quotes. The token's `jti` is the quote id; order
 * creation makes it single-use.
 */
import { errors as joseErrors, jwtVerify, SignJWT } from "jose";
import { z } from "zod";
import { invalidField } from "../platform/validation";

/** How long a quote (and its token) is valid. */
export const QUOTE_TTL_MS = 15 * 60 * 1000;
const QUOTE_TOKEN_TYPE = "quote+jwt";
const ALGORITHM = "HS256";

/** What a quote token carries. */
export interface QuoteClaims {
  quoteId: string;
  userId: string;
  /** `rechargeTarget`: virtual goods' phone number as quoted (recharge-target.ts), else null. */
  items: { skuId: string; quantity: number; unitPrice: number; rechargeTarget: string | null }[];
  addressId: string | null;
  payable: number;
  currency: string;
  /** The voucher codes and coins the quote applied; order creation applies them again. */
  voucherCodes: string[];
  coins: number;
}

const claimsSchema = z.object({
  sub: z.string(),
  jti: z.string(),
  // [skuId, quantity, unitPrice, rechargeTarget?]: tokens signed before recharge targets have three.
  items: z.array(z.tuple([z.string(), z.number().int(), z.number().int()], z.string().nullable())),
  adr: z.string().nullable(),
  pay: z.number().int(),
  cur: z.string(),
  // Promotions: voucher codes and coins (absent from tokens signed before promotions).
  vch: z.array(z.string()).max(10).optional(),
  coi: z.number().int().min(0).optional(),
});

/** The secret quote tokens are signed with and the issuer they name. */
export interface TokenKey {
  secret: string;
  issuer: string;
}

const keyOf = (secret: string) => new TextEncoder().encode(`quote:${secret}`);

/** Signs a quote's claims; the token expires QUOTE_TTL_MS after `now`. */
export async function signQuoteToken(claims: QuoteClaims, key: TokenKey, now: number): Promise<string> {
  const iat = Math.floor(now / 1000);
  return new SignJWT({
    items: claims.items.map((i) => [i.skuId, i.quantity, i.unitPrice, i.rechargeTarget]),
    adr: claims.addressId,
    pay: claims.payable,
    cur: claims.currency,
    ...(claims.voucherCodes.length > 0 ? { vch: claims.voucherCodes } : {}),
    ...(claims.coins > 0 ? { coi: claims.coins } : {}),
  })
    .setProtectedHeader({ alg: ALGORITHM, typ: QUOTE_TOKEN_TYPE })
    .setSubject(claims.userId)
    .setJti(claims.quoteId)
    .setIssuer(key.issuer)
    .setAudience("checkout")
    .setIssuedAt(iat)
    .setExpirationTime(Math.floor((now + QUOTE_TTL_MS) / 1000))
    .sign(keyOf(key.secret));
}

/** Verifies a quote token for `userId`; a bad, expired or someone else's token is a 400 naming the field. */
export async function verifyQuoteToken(
  token: string,
  userId: string,
  key: TokenKey,
  now: number,
): Promise<QuoteClaims> {
  try {
    const { payload } = await jwtVerify(token, keyOf(key.secret), {
      algorithms: [ALGORITHM],
      typ: QUOTE_TOKEN_TYPE,
      issuer: key.issuer,
      audience: "checkout",
      requiredClaims: ["exp", "sub", "jti"],
      currentDate: new Date(now),
    });
    const claims = claimsSchema.parse(payload);
    if (claims.sub !== userId) throw invalidField("quoteToken", "was issued to someone else");
    return {
      quoteId: claims.jti,
      userId: claims.sub,
      items: claims.items.map(([skuId, quantity, unitPrice, rechargeTarget]) => ({
        skuId,
        quantity,
        unitPrice,
        rechargeTarget: rechargeTarget ?? null,
      })),
      addressId: claims.adr,
      payable: claims.pay,
      currency: claims.cur,
      voucherCodes: claims.vch ?? [],
      coins: claims.coi ?? 0,
    };
  } catch (err) {
    if (err instanceof joseErrors.JWTExpired) throw invalidField("quoteToken", "has expired; ask for a new quote");
    if (err instanceof joseErrors.JOSEError || err instanceof z.ZodError) {
      throw invalidField("quoteToken", "is not a valid quote token");
    }
    throw err;
  }
}
