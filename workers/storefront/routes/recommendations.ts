/** Recommendations beside a product: bought together, similar, for you (best sellers as the fallback). */
import { createRoute, z } from "@hono/zod-openapi";
import { recommend, recommendationsQuery, recommendationsSchema } from "../../../shared/discovery/recommendations";
import { errorResponses, jsonResponse } from "../../../shared/platform/openapi";
import { requestDb } from "../../../shared/platform/request-db";
import { isSwitchedOn } from "../../../shared/platform/switches/guard";
import type { StorefrontApp } from "../app";
import { railItemExample } from "../discovery-examples";
import { DEMO_PRODUCT_ID } from "../docs-intro";

const recommendationsPage = recommendationsSchema.extend({ nextCursor: z.null() });

const route = createRoute({
  method: "get",
  path: "/v1/products/{productId}/recommendations",
  tags: ["discovery"],
  summary: "Products to show beside this one: bought together, similar, or for the signed-in shopper",
  description:
    "`bought_together`: most often in the same paid orders (counted as orders are paid); `similar`: same category, " +
    "brand and attribute values; `for_you`: from the signed-in shopper's own purchases. Only products on shelf. " +
    "Whatever comes up short is filled with best sellers (`reason: best_seller`), which are the whole answer for a " +
    "guest's `for_you` and while operators have the `recommendations` switch off.",
  request: {
    params: z.object({ productId: z.string().min(1).max(64).openapi({ example: DEMO_PRODUCT_ID }) }),
    query: recommendationsQuery,
  },
  responses: {
    // At most `limit` picks, one page; nextCursor (always null) keeps the shape every list has.
    200: jsonResponse(recommendationsPage.openapi("Recommendations"), "Recommendations", {
      nextCursor: null,
      items: [
        {
          productId: railItemExample.productId,
          name: railItemExample.name,
          minPrice: railItemExample.minPrice,
          image: railItemExample.image,
          reason: "bought_together",
        },
      ],
    }),
    ...errorResponses(400),
  },
});

export function registerRecommendationRoutes(app: StorefrontApp): void {
  app.openapi(route, async (c) => {
    const { kind, limit } = c.req.valid("query");
    const answer = await recommend(requestDb(c), {
      productId: c.req.valid("param").productId,
      kind,
      limit,
      userId: c.var.caller?.userId,
      enabled: await isSwitchedOn(c, "recommendations"),
    });
    return c.json({ ...answer, nextCursor: null }, 200);
  });
}
