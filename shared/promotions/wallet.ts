/**
 * The storefront's side of vouchers: the claimable ones now running (GET /v1/vouchers), claiming
 * one into the wallet (POST /v1/vouchers/:id/claim) and the wallet (GET /v1/me/vouchers).
 *
 * A claim is one D1 batch whose first statement inserts the claim only while the voucher has
 * claims left (`claimed < total_count`) and the shopper has claimed fewer than `per_user_limit`;
 * the counter moves only if that row went in. D1 runs batches one at a time, so claims racing
 * for the last one get exactly one winner; the others are 409 `used_up` / `per_user_limit`.
 * A batch voucher hands each claim a code of its own; a single-code voucher hands out its code.
 */
import { and, asc, desc, eq, gt, inArray, lte, sql } from "drizzle-orm";
import { z } from "zod";
import { voucherClaims, voucherCodes, vouchers, voucherUses } from "../../db/schema";
import type { Clock } from "../platform/clock";
import { createdCursorSchema, decodeCursor, olderThan, pageOf } from "../platform/cursor";
import type { Db } from "../platform/db";
import { AppError } from "../platform/errors";
import { newId } from "../platform/ids";
import { type Currency, moneySchema } from "../platform/money";

export type VoucherRow = typeof vouchers.$inferSelect;

/** A voucher's terms, the same to the shoppers who use it and the seller or operator who runs it. */
export const voucherTermsSchema = z.object({
  voucherId: z.string(),
  name: z.string(),
  scope: z.enum(["platform", "shop"]),
  shopId: z.string().nullable(),
  kind: z.enum(["fixed", "percent"]),
  value: z.union([moneySchema, z.number().int()]).describe("Money off (fixed) or the percent off"),
  maxDiscount: moneySchema.nullable(),
  minSpend: moneySchema,
  categoryId: z.number().int().nullable(),
  skuIds: z.array(z.string()).nullable(),
  startsAt: z.string(),
  endsAt: z.string(),
  perUserLimit: z.number().int(),
});

/** The terms of the voucher in `v` (its amounts in the voucher's currency). */
export function voucherTerms(v: VoucherRow): z.infer<typeof voucherTermsSchema> {
  // Written by createVoucher from a validated currency.
  const money = (amount: number) => ({ amount, currency: v.currency as Currency });
  return {
    voucherId: v.id,
    name: v.name,
    scope: v.scope,
    shopId: v.shopId,
    kind: v.kind,
    value: v.kind === "fixed" ? money(v.value) : v.value,
    maxDiscount: v.maxDiscount === null ? null : money(v.maxDiscount),
    minSpend: money(v.minSpend),
    categoryId: v.categoryId,
    skuIds: v.skuIds === null ? null : (JSON.parse(v.skuIds) as string[]),
    startsAt: new Date(v.startsAt).toISOString(),
    endsAt: new Date(v.endsAt).toISOString(),
    perUserLimit: v.perUserLimit,
  };
}

export const voucherViewSchema = voucherTermsSchema.extend({
  remaining: z.number().int().describe("Claims left"),
});
export type VoucherView = z.infer<typeof voucherViewSchema>;

/** A voucher as shoppers see it. */
export function voucherView(v: VoucherRow): VoucherView {
  return { ...voucherTerms(v), remaining: Math.max(0, v.totalCount - v.claimed) };
}

export const claimableQuery = z.strictObject({
  shopId: z.string().min(1).max(64).optional().describe("A shop's vouchers; without it, the platform's"),
  limit: z.coerce.number().int().min(1).max(100).default(20),
  cursor: z.string().min(1).max(512).optional(),
});

/** Claimable vouchers running now with claims left, newest first: a shop's, or the platform's. */
export async function listClaimable(db: Db, now: number, query: z.infer<typeof claimableQuery>) {
  const rows = await db
    .select()
    .from(vouchers)
    .where(
      and(
        eq(vouchers.claimable, true),
        query.shopId === undefined ? eq(vouchers.scope, "platform") : eq(vouchers.shopId, query.shopId),
        lte(vouchers.startsAt, now),
        gt(vouchers.endsAt, now),
        sql`${vouchers.claimed} < ${vouchers.totalCount}`,
        query.cursor
          ? olderThan(vouchers.createdAt, vouchers.id, decodeCursor(createdCursorSchema, query.cursor))
          : undefined,
      ),
    )
    .orderBy(desc(vouchers.createdAt), desc(vouchers.id))
    .limit(query.limit + 1);
  return pageOf(rows, query.limit, voucherView);
}

export const claimSchema = z.object({ voucherId: z.string(), code: z.string() });

