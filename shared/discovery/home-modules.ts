/**
 * The home page's modules (首页运营): what operators and sellers compose, as zod schemas, and the
 * schedule arithmetic. A module is a banner strip, category shortcuts, a product rail (hand-picked
 * product ids, or a rule: best sellers, new arrivals, on promotion, optionally within a category)
 * a flash-sale slot, or the shopper's own "for you" rail. Each may carry a window (`startsAt` inclusive, `endsAt` exclusive).
 */
import { z } from "zod";
import { newId } from "../platform/ids";

export const RAIL_RULES = ["best_sellers", "new_arrivals", "on_promotion"] as const;
export type RailRule = (typeof RAIL_RULES)[number];
export const MODULE_KINDS = ["banner", "categories", "products", "flash_sale", "for_you"] as const;
/** Items a rule rail shows unless it names its own limit. */
export const DEFAULT_RAIL_SIZE = 12;
export const MAX_MODULES = 30;

const instant = z.iso.datetime({ offset: true });
const common = {
  moduleId: z
    .string()
    .regex(/^hmm_[0-9A-Z]{26}$/)
    .optional()
    .describe("Keep a module's id across edits; a new module gets one"),
  title: z.string().trim().min(1).max(100),
  startsAt: instant.optional().describe("Shown from this instant (inclusive)"),
  endsAt: instant.optional().describe("Hidden from this instant on"),
};

const bannerModule = z.strictObject({
  ...common,
  kind: z.literal("banner"),
  banners: z
    .array(
      z.strictObject({
        image: z.string().url().max(2048),
        link: z.string().min(1).max(2048),
        alt: z.string().max(200).optional(),
      }),
    )
    .min(1)
    .max(10),
});

const categoriesModule = z.strictObject({
  ...common,
  kind: z.literal("categories"),
  categoryIds: z.array(z.number().int().positive()).min(1).max(30),
});

const productIdsSource = z.strictObject({ productIds: z.array(z.string().min(1).max(64)).min(1).max(50) });
const ruleSource = z.strictObject({
  rule: z.enum(RAIL_RULES),
  categoryId: z.number().int().positive().optional().describe("Only this category's subtree"),
  limit: z.number().int().min(1).max(50).optional().describe(`Items shown (default ${DEFAULT_RAIL_SIZE})`),
});
/** What a product rail shows: hand-picked products or a rule. */
export const railSourceSchema = z.union([productIdsSource, ruleSource]);
export type RailSource = z.infer<typeof railSourceSchema>;

const productsModule = z.strictObject({
  ...common,
  kind: z.literal("products"),
  source: railSourceSchema,
});

/**
 * A flash-sale slot: the named campaigns, or (without `campaignIds`) every campaign open now or
 * soon, of the page's shop on a shop page (flash-sale-slot.ts resolves it).
 */
const flashSaleModule = z.strictObject({
  ...common,
  kind: z.literal("flash_sale"),
  campaignIds: z.array(z.string().min(1).max(64)).max(20).optional(),
});

/**
 * The shopper's own picks (for-you.ts). The cached page carries best sellers in it, which is what
 * guests get (and everyone while the recommendations switch is off); a signed-in shopper's answer
 * has it refilled with their picks after the cache.
 */
const forYouModule = z.strictObject({
  ...common,
  kind: z.literal("for_you"),
  limit: z.number().int().min(1).max(30).optional().describe(`Items shown (default ${DEFAULT_RAIL_SIZE})`),
});

export const homeModuleInput = z
  .discriminatedUnion("kind", [bannerModule, categoriesModule, productsModule, flashSaleModule, forYouModule])
  .refine((m) => !m.startsAt || !m.endsAt || Date.parse(m.startsAt) < Date.parse(m.endsAt), {
    message: "endsAt must be after startsAt",
    path: ["endsAt"],
  });
export type HomeModuleInput = z.infer<typeof homeModuleInput>;
/** A stored module: as composed, with its id. */
export type HomeModule = HomeModuleInput & { moduleId: string };

export const homeDraftBody = z.strictObject({
  modules: z.array(homeModuleInput).max(MAX_MODULES),
  version: z.number().int().positive().optional().describe("The draft version you edited; a stale one is 409"),
});
export type HomeDraftBody = z.infer<typeof homeDraftBody>;

/** Gives each new module an id; kept ids stay. */
export function withModuleIds(modules: HomeModuleInput[], now: number): HomeModule[] {
  return modules.map((m) => ({ ...m, moduleId: m.moduleId ?? newId("homeModule", now) }));
}

/** Whether `module` is on the page at `now`. */
export function isLive(module: HomeModuleInput, now: number): boolean {
  return (
    (!module.startsAt || Date.parse(module.startsAt) <= now) && (!module.endsAt || now < Date.parse(module.endsAt))
  );
}

/** Every instant at which some module appears or disappears, sorted and distinct. */
export function scheduleBoundaries(modules: HomeModuleInput[]): number[] {
  const instants = modules.flatMap((m) => [m.startsAt, m.endsAt].filter((t) => t !== undefined).map(Date.parse));
  return [...new Set(instants)].sort((a, b) => a - b);
}

/**
 * How many boundaries have passed at `now`: the page's content only changes when this does, so
 * it is part of the cache key (a cached page never outlives a module's start or end).
 */
export function passedBoundaries(boundaries: number[], now: number): number {
  let passed = 0;
  for (const t of boundaries) if (t <= now) passed += 1;
  return passed;
}
