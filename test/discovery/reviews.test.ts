/**
 * Reviews end to end: orders reach COMPLETED through the platform's own path (pay, ship, the
 * carrier's delivered callback, confirm-receipt); a shopper reviews each item once; the seller
 * answers, an operator hides; the rating follows into the product detail, the search document
 * (sort `rating`) and the product page's JSON-LD.
 */
import { afterEach, describe, expect, it } from "vitest";
import { newSeller, operatorToken } from "../helpers/catalog";
import { awaitingShipment, carrierReports, settleCarrier, ship, trackingNumber } from "../helpers/fulfillment";
import { call, json } from "../helpers/http";
import { newShopper } from "../helpers/orders";
import { eventually } from "../helpers/payments";
import { calm } from "../helpers/sandbox";

afterEach(async () => {
  await calm();
  await settleCarrier();
});

interface OrderItems {
  status: string;
  items: { orderItemId: string; productId: string }[];
}

type Awaiting = Awaited<ReturnType<typeof awaitingShipment>>;

async function itemOf(order: Awaiting) {
  const res = await json<OrderItems>(await call("GET", `/v1/orders/${order.orderId}`, { token: order.shopper.token }));
  const item = res.body.items[0];
  if (!item) throw new Error(`no item: ${JSON.stringify(res.body)}`);
  return item;
}

/** Ships, delivers (the carrier's callback) and confirms receipt: the order is COMPLETED through the API. */
async function complete(order: Awaiting) {
  const tn = trackingNumber();
  const shipped = await ship(order.seller.token, order.orderId, { carrier: "sf-express", trackingNumber: tn });
  expect(shipped.status, JSON.stringify(shipped.body)).toBe(200);
  await carrierReports("sf-express", tn, "delivered");
  await settleCarrier();
  const confirmed = await json<{ status: string }>(
    await call("POST", `/v1/orders/${order.orderId}/confirm-receipt`, { token: order.shopper.token }),
  );
  expect(confirmed.body.status, JSON.stringify(confirmed.body)).toBe("COMPLETED");
}

const review = (order: Awaiting, orderItemId: string, body: object, token = order.shopper.token) =>
  call("POST", `/v1/orders/${order.orderId}/items/${orderItemId}/review`, {
    token,
    body,
    headers: { "idempotency-key": crypto.randomUUID() },
  }).then(json<{ reviewId?: string; code?: string }>);

interface ReviewList {
  rating: { average: number; count: number };
  items: { reviewId: string; stars: number; text: string; reply: { text: string } | null }[];
}
const reviewsOf = (productId: string) => call("GET", `/v1/products/${productId}/reviews`).then(json<ReviewList>);
const detailRating = (productId: string) =>
  call("GET", `/v1/products/${productId}`).then(json<{ rating: { average: number; count: number } }>);