/** Claims voucher `voucherId` into `userId`'s wallet; 409 `used_up` or `per_user_limit`. */
export async function claimVoucher(
  deps: { db: Db; clock: Clock },
  userId: string,
  voucherId: string,
): Promise<z.infer<typeof claimSchema>> {
  const { db } = deps;
  const now = deps.clock.now();
  const claimId = newId("voucherClaim", now);
  // A batch code no one has claimed, nor used at checkout without claiming it (codes need no claim).
  const unclaimedCode = sql`(SELECT c.code FROM voucher_codes c WHERE c.voucher_id = ${vouchers.id} AND c.claimed_by IS NULL AND NOT EXISTS (SELECT 1 FROM voucher_uses u WHERE u.code = c.code AND u.status IN ('held', 'consumed')) ORDER BY c.code LIMIT 1)`;
  const [, , , claimed] = await db.batch([
    db.insert(voucherClaims).select(
      db
        .select({
          id: sql<string>`${claimId}`.as("id"),
          voucherId: vouchers.id,
          userId: sql<string>`${userId}`.as("user_id"),
          code: sql<string>`CASE ${vouchers.codeMode} WHEN 'single' THEN (SELECT c.code FROM voucher_codes c WHERE c.voucher_id = ${vouchers.id} LIMIT 1) ELSE ${unclaimedCode} END`.as(
            "code",
          ),
          createdAt: sql<number>`${now}`.as("created_at"),
        })
        .from(vouchers)
        .where(
          and(
            eq(vouchers.id, voucherId),
            eq(vouchers.claimable, true),
            lte(vouchers.startsAt, now),
            gt(vouchers.endsAt, now),
            sql`${vouchers.claimed} < ${vouchers.totalCount}`,
            sql`(SELECT count(*) FROM voucher_claims k WHERE k.voucher_id = ${vouchers.id} AND k.user_id = ${userId}) < ${vouchers.perUserLimit}`,
            sql`(${vouchers.codeMode} = 'single' OR ${unclaimedCode} IS NOT NULL)`,
          ),
        ),
    ),
    db
      .update(vouchers)
      .set({ claimed: sql`${vouchers.claimed} + 1` })
      .where(and(eq(vouchers.id, voucherId), sql`EXISTS (SELECT 1 FROM voucher_claims WHERE id = ${claimId})`)),
    db
      .update(voucherCodes)
      .set({ claimedBy: userId })
      .where(
        and(
          sql`${voucherCodes.code} = (SELECT code FROM voucher_claims WHERE id = ${claimId})`,
          sql`(SELECT code_mode FROM vouchers WHERE id = ${voucherId}) = 'batch'`,
        ),
      ),
    db.select({ code: voucherClaims.code }).from(voucherClaims).where(eq(voucherClaims.id, claimId)),
  ]);
  const code = claimed[0]?.code;
  if (code) return { voucherId, code };
  throw await whyNotClaimed(db, userId, voucherId, now);
}

/** Why a claim went in empty: no such running claimable voucher (404), none left, or the shopper's limit. */
async function whyNotClaimed(db: Db, userId: string, voucherId: string, now: number): Promise<AppError> {
  const v = await db.query.vouchers.findFirst({ where: eq(vouchers.id, voucherId) });
  if (!v?.claimable || v.startsAt > now || v.endsAt <= now) {
    return new AppError("not_found", { detail: `No claimable voucher ${voucherId} is running` });
  }
  const [mine] = await db
    .select({ n: sql<number>`count(*)`.mapWith(Number) })
    .from(voucherClaims)
    .where(and(eq(voucherClaims.voucherId, voucherId), eq(voucherClaims.userId, userId)));
  if ((mine?.n ?? 0) >= v.perUserLimit) {
    return new AppError("per_user_limit", {
      detail: `Voucher ${voucherId} may be claimed ${v.perUserLimit} time(s) per shopper; you have claimed it ${mine?.n ?? 0}`,
      extensions: { voucherId, limit: v.perUserLimit },
    });
  }
  return new AppError("used_up", {
    detail: `Voucher ${voucherId} has no claims left`,
    extensions: { voucherId, totalCount: v.totalCount },
  });
}

export const walletEntrySchema = voucherViewSchema.extend({ code: z.string(), claimedAt: z.string() });

/**
 * The shopper's claimed vouchers not yet used and not expired, oldest claim first: of a voucher
 * claimed n times and used (held or consumed) u times, the n − u newest claims.
 */
export async function walletOf(db: Db, userId: string, now: number) {
  const claims = await db
    .select({ claim: voucherClaims, voucher: vouchers })
    .from(voucherClaims)
    .innerJoin(vouchers, eq(vouchers.id, voucherClaims.voucherId))
    .where(and(eq(voucherClaims.userId, userId), gt(vouchers.endsAt, now)))
    .orderBy(asc(voucherClaims.createdAt), asc(voucherClaims.id))
    .limit(500);
  const voucherIds = [...new Set(claims.map((c) => c.voucher.id))];
  const used =
    voucherIds.length === 0
      ? []
      : await db
          .select({ voucherId: voucherUses.voucherId, n: sql<number>`count(*)`.mapWith(Number) })
          .from(voucherUses)
          .where(
            and(
              eq(voucherUses.userId, userId),
              inArray(voucherUses.voucherId, voucherIds.slice(0, 90)),
              inArray(voucherUses.status, ["held", "consumed"]),
            ),
          )
          .groupBy(voucherUses.voucherId);
  const remainingUsed = new Map(used.map((u) => [u.voucherId, u.n]));
  const items = claims.flatMap(({ claim, voucher }) => {
    const u = remainingUsed.get(voucher.id) ?? 0;
    if (u > 0) {
      remainingUsed.set(voucher.id, u - 1);
      return [];
    }
    return [{ ...voucherView(voucher), code: claim.code, claimedAt: new Date(claim.createdAt).toISOString() }];
  });
  return { items, nextCursor: null };
}
