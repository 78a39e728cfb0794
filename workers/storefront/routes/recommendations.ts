/** Recommendations beside a product: bought together, similar, for you (best sellers as the fallback). */
import { createRoute, z } from "@hono/zod-openapi";
import { exposeInBackground } from "../../../shared/discovery/experiments/serving";
import {
  recommendationsQuery,
  recommendationsSchema,
  servedRecommendations,
} from "../../../shared/discovery/recommendations";
import { orderStoreOf } from "../../../shared/orders/order-store";
import { dbOf } from "../../../shared/platform/db";
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
    "guest's `for_you` and while operators have the `recommendations` switch off. Without `kind`, a running " +
    "recommendations experiment decides by the caller's variant (a shopper by account, a guest by `X-Cart-Token`), " +
    "else `similar`.",
  request: {
    params: z.object({ productId: z.string().min(1).max(64).openapi({ example: DEMO_PRODUCT_ID }) }),
    query: recommendationsQuery,
    headers: z.object({
      "x-cart-token": z.string().max(200).optional().openapi({ description: "A guest's cart token (its A/B unit)" }),
    }),
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
    const db = requestDb(c);
    const { answer, assignment } = await servedRecommendations(
      db,
      orderStoreOf(c.env, c.var.clock),
      { productId: c.req.valid("param").productId, kind, limit, enabled: await isSwitchedOn(c, "recommendations") },
      { userId: c.var.caller?.userId, cartToken: c.req.valid("header")["x-cart-token"] },
    );
    if (assignment) {
      c.executionCtx.waitUntil(exposeInBackground(dbOf(c.env.DB), assignment, c.var.clock.now(), c.var.log));
    }
    return c.json({ ...answer, nextCursor: null }, 200);
  });
}
