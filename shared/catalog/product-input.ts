/**
 * The product JSON sellers submit: exactly the seed's shape (`categoryId`, `spu`, `basicAttributes`,
 * `skus` with `salesAttributes`, decimal `price`, `stock`), plus optional extensions (seller SKU
 * codes, other languages, logistics, images, currency). Checked against the category's template.
 */
import { z } from "zod";
import type { FieldError } from "../platform/errors";
import { type Currency, currencySchema, parseDecimal } from "../platform/money";
import { oneOf } from "../platform/validation";
import { imageUrlSchema } from "./images";
import type { AttributeTemplateEntry } from "./structure";

/** One attribute value as the seed writes it. */
export const attributeValue = z
  .object({
    attributeId: z.number().int().positive(),
    /** As in the seed; when given it must match the attribute's name. */
    attributeName: z.string().trim().min(1).max(100).optional(),
    value: z.string().trim().min(1, "is required").max(200),
  })
  .strict();
export type AttributeValueInput = z.infer<typeof attributeValue>;

const i18n = z.record(
  z.string().regex(/^[a-z]{2}(-[A-Z]{2})?$/, "must be a language tag like en or zh-TW"),
  z.string().trim().min(1).max(2000),
);

export const dimensionsSchema = z
  .object({
    length: z.number().int().positive(),
    width: z.number().int().positive(),
    height: z.number().int().positive(),
  })
  .strict();

/** A decimal price as written in the seed; converted to minor units once the currency is known. */
const decimalPrice = z.union([z.number(), z.string().max(32)]);

export const skuInput = z
  .object({
    skuName: z.string().trim().min(1, "is required").max(200),
    price: decimalPrice,
    stock: z.number().int().min(0).max(1_000_000_000).default(0),
    salesAttributes: z.array(attributeValue).max(20).default([]),
    sellerSkuCode: z.string().trim().min(1).max(64).optional(),
    weightGrams: z.number().int().positive().max(1_000_000).optional(),
    dimensionsMm: dimensionsSchema.optional(),
  })
  .strict();
export type SkuInput = z.infer<typeof skuInput>;

export const productInput = z
  .object({
    categoryId: z.number().int().positive(),
    spu: z
      .object({
        name: z.string().trim().min(1, "is required").max(200),
        brandId: z.number().int().positive().optional(),
        description: z.string().max(20_000).default(""),
        nameI18n: i18n.optional(),
        descriptionI18n: i18n.optional(),
      })
      .strict(),
    basicAttributes: z.array(attributeValue).max(50).default([]),
    skus: z.array(skuInput).min(1, "must list at least one SKU").max(200),
    images: z.array(imageUrlSchema).max(20).default([]),
    currency: currencySchema.optional().describe("Currency of the decimal prices; defaults to the shop's"),
  })
  .strict();
export type ProductInput = z.infer<typeof productInput>;

/** Checks attribute values against a template; `prefix` is where they sit in the body. */
export function checkAttributes(
  values: readonly AttributeValueInput[],
  template: readonly AttributeTemplateEntry[],
  kind: "basic" | "sales",
  prefix: string,
): FieldError[] {
  const errors: FieldError[] = [];
  const byId = new Map(template.map((t) => [t.attributeId, t]));
  const seen = new Set<number>();
  values.forEach((v, i) => {
    const field = `${prefix}.${i}`;
    const entry = byId.get(v.attributeId);
    if (!entry || entry.kind !== kind) {
      errors.push({
        field: `${field}.attributeId`,
        reason: `attribute ${v.attributeId} is not a ${kind} attribute of this category`,
      });
      return;
    }
    if (seen.has(v.attributeId))
      errors.push({ field: `${field}.attributeId`, reason: `attribute ${v.attributeId} is given twice` });
    seen.add(v.attributeId);
    if (v.attributeName !== undefined && v.attributeName !== entry.attributeName) {
      errors.push({
        field: `${field}.attributeName`,
        reason: `attribute ${v.attributeId} is named ${entry.attributeName}`,
      });
    }
    if (entry.allowedValues && !entry.allowedValues.includes(v.value)) {
      errors.push({ field: `${field}.value`, reason: oneOf(entry.allowedValues) });
    }
  });
  for (const entry of template) {
    if (entry.kind === kind && entry.required && !seen.has(entry.attributeId)) {
      errors.push({
        field: prefix,
        reason: `missing required ${kind} attribute ${entry.attributeId} (${entry.attributeName})`,
      });
    }
  }
  return errors;
}

/** The identity of a SKU's sales attributes, for duplicate detection: `201=黑色;202=L`. */
export function combinationKey(values: readonly AttributeValueInput[]): string {
  return [...values]
    .sort((a, b) => a.attributeId - b.attributeId)
    .map((v) => `${v.attributeId}=${v.value}`)
    .join(";");
}

/** Converts the SKUs' decimal prices to minor units, naming each malformed one. */
export function pricesInMinorUnits(skus: readonly { price: string | number }[], currency: Currency, prefix = "skus") {
  const errors: FieldError[] = [];
  const amounts = skus.map((sku, i) => {
    const parsed = parseDecimal(sku.price, currency);
    if (!parsed.ok) errors.push({ field: `${prefix}.${i}.price`, reason: parsed.reason });
    else if (parsed.value <= 0) errors.push({ field: `${prefix}.${i}.price`, reason: "must be greater than zero" });
    return parsed.ok ? parsed.value : 0;
  });
  return { amounts, errors };
}

/** Every template problem of a whole product: attributes, SKU combinations, prices, codes. */
export function checkProduct(input: ProductInput, template: readonly AttributeTemplateEntry[], currency: Currency) {
  const errors = checkAttributes(input.basicAttributes, template, "basic", "basicAttributes");
  const combos = new Map<string, number>();
  const codes = new Map<string, number>();
  input.skus.forEach((sku, i) => {
    errors.push(...checkAttributes(sku.salesAttributes, template, "sales", `skus.${i}.salesAttributes`));
    const key = combinationKey(sku.salesAttributes);
    const earlier = combos.get(key);
    if (earlier !== undefined)
      errors.push({ field: `skus.${i}.salesAttributes`, reason: `same sales attributes as skus.${earlier}` });
    else combos.set(key, i);
    if (sku.sellerSkuCode) {
      const before = codes.get(sku.sellerSkuCode);
      if (before !== undefined)
        errors.push({ field: `skus.${i}.sellerSkuCode`, reason: `same code as skus.${before}` });
      else codes.set(sku.sellerSkuCode, i);
    }
  });
  const prices = pricesInMinorUnits(input.skus, currency);
  errors.push(...prices.errors);
  return { errors, amounts: prices.amounts };
}
