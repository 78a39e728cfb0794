/**
 * Recommendations (商品推荐) for a product page and a shopper:
 * - bought_together: the products most often in the same paid orders (co-purchases.ts), on shelf;
 * - similar: same category (3), brand (2) and each shared attribute value (1), by the catalog's rail
 *   read model; one indexed scan of the product's category and brand;
 * - for_you: from the shopper's cart, newest purchases and recent views (for-you.ts), never a
 *   product they bought or hold in the cart; a bounded number of reads whatever the history.
 * Anything that comes up short is topped up with best sellers, which are also the whole answer
 * while the `recommendations` switch is off or for a guest's for_you (reason `best_seller`).
 */
import { z } from "zod";
import { type RailItem, railByIds, railByRule, railItemSchema, similarProducts } from "../catalog/rails";
import type { OrderStore } from "../orders/order-store";
import type { Db } from "../platform/db";
import { boughtTogetherIds } from "./co-purchases";
import type { Algorithm, RecommendationsVariantConfig } from "./experiments/definition";
import { type Assignment, assignmentOn } from "./experiments/serving";
import { forYou } from "./for-you";

export const RECOMMENDATION_KINDS = ["bought_together", "similar", "for_you"] as const;
export type RecommendationKind = (typeof RECOMMENDATION_KINDS)[number];
const REASONS = ["bought_together", "similar", "for_you", "best_seller"] as const;

export const recommendationsQuery = z.strictObject({
  kind: z
    .enum(RECOMMENDATION_KINDS)
    .optional()
    .describe("Omitted: the running recommendations experiment's variant decides, else `similar`"),
  limit: z.coerce.number().int().min(1).max(30).default(10),
});
export const recommendationsSchema = z.object({
  items: z.array(
    railItemSchema
      .pick({ productId: true, name: true, minPrice: true, image: true })
      .extend({ reason: z.enum(REASONS) }),
  ),
});
export type Recommendations = z.infer<typeof recommendationsSchema>;

const withReason = (items: RailItem[], reason: (typeof REASONS)[number]) =>
  items.map((i) => ({ productId: i.productId, name: i.name, minPrice: i.minPrice, image: i.image, reason }));

async function picks(
  db: Db,
  orders: OrderStore,
  input: { productId: string; kind: Algorithm; userId?: string; limit: number },
) {
  switch (input.kind) {
    case "best_sellers":
      return [];
    case "bought_together":
      return withReason(
        await railByIds(db, await boughtTogetherIds(db, input.productId, input.limit * 2)),
        "bought_together",
      );
    case "similar":
      return withReason(await similarProducts(db, input.productId, input.limit), "similar");
    case "for_you":
      return input.userId
        ? withReason(
            await forYou(db, orders, { userId: input.userId, limit: input.limit, exclude: [input.productId] }),
            "for_you",
          )
        : [];
  }
}

/** Recommendations next to `productId`: `limit` products on shelf, topped up with best sellers. */
export async function recommend(
  db: Db,
  orders: OrderStore,
  input: { productId: string; kind: Algorithm; userId?: string; limit: number; enabled: boolean },
): Promise<Recommendations> {
  const chosen = input.enabled ? await picks(db, orders, input) : [];
  const seen = new Set([input.productId]);
  const items = chosen.filter((i) => !seen.has(i.productId) && seen.add(i.productId)).slice(0, input.limit);
  if (items.length < input.limit) {
    const best = await railByRule(db, { rule: "best_sellers", limit: input.limit * 2 }, 0);
    for (const i of withReason(best, "best_seller")) {
      if (items.length >= input.limit) break;
      if (!seen.has(i.productId)) {
        seen.add(i.productId);
        items.push(i);
      }
    }
  }
  return { items };
}

/**
 * The rail as served to a caller: an explicit `kind` is answered as asked; without one, the
 * running recommendations experiment's variant picks the algorithm (answered with the assignment,
 * whose exposure the caller records), else `similar`.
 */
export async function servedRecommendations(
  db: Db,
  orders: OrderStore,
  input: { productId: string; kind?: RecommendationKind; limit: number; enabled: boolean },
  who: { userId?: string; cartToken?: string },
): Promise<{ answer: Recommendations; assignment: Assignment | null }> {
  const assignment = input.kind ? null : await assignmentOn(db, "recommendations", who);
  const kind = input.kind ?? (assignment?.variant.config as RecommendationsVariantConfig | undefined)?.algorithm;
  const answer = await recommend(db, orders, { ...input, kind: kind ?? "similar", userId: who.userId });
  return { answer, assignment };
}
