/**
 * Creating vouchers and threshold discounts (POST /admin/v1/vouchers, /admin/v1/threshold-discounts).
 * Platform vouchers are operators'; a shop's vouchers and threshold discounts are its seller's
 * (operators may create them for a shop they name). Every amount is integer minor units of one
 * currency, the voucher's.
 */
import { z } from "zod";
import { thresholdDiscounts, voucherCodes, vouchers } from "../../db/schema";
import { actorOf, actorText } from "../platform/actor";
import type { Caller } from "../platform/auth";
import type { Clock } from "../platform/clock";
import { inChunks } from "../platform/d1-chunks";
import { type Db, isUniqueViolation } from "../platform/db";
import { AppError } from "../platform/errors";
import { newId } from "../platform/ids";
import { type Currency, moneySchema } from "../platform/money";
import { shopFor } from "../platform/shop-access";
import { invalidField } from "../platform/validation";

/** The most unique codes one batch voucher may have. */
export const MAX_BATCH_CODES = 1000;

const isoTime = z.iso.datetime({ offset: true });
const positiveMoney = moneySchema.refine((m) => m.amount > 0, "must be more than 0");
const nonNegativeMoney = moneySchema.refine((m) => m.amount >= 0, "must not be negative");
const codeSchema = z
  .string()
  .trim()
  .regex(/^[A-Za-z0-9_-]{4,32}$/, "must be 4 to 32 letters, digits, _ or -")
  .transform((c) => c.toUpperCase());

export const createVoucherBody = z
  .object({
    name: z.string().trim().min(1).max(100),
    scope: z.enum(["platform", "shop"]),
    shopId: z.string().min(1).max(64).optional().describe("The shop of a shop voucher (operators name it)"),
    kind: z.enum(["fixed", "percent"]),
    value: z
      .union([positiveMoney, z.number().int().min(1).max(99)])
      .describe("Money off when `kind` is fixed; the percent off (1–99) when percent"),
    maxDiscount: positiveMoney.optional().describe("The most a percent voucher takes off"),
    minSpend: nonNegativeMoney.describe("The eligible goods must come to at least this"),
    categoryId: z.number().int().positive().optional().describe("Only goods in this category's subtree"),
    skuIds: z.array(z.string().min(1).max(64)).min(1).max(100).optional().describe("Only these SKUs"),
    startsAt: isoTime,
    endsAt: isoTime,
    totalCount: z.number().int().min(1).max(10_000_000),
    perUserLimit: z.number().int().min(1).max(1000),
    budget: positiveMoney.optional().describe("The most all its uses may take off together"),
    claimable: z.boolean().describe("Listed by GET /v1/vouchers and claimed into wallets, or code-only"),
    codes: z.discriminatedUnion("mode", [
      z.object({ mode: z.literal("single"), code: codeSchema }).strict(),
      z.object({ mode: z.literal("batch"), count: z.number().int().min(1).max(MAX_BATCH_CODES) }).strict(),
    ]),
  })
  .strict()
  .superRefine((v, ctx) => {
    const issue = (path: string, message: string) => ctx.addIssue({ code: "custom", path: [path], message });
    if (v.kind === "fixed" && typeof v.value === "number") issue("value", "must be money when kind is fixed");
    if (v.kind === "percent" && typeof v.value !== "number")
      issue("value", "must be a percent (1–99) when kind is percent");
    if (v.kind === "fixed" && v.maxDiscount) issue("maxDiscount", "applies to percent vouchers only");
    const currency = v.minSpend.currency;
    for (const [field, m] of [
      ["value", typeof v.value === "number" ? undefined : v.value],
      ["maxDiscount", v.maxDiscount],
      ["budget", v.budget],
    ] as const) {
      if (m && m.currency !== currency) issue(field, `must be in ${currency}, the currency of minSpend`);
    }
    if (Date.parse(v.endsAt) <= Date.parse(v.startsAt)) issue("endsAt", "must be after startsAt");
    if (v.scope === "platform" && v.shopId) issue("shopId", "must not be given for a platform voucher");
    if (v.codes.mode === "batch" && v.codes.count > v.totalCount) issue("codes.count", "must not exceed totalCount");
    if (v.skuIds && new Set(v.skuIds).size !== v.skuIds.length) issue("skuIds", "must not list a SKU twice");
  });
export type CreateVoucherBody = z.infer<typeof createVoucherBody>;

export const createdVoucherSchema = z.object({
  voucherId: z.string(),
  codes: z.array(z.string()).describe("The shared code, or every code of a batch"),
});

