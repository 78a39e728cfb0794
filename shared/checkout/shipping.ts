/**
 * Sellers' shipping templates (运费模板) and the fee they give a parcel: a fee for the first
 * weight step, a fee per additional step (rounded up), regional overrides by country and
 * province, and free shipping when the seller's part of the checkout (after discounts) reaches
 * the threshold. Goods in a currency the shop has no template for ship under the platform's
 * template for that currency (PLATFORM_TEMPLATES).
 *
 * Checked on save, so no shopper's checkout is the first to find a bad template: each fee is at
 * most MAX_FEE_MAJOR_UNITS major units of the template's currency (a field error naming the fee),
 * and a shop that sells in some currencies may only save a template in one of them
 * (`shipping_currency_mismatch`). The checkout-time currency check stays as the backstop.
 */
import { eq, inArray, sql } from "drizzle-orm";
import { z } from "zod";
import { shippingTemplates } from "../../db/schema";
import { shopPriceCurrencies } from "../catalog/shop-currencies";
import { type BatchRead, batchRead, inKeys, type KeySet } from "../platform/d1-chunks";
import type { Db } from "../platform/db";
import { AppError } from "../platform/errors";
import { CURRENCY_EXPONENTS, type Currency, currencySchema, DEFAULT_CURRENCY } from "../platform/money";

/**
 * The largest fee a template may charge, in major units of its currency (100,000.00 CNY or USD,
 * 100,000 JPY, 100,000.000 BHD): far above any real parcel's fee, so a fee beyond it is a typo
 * (major units entered as minor, extra zeros), refused on save.
 */
export const MAX_FEE_MAJOR_UNITS = 100_000;

/** MAX_FEE_MAJOR_UNITS in minor units of `currency` (10,000,000 for CNY, 100,000 for JPY). */
export function maxFeeMinor(currency: Currency): number {
  return MAX_FEE_MAJOR_UNITS * 10 ** CURRENCY_EXPONENTS[currency];
}

const minor = z.number().int().min(0).max(100_000_000);
const grams = z.number().int().min(1).max(1_000_000);

/**
 * A template's own fields, fees in minor units of `currency`: what is stored and priced with. The
 * admin API takes and answers them as money (shipping-template-api.ts), which checks each fee.
 */
const shippingTemplateFields = z.object({
  currency: currencySchema,
  firstWeightGrams: grams,
  firstFee: minor,
  additionalWeightGrams: grams,
  additionalFee: minor,
  freeThreshold: minor.nullable(),
  regions: z.array(
    z.object({
      country: z.string(),
      provinces: z.array(z.string()).optional(),
      firstFee: minor,
      additionalFee: minor,
    }),
  ),
});
/** A template as saved: its fields, checked by the admin API's body. */
export type ShippingTemplateInput = z.output<typeof shippingTemplateFields>;

export const shippingTemplateSchema = shippingTemplateFields.extend({
  shopId: z.string(),
  isDefault: z.boolean().describe("True when the shop has no template of its own and the platform default applies"),
  version: z.number().int(),
});
export type ShippingTemplate = z.infer<typeof shippingTemplateSchema>;

type PlatformTemplate = Omit<ShippingTemplate, "shopId">;

function platform(
  currency: Currency,
  firstFee: number,
  additionalFee: number,
  freeThreshold: number | null,
): PlatformTemplate {
  return {
    currency,
    firstWeightGrams: 1000,
    firstFee,
    additionalWeightGrams: 1000,
    additionalFee,
    freeThreshold,
    regions: [],
    isDefault: true,
    version: 0,
  };
}

/**
 * The platform's templates, one per accepted currency (the one place they are configured): goods
 * in a currency for which the shop has no template of its own ship under these. Per kg: a first
 * fee, a fee per further kg, free from a threshold (minor units). Typed over every `Currency`, so
 * a currency cannot be accepted without one.
 */
export const PLATFORM_TEMPLATES: Record<Currency, PlatformTemplate> = {
  CNY: platform("CNY", 1000, 500, 9900), // ¥10, ¥5, free from ¥99
  USD: platform("USD", 800, 300, 5000), // $8, $3, free from $50
  EUR: platform("EUR", 700, 300, 5000),
  GBP: platform("GBP", 600, 250, 4000),
  HKD: platform("HKD", 6000, 2500, 40000),
  SGD: platform("SGD", 1000, 400, 6000),
  AUD: platform("AUD", 1200, 500, 8000),
  CAD: platform("CAD", 1100, 400, 7000),
  JPY: platform("JPY", 800, 300, 5000),
  KRW: platform("KRW", 8000, 3000, 50000),
  BHD: platform("BHD", 3000, 1000, 20000),
  KWD: platform("KWD", 2500, 1000, 15000),
};

/** The platform's template for shops without one, in the default currency. */
export const DEFAULT_TEMPLATE: PlatformTemplate = PLATFORM_TEMPLATES[DEFAULT_CURRENCY];

/**
 * The template a shop's goods in `currency` ship under: the shop's own when it is in that
 * currency, otherwise the platform's for that currency (so no currency the catalog accepts is
 * left without shipping).
 */
export function templateForCurrency(own: ShippingTemplate, currency: Currency): ShippingTemplate {
  return own.currency === currency ? own : { ...PLATFORM_TEMPLATES[currency], shopId: own.shopId };
}

type Row = typeof shippingTemplates.$inferSelect;

function shippingTemplateOfRow(shopId: string, row: Row | undefined): ShippingTemplate {
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

export async function shippingTemplateOf(db: Db, shopId: string): Promise<ShippingTemplate> {
  return shippingTemplateOfRow(
    shopId,
    await db.query.shippingTemplates.findFirst({ where: eq(shippingTemplates.shopId, shopId) }),
  );
}

/**
 * The templates of the shops in `shops`, as a read for the caller's batch: it answers each
 * shop's template (the platform default for a shop without one).
 */
export function shippingTemplatesRead(db: Db, shops: KeySet): BatchRead<(shopId: string) => ShippingTemplate> {
  return batchRead(
    [inKeys(shops, (set) => db.select().from(shippingTemplates).where(inArray(shippingTemplates.shopId, set)))],
    ([rows]) =>
      (shopId) =>
        shippingTemplateOfRow(
          shopId,
          rows.find((t) => t.shopId === shopId),
        ),
  );
}

/**
 * Refuses a template in a currency the shop does not sell in: once the shop has priced goods
 * (any product not deleted), the template's currency must be one of their price currencies; a
 * shop with none yet may save any accepted currency.
 */
async function assertShopSellsIn(db: Db, shopId: string, currency: Currency): Promise<void> {
  const sells = await shopPriceCurrencies(db, shopId);
  if (sells.length === 0 || sells.includes(currency)) return;
  throw new AppError("shipping_currency_mismatch", {
    detail: `Shop ${shopId} sells in ${sells.join(", ")}; a shipping template in ${currency} would apply to none of its goods`,
    extensions: { shopId, templateCurrency: currency, shopCurrencies: sells },
  });
}

/** Replaces the shop's template (a new version), once its currency is one the shop sells in. */
export async function putShippingTemplate(
  db: Db,
  shopId: string,
  input: ShippingTemplateInput,
  now: number,
): Promise<ShippingTemplate> {
  await assertShopSellsIn(db, shopId, input.currency);
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
  return shippingTemplateOf(db, shopId);
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
    throw new AppError("shipping_currency_mismatch", {
      detail: `Shop ${template.shopId}'s shipping template is in ${template.currency}, its goods in ${parcel.currency}`,
      extensions: { shopId: template.shopId, templateCurrency: template.currency, goodsCurrency: parcel.currency },
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
