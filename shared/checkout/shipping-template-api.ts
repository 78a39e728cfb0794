/**
 * The shipping template as the admin API takes and answers it. Fees are money like everywhere
 * else in the API (`{amount, currency}` in minor units): `firstWeightFee`, `additionalWeightFee`
 * and `freeShippingFrom`, beside each region's `firstWeightFee` and `additionalWeightFee`. The
 * bare-integer fields the template had first (`firstFee`, `additionalFee`, `freeThreshold`) are
 * still taken and answered, marked deprecated: a body gives each fee in one of the two forms.
 * Every fee is in the template's `currency` (a fee in another is refused, naming the field), and
 * at most MAX_FEE_MAJOR_UNITS major units of it (checked on save, naming the field as given).
 */
import { z } from "zod";
import { type Currency, currencySchema, DEFAULT_CURRENCY, formatDecimal, type Money } from "../platform/money";
import { maxFeeMinor, type ShippingTemplate, type ShippingTemplateInput } from "./shipping";

// The static bound is the cap of the currency with the most minor units (3 decimals); the
// per-currency cap is the body's refinement below.
const minor = z.number().int().min(0).max(100_000_000);
const grams = z.number().int().min(1).max(1_000_000);
const fee = z
  .object({
    amount: minor.describe("Minor units, at most 100,000 major units of the currency"),
    currency: currencySchema,
  })
  .strict();

const deprecatedMinor = (instead: string) =>
  minor.meta({ deprecated: true, description: `Deprecated: bare minor units of \`currency\`; send \`${instead}\`` });

const regionBody = z
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
    firstWeightFee: fee.optional().describe("This region's fee for the first weight"),
    additionalWeightFee: fee.optional().describe("This region's fee per further weight step"),
    firstFee: deprecatedMinor("firstWeightFee").optional(),
    additionalFee: deprecatedMinor("additionalWeightFee").optional(),
  })
  .strict();

/** The pairs of fields that give one fee: the money field, and the deprecated bare one. */
const FEES = [
  ["firstWeightFee", "firstFee"],
  ["additionalWeightFee", "additionalFee"],
] as const;

const templateBodyFields = z
  .object({
    currency: currencySchema
      .optional()
      .describe("The template's currency; defaults to the fees' currency, else CNY. Every fee must be in it"),
    firstWeightGrams: grams.describe("Weight covered by the first fee"),
    firstWeightFee: fee.optional().describe("Fee for the first weight"),
    additionalWeightGrams: grams.describe(
      "Each further step of this weight (at least 1 g, rounded up) costs additionalWeightFee",
    ),
    additionalWeightFee: fee.optional().describe("Fee per further weight step"),
    freeShippingFrom: fee
      .nullable()
      .optional()
      .describe("Free shipping when the seller's goods (after discounts) reach this; null or omitted: never free"),
    firstFee: deprecatedMinor("firstWeightFee").optional(),
    additionalFee: deprecatedMinor("additionalWeightFee").optional(),
    freeThreshold: minor
      .nullable()
      .optional()
      .meta({ deprecated: true, description: "Deprecated: bare minor units of `currency`; send `freeShippingFrom`" }),
    regions: z.array(regionBody).max(100).default([]).describe("First match wins; otherwise the base fees apply"),
  })
  .strict();
type TemplateBodyFields = z.output<typeof templateBodyFields>;

/** The currency a body's fees are in: `currency` when given, else the first money fee's, else CNY. */
function currencyOf(body: TemplateBodyFields): Currency {
  const moneyFees = [
    body.firstWeightFee,
    body.additionalWeightFee,
    body.freeShippingFrom,
    ...body.regions.flatMap((r) => [r.firstWeightFee, r.additionalWeightFee]),
  ];
  return body.currency ?? moneyFees.find((m) => m)?.currency ?? DEFAULT_CURRENCY;
}

type FeeOwner = Partial<Record<(typeof FEES)[number][number], number | Money>>;