/** Creates a voucher with its codes; a platform voucher by an operator only (403 for anyone else). */
export async function createVoucher(
  deps: { db: Db; clock: Clock },
  caller: Caller,
  body: CreateVoucherBody,
): Promise<z.infer<typeof createdVoucherSchema>> {
  const { db } = deps;
  let shopId: string | null = null;
  if (body.scope === "platform") {
    if (!caller.roles.includes("operator")) {
      throw new AppError("forbidden", { detail: "Platform vouchers are created by operators" });
    }
  } else {
    shopId = await shopFor(db, caller, body.shopId);
  }
  const now = deps.clock.now();
  const id = newId("voucher", now);
  const codes = body.codes.mode === "single" ? [body.codes.code] : batchCodes(body.codes.count);
  const currency = body.minSpend.currency as Currency;
  try {
    await db.batch([
      db.insert(vouchers).values({
        id,
        name: body.name,
        scope: body.scope,
        shopId,
        kind: body.kind,
        value: typeof body.value === "number" ? body.value : body.value.amount,
        currency,
        maxDiscount: body.maxDiscount?.amount ?? null,
        minSpend: body.minSpend.amount,
        categoryId: body.categoryId ?? null,
        skuIds: body.skuIds ? JSON.stringify(body.skuIds) : null,
        startsAt: Date.parse(body.startsAt),
        endsAt: Date.parse(body.endsAt),
        totalCount: body.totalCount,
        perUserLimit: body.perUserLimit,
        budget: body.budget?.amount ?? null,
        claimable: body.claimable,
        codeMode: body.codes.mode,
        createdBy: actorText(actorOf(caller)),
        createdAt: now,
      }),
      ...inChunks(
        codes.map((code) => ({ code, voucherId: id })),
        (rows) => db.insert(voucherCodes).values(rows),
      ),
    ] as never);
  } catch (err) {
    if (isUniqueViolation(err, "voucher_codes")) {
      throw new AppError("duplicate_voucher_code", {
        detail: `The code ${codes.length === 1 ? codes[0] : "generated"} is already some voucher's; choose another`,
        extensions: { code: codes.length === 1 ? codes[0] : null },
      });
    }
    throw err;
  }
  return { voucherId: id, codes };
}

const CODE_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789";

/** `count` random 12-character codes (60 bits each), distinct within the batch. */
function batchCodes(count: number): string[] {
  const codes = new Set<string>();
  while (codes.size < count) {
    const bytes = crypto.getRandomValues(new Uint8Array(12));
    codes.add([...bytes].map((b) => CODE_ALPHABET.charAt(b % CODE_ALPHABET.length)).join(""));
  }
  return [...codes];
}

export const createThresholdDiscountBody = z
  .object({
    name: z.string().trim().min(1).max(100),
    shopId: z.string().min(1).max(64).optional().describe("Operators name the shop; a seller's is its own"),
    tiers: z
      .array(z.object({ spend: positiveMoney, off: positiveMoney }).strict())
      .min(1)
      .max(10)
      .describe("Spend at least `spend` (goods of the shop's order), get `off` off; the best tier reached applies"),
    startsAt: isoTime,
    endsAt: isoTime,
  })
  .strict()
  .superRefine((t, ctx) => {
    const currency = t.tiers[0]?.spend.currency;
    t.tiers.forEach((tier, i) => {
      if (tier.spend.currency !== currency || tier.off.currency !== currency) {
        ctx.addIssue({ code: "custom", path: ["tiers", i], message: "every tier must be in one currency" });
      }
      if (tier.off.amount >= tier.spend.amount) {
        ctx.addIssue({ code: "custom", path: ["tiers", i, "off"], message: "must be less than spend" });
      }
    });
    if (new Set(t.tiers.map((tier) => tier.spend.amount)).size !== t.tiers.length) {
      ctx.addIssue({ code: "custom", path: ["tiers"], message: "must not list one spend twice" });
    }
    if (Date.parse(t.endsAt) <= Date.parse(t.startsAt)) {
      ctx.addIssue({ code: "custom", path: ["endsAt"], message: "must be after startsAt" });
    }
  });
export type CreateThresholdDiscountBody = z.infer<typeof createThresholdDiscountBody>;

/** One tier of a threshold discount, in minor units. */
export interface Tier {
  spend: number;
  off: number;
}

/** Creates a threshold discount (满减) for the caller's shop (operators name one). */
export async function createThresholdDiscount(
  deps: { db: Db; clock: Clock },
  caller: Caller,
  body: CreateThresholdDiscountBody,
): Promise<{ thresholdDiscountId: string }> {
  const shopId = await shopFor(deps.db, caller, body.shopId);
  const now = deps.clock.now();
  const id = newId("thresholdDiscount", now);
  const currency = body.tiers[0]?.spend.currency;
  if (!currency) throw invalidField("tiers", "must list at least one tier");
  const tiers: Tier[] = body.tiers
    .map((t) => ({ spend: t.spend.amount, off: t.off.amount }))
    .sort((a, b) => a.spend - b.spend);
  await deps.db.insert(thresholdDiscounts).values({
    id,
    name: body.name,
    shopId,
    currency,
    tiers: JSON.stringify(tiers),
    startsAt: Date.parse(body.startsAt),
    endsAt: Date.parse(body.endsAt),
    createdBy: actorText(actorOf(caller)),
    createdAt: now,
  });
  return { thresholdDiscountId: id };
}
