/**
 * Sellers' shipping templates (运费模板) and the fee they give a parcel: a fee for the first
 * weight step, a fee per additional step (rounded up), regional overrides by country and
 * province, and free shipping when the seller's part of the checkout (after discounts) reaches
 * the threshold. A shop without its own template uses DEFAULT_TEMPLATE.
 */
import { eq, sql } from "drizzle-orm";
import { z } from "zod";
import { shippingTemplates } from "../../db/schema";
import type { Db } from "../platform/db";
import { AppError } from "../platform/errors";
import { type Currency, currencySchema, DEFAULT_CURRENCY } from "../platform/money";

const minor = z.number().int().min(0).max(100_000_000);
const grams = z.number().int().min(1).max(1_000_000);

const regionSchema = z
  .object({
    country: z
      .string()
      .regex(/^[A-Z]{2}$/, "must be an ISO 3166-1 alpha-2 country code")
      .describe("Applies to addresses in this country"),
    provinces: z
      .array(z.string().trim().min(1).max(64))
      .max(100)
      .optional()
      .describe("Only these provinces (all of the country when omitted)"),
    firstFee: minor,
    additionalFee: minor,
  })
  .strict();

export const shippingTemplateBody = z
  .object({
    currency: currencySchema.default(DEFAULT_CURRENCY),
    firstWeightGrams: grams.describe("Weight covered by the first fee"),
    firstFee: minor.describe("Minor units"),
    additionalWeightGrams: grams.describe("Each further step of this weight (rounded up) costs additionalFee"),
    additionalFee: minor,
    freeThreshold: minor.nullable().describe("Free shipping when the seller's goods (after discounts) reach this"),
    regions: z.array(regionSchema).max(100).default([]).describe("First match wins; otherwise the base fees apply"),
  })
  .strict();
export type ShippingTemplateBody = z.input<typeof shippingTemplateBody>;

export const shippingTemplateSchema = shippingTemplateBody.extend({
  shopId: z.string(),
  isDefault: z.boolean().describe("True when the shop has no template of its own and the platform default applies"),
  version: z.number().int(),
});
export type ShippingTemplate = z.infer<typeof shippingTemplateSchema>;

/** The platform's template for shops without one: ¥10 for the first kg, ¥5 per further kg, free from ¥99. */
export const DEFAULT_TEMPLATE: Omit<ShippingTemplate, "shopId"> = {
  currency: "CNY",
  firstWeightGrams: 1000,
  firstFee: 1000,
  additionalWeightGrams: 1000,
  additionalFee: 500,
  freeThreshold: 9900,
  regions: [],
  isDefault: true,
  version: 0,
};

type Row = typeof shippingTemplates.$inferSelect;

export function templateOfRow(shopId: string, row: Row | undefined): ShippingTemplate {
  if (!row) return { ...DEFAULT_TEMPLATE, shopId };
  return {
    shopId,
    currency: row.currency as Currency,
    firstWeightGrams: row.firstWeightGrams,
    firstFee: row.firstFee,
    additionalWeightGrams: row.additionalWeightGrams,
    additionalFee: row.additionalFee,
    freeThreshold: row.freeThreshold,
    regions: JSON.parse(row.regions),
    isDefault: false,
    version: row.version,
  };
}

export async function getTemplate(db: Db, shopId: string): Promise<ShippingTemplate> {
  return templateOfRow(
    shopId,
    await db.query.shippingTemplates.findFirst({ where: eq(shippingTemplates.shopId, shopId) }),
  );
}

/** Replaces the shop's template (a new version). */
export async function putTemplate(
  db: Db,
  shopId: string,
  input: z.output<typeof shippingTemplateBody>,
  now: number,
): Promise<ShippingTemplate> {
  const values = {
    currency: input.currency,
    firstWeightGrams: input.firstWeightGrams,
    firstFee: input.firstFee,
    additionalWeightGrams: input.additionalWeightGrams,
    additionalFee: input.additionalFee,
    freeThreshold: input.freeThreshold,
    regions: JSON.stringify(input.regions),
    updatedAt: now,
  };
  await db
    .insert(shippingTemplates)
    .values({ shopId, ...values, createdAt: now })
    .onConflictDoUpdate({
      target: shippingTemplates.shopId,
      set: { ...values, version: sql`${shippingTemplates.version} + 1` },
    });
  return getTemplate(db, shopId);
}

export interface Parcel {
  weightGrams: number;
  /** The seller's goods after discounts, in the template's currency. */
  goodsAmount: number;
  currency: Currency;
  destination: { country: string; province: string };
}

/** The fee for one seller's parcel under `template`. */
export function shippingFee(template: ShippingTemplate, parcel: Parcel): number {
  if (parcel.currency !== template.currency) {
    throw new AppError("unprocessable", {
      detail: `The seller's shipping template is in ${template.currency}, the goods in ${parcel.currency}`,
    });
  }
  if (template.freeThreshold !== null && parcel.goodsAmount >= template.freeThreshold) return 0;
  const region = template.regions.find(
    (r) =>
      r.country === parcel.destination.country &&
      (r.provinces === undefined || r.provinces.includes(parcel.destination.province)),
  );
  const firstFee = region?.firstFee ?? template.firstFee;
  const additionalFee = region?.additionalFee ?? template.additionalFee;
  const extraGrams = Math.max(0, parcel.weightGrams - template.firstWeightGrams);
  return firstFee + Math.ceil(extraGrams / template.additionalWeightGrams) * additionalFee;
}