describe("reviews and ratings", () => {
  it("takes one review per item of a completed order, counted once under concurrent posts", async () => {
    const seller = await newSeller();
    const order = await awaitingShipment({ seller });
    const item = await itemOf(order);

    const early = await review(order, item.orderItemId, { stars: 5, text: "还没收到" });
    expect(early.body, JSON.stringify(early.body)).toMatchObject({ status: 409, code: "invalid_transition" });

    await complete(order);
    const stranger = await newShopper();
    const notMine = await review(order, item.orderItemId, { stars: 1, text: "不是我的" }, stranger.token);
    expect(notMine.status).toBe(404);
    const bad = await review(order, item.orderItemId, { stars: 6, text: "太好了" });
    expect(bad.body).toMatchObject({ status: 400, code: "validation_failed" });

    const results = await Promise.all(
      Array.from({ length: 6 }, (_, i) => review(order, item.orderItemId, { stars: 5, text: `好评 ${i}` })),
    );
    expect(results.filter((r) => r.status === 201)).toHaveLength(1);
    for (const r of results.filter((r) => r.status !== 201)) {
      expect(r.body, JSON.stringify(r.body)).toMatchObject({ status: 409, code: "already_reviewed" });
    }
    const list = await reviewsOf(item.productId);
    expect(list.body.rating).toEqual({ average: 5, count: 1 });
    expect(list.body.items).toHaveLength(1);
    const again = await review(order, item.orderItemId, { stars: 1, text: "改主意了" });
    expect(again.body).toMatchObject({ status: 409, code: "already_reviewed" });

    // The detail and its edge-cached copy follow once the catalog consumer re-indexed the product.
    await eventually(
      () => detailRating(item.productId),
      (r) => r.body.rating?.count === 1,
      "detail rating",
    );
    expect((await detailRating(item.productId)).body.rating).toEqual({ average: 5, count: 1 });
  });

  it("lets the seller answer, an operator hide, and ranks by rating in search and the product page", async () => {
    const seller = await newSeller();
    const good = await awaitingShipment({ seller });
    const poor = await awaitingShipment({ seller });
    const [goodItem, poorItem] = [await itemOf(good), await itemOf(poor)];
    await complete(good);
    await complete(poor);
    const goodReview = await review(good, goodItem.orderItemId, { stars: 5, text: "面料舒服" });
    const poorReview = await review(poor, poorItem.orderItemId, { stars: 1, text: "掉色严重" });
    expect([goodReview.status, poorReview.status]).toEqual([201, 201]);

    const reply = await json<{ reply: { text: string } | null }>(
      await call("POST", `/admin/v1/reviews/${poorReview.body.reviewId}/reply`, {
        token: seller.token,
        body: { text: "抱歉，已为您安排退换" },
      }),
    );
    expect(reply.status, JSON.stringify(reply.body)).toBe(200);
    expect(reply.body.reply?.text).toBe("抱歉，已为您安排退换");
    const otherSeller = await newSeller();
    const foreign = await call("POST", `/admin/v1/reviews/${poorReview.body.reviewId}/reply`, {
      token: otherSeller.token,
      body: { text: "不是我的店" },
    });
    expect(foreign.status).toBe(404);
    expect((await reviewsOf(poorItem.productId)).body.items[0]?.reply?.text).toBe("抱歉，已为您安排退换");

    // Search sorted by rating: 5 stars above the unrated products, 1 star below them.
    for (const id of [goodItem.productId, poorItem.productId]) {
      await eventually(
        () => detailRating(id),
        (r) => r.body.rating?.count === 1,
        `rating of ${id}`,
      );
    }
    const ranked = await json<{ items: { productId: string }[] }>(
      await call("GET", "/v1/products?categoryId=1003001&sort=rating&limit=100"),
    );
    const order = ranked.body.items.map((i) => i.productId);
    // Only the first test's product (also one 5-star review, an older id) may tie ahead of it.
    expect(order.indexOf(goodItem.productId)).toBeGreaterThanOrEqual(0);
    expect(order.indexOf(goodItem.productId)).toBeLessThanOrEqual(1);
    expect(order.indexOf(poorItem.productId)).toBe(order.length - 1);

    const page = await (await call("GET", `/p/${goodItem.productId}`)).text();
    const ld = JSON.parse(/<script type="application\/ld\+json">([\s\S]*?)<\/script>/.exec(page)?.[1] ?? "{}");
    expect(ld.aggregateRating).toMatchObject({ "@type": "AggregateRating", ratingValue: 5, reviewCount: 1 });
    expect(ld.review[0]).toMatchObject({ reviewBody: "面料舒服", reviewRating: { ratingValue: 5 } });

    // The page is cached; a seller's reply is on it from the moment the reply returns (its own key part).
    const cached = await call("GET", `/p/${goodItem.productId}`);
    expect(cached.headers.get("x-cache")).toBe("HIT");
    expect(await cached.text()).not.toContain("谢谢惠顾");
    const answered = await call("POST", `/admin/v1/reviews/${goodReview.body.reviewId}/reply`, {
      token: seller.token,
      body: { text: "谢谢惠顾" },
    });
    expect(answered.status).toBe(200);
    expect(await (await call("GET", `/p/${goodItem.productId}`)).text()).toContain("谢谢惠顾");

    // An operator hides the 1-star review: out of the list and the rating; hiding again changes nothing.
    const operator = await operatorToken();
    expect(
      (
        await call("POST", `/admin/v1/reviews/${poorReview.body.reviewId}/hide`, {
          token: seller.token,
          body: { reason: "x" },
        })
      ).status,
    ).toBe(403);
    for (let i = 0; i < 2; i++) {
      const hidden = await call("POST", `/admin/v1/reviews/${poorReview.body.reviewId}/hide`, {
        token: operator,
        body: { reason: "恶意差评" },
      });
      expect(hidden.status).toBe(200);
    }
    const after = await reviewsOf(poorItem.productId);
    expect(after.body).toMatchObject({ rating: { average: 0, count: 0 }, items: [] });
    await eventually(
      () => detailRating(poorItem.productId),
      (r) => r.body.rating?.count === 0,
      "rating after hide",
    );
  });
});