/** The body of PUT /admin/v1/shipping-template: each fee given once, in `currency`, within its cap. */
export const shippingTemplateBody = templateBodyFields.superRefine((t, ctx) => {
  const currency = currencyOf(t);
  const cap = maxFeeMinor(currency);
  const tooHigh = `must be at most ${cap} (${formatDecimal(cap, currency)} ${currency}) in minor units`;
  const check = (given: number | Money | null | undefined, path: (string | number)[]) => {
    if (given === undefined || given === null) return;
    if (typeof given !== "number" && given.currency !== currency) {
      ctx.addIssue({
        code: "custom",
        path: [...path, "currency"],
        message: `must be ${currency}, the template's currency`,
      });
    }
    const amount = typeof given === "number" ? given : given.amount;
    if (amount > cap)
      ctx.addIssue({ code: "custom", path: typeof given === "number" ? path : [...path, "amount"], message: tooHigh });
  };
  const eachFee = (owner: FeeOwner, prefix: (string | number)[]) => {
    for (const [money, bare] of FEES) {
      if (owner[money] !== undefined && owner[bare] !== undefined) {
        ctx.addIssue({ code: "custom", path: [...prefix, bare], message: `give ${money} or ${bare}, not both` });
      }
      check(owner[money], [...prefix, money]);
      check(owner[bare], [...prefix, bare]);
    }
  };
  eachFee(t, []);
  for (const [money, bare] of FEES) {
    if (t[money] === undefined && t[bare] === undefined) {
      ctx.addIssue({
        code: "custom",
        path: [money],
        message: `is required (expected {amount, currency}; or the deprecated ${bare})`,
      });
    }
  }
  if (t.freeShippingFrom !== undefined && t.freeThreshold !== undefined) {
    ctx.addIssue({
      code: "custom",
      path: ["freeThreshold"],
      message: "give freeShippingFrom or freeThreshold, not both",
    });
  }
  check(t.freeShippingFrom, ["freeShippingFrom"]);
  check(t.freeThreshold, ["freeThreshold"]);
  // A region without its own fee for a step charges the base fee for it.
  t.regions.forEach((r, i) => {
    eachFee(r, ["regions", i]);
  });
});
export type ShippingTemplateBody = z.input<typeof shippingTemplateBody>;

const amountOf = (given: number | Money | undefined, fallback: number) =>
  given === undefined ? fallback : typeof given === "number" ? given : given.amount;

/** The checked body as the template's own fields (minor units of one currency). */
export function templateInputOf(body: z.output<typeof shippingTemplateBody>): ShippingTemplateInput {
  const firstFee = amountOf(body.firstWeightFee ?? body.firstFee, 0);
  const additionalFee = amountOf(body.additionalWeightFee ?? body.additionalFee, 0);
  const free = body.freeShippingFrom !== undefined ? body.freeShippingFrom : body.freeThreshold;
  return {
    currency: currencyOf(body),
    firstWeightGrams: body.firstWeightGrams,
    firstFee,
    additionalWeightGrams: body.additionalWeightGrams,
    additionalFee,
    freeThreshold: free === undefined || free === null ? null : amountOf(free, 0),
    regions: body.regions.map((r) => ({
      country: r.country,
      ...(r.provinces ? { provinces: r.provinces } : {}),
      firstFee: amountOf(r.firstWeightFee ?? r.firstFee, firstFee),
      additionalFee: amountOf(r.additionalWeightFee ?? r.additionalFee, additionalFee),
    })),
  };
}

const deprecatedAnswer = (instead: string) =>
  z
    .number()
    .int()
    .meta({ deprecated: true, description: `Deprecated: \`${instead}.amount\` (minor units of \`currency\`)` });

/** The template as the admin API answers it: money fees, with the deprecated bare amounts beside them. */
export const shippingTemplateView = z.object({
  shopId: z.string(),
  currency: currencySchema,
  firstWeightGrams: z.number().int(),
  firstWeightFee: fee,
  additionalWeightGrams: z.number().int(),
  additionalWeightFee: fee,
  freeShippingFrom: fee.nullable(),
  firstFee: deprecatedAnswer("firstWeightFee"),
  additionalFee: deprecatedAnswer("additionalWeightFee"),
  freeThreshold: z
    .number()
    .int()
    .nullable()
    .meta({ deprecated: true, description: "Deprecated: `freeShippingFrom.amount` (minor units of `currency`)" }),
  regions: z.array(
    z.object({
      country: z.string(),
      provinces: z.array(z.string()).optional(),
      firstWeightFee: fee,
      additionalWeightFee: fee,
      firstFee: deprecatedAnswer("firstWeightFee"),
      additionalFee: deprecatedAnswer("additionalWeightFee"),
    }),
  ),
  isDefault: z.boolean().describe("True when the shop has no template of its own and the platform default applies"),
  version: z.number().int(),
});
export type ShippingTemplateView = z.infer<typeof shippingTemplateView>;

/** The admin API's view of a template. */
export function viewOfTemplate(t: ShippingTemplate): ShippingTemplateView {
  const money = (amount: number): Money => ({ amount, currency: t.currency });
  return {
    shopId: t.shopId,
    currency: t.currency,
    firstWeightGrams: t.firstWeightGrams,
    firstWeightFee: money(t.firstFee),
    additionalWeightGrams: t.additionalWeightGrams,
    additionalWeightFee: money(t.additionalFee),
    freeShippingFrom: t.freeThreshold === null ? null : money(t.freeThreshold),
    firstFee: t.firstFee,
    additionalFee: t.additionalFee,
    freeThreshold: t.freeThreshold,
    regions: t.regions.map((r) => ({
      country: r.country,
      ...(r.provinces ? { provinces: r.provinces } : {}),
      firstWeightFee: money(r.firstFee),
      additionalWeightFee: money(r.additionalFee),
      firstFee: r.firstFee,
      additionalFee: r.additionalFee,
    })),
    isDefault: t.isDefault,
    version: t.version,
  };
}
