/** Review moderation: the shop's seller answers, an operator hides. */
import { createRoute, z } from "@hono/zod-openapi";
import { actorOf, actorText } from "../../../shared/platform/actor";
import { callerOf, requireRole, requireScope } from "../../../shared/platform/caller";
import { dbOf } from "../../../shared/platform/db";
import { errorResponses, jsonBody, jsonResponse } from "../../../shared/platform/openapi";
import { ownShopOf } from "../../../shared/platform/shop-access";
import { hideBody, hideReview, replyBody, replyToReview, reviewSchema } from "../../../shared/reviews/reviews";
import type { AdminApp } from "../app";

const secured = { security: [{ bearer: [] as string[] }] };
const reviewIdParam = z.object({
  reviewId: z.string().min(1).max(64).openapi({ example: "rvw_01KBX2M9Q8D4ZV6R7T3N5P1W0C" }),
});

const routes = {
  reply: createRoute({
    ...secured,
    tags: ["reviews"],
    middleware: [requireRole("seller"), requireScope("catalog:write")],
    method: "post",
    path: "/admin/v1/reviews/{reviewId}/reply",
    summary: "Answer a review of one of the shop's products",
    description:
      "The shop's seller answers a review; the answer shows under it on the storefront. Answering again replaces " +
      "the answer. Another shop's review is 404.",
    request: { params: reviewIdParam, body: jsonBody(replyBody, { example: { text: "感谢支持！" } }) },
    responses: {
      200: jsonResponse(reviewSchema, "The review with its answer", {
        reviewId: "rvw_01KBX2M9Q8D4ZV6R7T3N5P1W0C",
        stars: 5,
        text: "面料舒服，尺码标准",
        images: [],
        reply: { text: "感谢支持！", createdAt: "2026-12-02T04:00:00.000Z" },
        createdAt: "2026-12-01T10:00:00.000Z",
      }),
      ...errorResponses(400, 401, 403, 404),
    },
  }),
  hide: createRoute({
    ...secured,
    tags: ["reviews"],
    middleware: [requireRole("operator")],
    method: "post",
    path: "/admin/v1/reviews/{reviewId}/hide",
    summary: "Hide a review (operators)",
    description:
      "Takes the review off the storefront and out of the product's rating (the search document follows). Hiding a " +
      "hidden review changes nothing.",
    request: { params: reviewIdParam, body: jsonBody(hideBody, { example: { reason: "广告内容" } }) },
    responses: {
      200: jsonResponse(z.object({ reviewId: z.string(), hidden: z.literal(true), hiddenAt: z.string() }), "Hidden", {
        reviewId: "rvw_01KBX2M9Q8D4ZV6R7T3N5P1W0C",
        hidden: true,
        hiddenAt: "2026-12-02T04:10:00.000Z",
      }),
      ...errorResponses(400, 401, 403, 404),
    },
  }),
};

export function registerReviewModerationRoutes(app: AdminApp): void {
  app.openapi(routes.reply, async (c) => {
    const shopId = ownShopOf(callerOf(c), "Only a shop's seller answers its reviews");
    const review = await replyToReview(dbOf(c.env.DB), {
      reviewId: c.req.valid("param").reviewId,
      shopId,
      text: c.req.valid("json").text,
      now: c.var.clock.now(),
    });
    return c.json(review, 200);
  });
  app.openapi(routes.hide, async (c) => {
    const hidden = await hideReview(
      { db: dbOf(c.env.DB), clock: c.var.clock, producers: c.env, log: c.var.log },
      {
        reviewId: c.req.valid("param").reviewId,
        actor: actorText(actorOf(callerOf(c))),
        reason: c.req.valid("json").reason,
      },
    );
    return c.json(hidden, 200);
  });
}
