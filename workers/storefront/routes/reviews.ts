/** Reviews on the storefront: a product's reviews and rating, and a shopper reviewing an item they received. */
import { createRoute, z } from "@hono/zod-openapi";
import { orderStoreOf } from "../../../shared/orders/order-store";
import { orderIdParam } from "../../../shared/orders/orders";
import { callerOf, requireCaller } from "../../../shared/platform/caller";
import { dbOf } from "../../../shared/platform/db";
import { errorResponses, idempotencyHeaders, jsonBody, jsonResponse } from "../../../shared/platform/openapi";
import { requestDb } from "../../../shared/platform/request-db";
import {
  createReview,
  productReviews,
  reviewBody,
  reviewListQuery,
  reviewListSchema,
} from "../../../shared/reviews/reviews";
import type { StorefrontApp } from "../app";
import { reviewListExample } from "../discovery-examples";
import { DEMO_PRODUCT_ID } from "../docs-intro";

const secured = { security: [{ bearer: [] as string[] }] };

const routes = {
  list: createRoute({
    method: "get",
    path: "/v1/products/{productId}/reviews",
    tags: ["reviews"],
    summary: "A product's reviews, newest first, with its rating",
    description:
      "The product's visible reviews (an operator may hide one) with the seller's reply, and its rating: the average " +
      "of the visible reviews' stars (one decimal) and their count. No login needed.",
    request: {
      params: z.object({ productId: z.string().min(1).max(64).openapi({ example: DEMO_PRODUCT_ID }) }),
      query: reviewListQuery,
    },
    responses: {
      200: jsonResponse(reviewListSchema.openapi("ReviewList"), "Reviews", reviewListExample),
      ...errorResponses(400),
    },
  }),
  create: createRoute({
    ...secured,
    method: "post",
    path: "/v1/orders/{orderId}/items/{orderItemId}/review",
    tags: ["reviews"],
    middleware: [requireCaller()],
    summary: "Review an item of a completed order (once)",
    description:
      "1–5 stars and a text, with images uploaded through the image upload (at most 9). Only the order's shopper, " +
      "only once the order is COMPLETED (else 409 `invalid_transition`), and once per item: a second review is 409 " +
      "`already_reviewed`. The product's rating and its search document follow.",
    request: {
      params: orderIdParam.extend({
        orderItemId: z.string().min(1).max(64).openapi({ example: "oit_01KBX2M9Q8D4ZV6R7T3N5P1W0C" }),
      }),
      headers: idempotencyHeaders,
      body: jsonBody(reviewBody, { example: { stars: 5, text: "面料舒服，尺码标准" } }),
    },
    responses: {
      201: jsonResponse(z.object({ reviewId: z.string() }), "Reviewed", { reviewId: "rvw_01KBX2M9Q8D4ZV6R7T3N5P1W0C" }),
      ...errorResponses(400, 401, 404, 409, 422),
    },
  }),
};

export function registerReviewRoutes(app: StorefrontApp): void {
  app.openapi(routes.list, async (c) =>
    c.json(await productReviews(requestDb(c), c.req.valid("param").productId, c.req.valid("query")), 200),
  );
  app.openapi(routes.create, async (c) => {
    const { orderId, orderItemId } = c.req.valid("param");
    const created = await createReview(
      {
        db: dbOf(c.env.DB),
        orders: orderStoreOf(c.env, c.var.clock),
        clock: c.var.clock,
        producers: c.env,
        log: c.var.log,
      },
      { userId: callerOf(c).userId, orderId, orderItemId, body: c.req.valid("json") },
    );
    return c.json(created, 201);
  });
}
