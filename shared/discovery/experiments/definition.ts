/**
 * What an A/B experiment is (商品推荐: 商品的A/B测试如何设计): a name, a target (the platform home
 * page or the recommendations rail), weighted variants whose `config` says what each changes, and
 * the attribution window. The first variant is the control every other one is measured against.
 */
import { z } from "zod";
import { moneySchema } from "../../platform/money";
import { railSourceSchema } from "../home-modules";

export const EXPERIMENT_TARGETS = ["home", "recommendations"] as const;
export type ExperimentTarget = (typeof EXPERIMENT_TARGETS)[number];
/** What a recommendations variant serves when the rail is asked without an explicit `kind`. */
export const ALGORITHMS = ["bought_together", "similar", "for_you", "best_sellers"] as const;
export type Algorithm = (typeof ALGORITHMS)[number];

export const DEFAULT_WINDOW_HOURS = 168;

/**
 * A home variant changes (at most) one module of the platform's published page: hides it, retitles
 * it, or gives a product rail another source. `{}` is the page as published (a control).
 */
export const homeVariantConfig = z
  .strictObject({
    moduleId: z
      .string()
      .regex(/^hmm_[0-9A-Z]{26}$/)
      .optional()
      .describe("The published module this variant changes"),
    hide: z.boolean().optional().describe("Leave the module off the page"),
    title: z.string().trim().min(1).max(100).optional(),
    source: railSourceSchema.optional().describe("A product rail's items from this source instead"),
  })
  .refine((c) => c.moduleId !== undefined || (c.hide === undefined && c.title === undefined && !c.source), {
    message: "a change needs the moduleId it applies to",
    path: ["moduleId"],
  });
export type HomeVariantConfig = z.infer<typeof homeVariantConfig>;

export const recommendationsVariantConfig = z.strictObject({
  algorithm: z.enum(ALGORITHMS).describe("What the rail shows for this variant"),
});
export type RecommendationsVariantConfig = z.infer<typeof recommendationsVariantConfig>;

const variantName = z
  .string()
  .regex(/^[a-z0-9][a-z0-9_-]{0,31}$/)
  .describe("Lower-case letters, digits, `_` and `-`");
const weight = z.number().int().min(1).max(10_000).describe("Share of units, relative to the other weights");

function variantsOf<C extends z.ZodType>(config: C) {
  return z
    .array(z.strictObject({ name: variantName, weight, config }))
    .min(2)
    .max(10)
    .refine((vs) => new Set(vs.map((v) => v.name)).size === vs.length, { message: "variant names must be distinct" })
    .describe("The first variant is the control");
}

const common = {
  name: z.string().trim().min(1).max(100),
  unit: z.literal("user").default("user").describe("Shoppers by user id; guests by their cart token"),
  windowHours: z
    .number()
    .int()
    .min(1)
    .max(24 * 90)
    .default(DEFAULT_WINDOW_HOURS)
    .describe("Orders paid within this many hours of a unit's first exposure are its conversions"),
};

export const createExperimentBody = z.discriminatedUnion("target", [
  z.strictObject({ ...common, target: z.literal("home"), variants: variantsOf(homeVariantConfig) }),
  z.strictObject({
    ...common,
    target: z.literal("recommendations"),
    variants: variantsOf(recommendationsVariantConfig),
  }),
]);
export type CreateExperimentBody = z.infer<typeof createExperimentBody>;

/** A stored variant: a name, its weight and its target's config. */
export type Variant = { name: string; weight: number; config: HomeVariantConfig | RecommendationsVariantConfig };

export const experimentSchema = z.object({
  experimentId: z.string(),
  name: z.string(),
  target: z.enum(EXPERIMENT_TARGETS),
  unit: z.literal("user"),
  status: z.enum(["running", "stopped"]),
  windowHours: z.number().int(),
  variants: z.array(z.object({ name: z.string(), weight: z.number().int(), config: z.object({}).passthrough() })),
  createdAt: z.string(),
});
export type ExperimentView = z.infer<typeof experimentSchema>;

const rate = z.number().min(0).max(1);
export const experimentReportSchema = z.object({
  experimentId: z.string(),
  name: z.string(),
  status: z.enum(["running", "stopped"]),
  control: z.string().describe("The variant the others are measured against (the first)"),
  variants: z.array(
    z.object({
      name: z.string(),
      exposures: z.number().int().describe("Distinct units served this variant"),
      conversions: z.number().int().describe("Exposed units with at least one attributed paid order"),
      orders: z.number().int().describe("Attributed paid orders"),
      conversionRate: rate.describe("conversions / exposures (0 without exposures)"),
      gmv: z.array(moneySchema).describe("Attributed orders' totals, one entry per currency"),
      lift: z.number().nullable().describe("Relative to the control's rate; null for the control or a zero control"),
      z: z.number().nullable(),
      pValue: z.number().nullable().describe("Two-sided two-proportion z-test against the control"),
    }),
  ),
  best: z.string().nullable().describe("The treatment with the highest conversion rate (null before any exposure)"),
  lift: z.number().nullable().describe("The best treatment's lift"),
  pValue: z.number().nullable().describe("The best treatment's p-value"),
  significant: z.boolean().describe("pValue below 0.05"),
});
export type ExperimentReport = z.infer<typeof experimentReportSchema>;
