/**
 * Example answers of the storefront's discovery operations (home pages, reviews, recommendations)
 * for its OpenAPI document, shaped from the demo catalog and typed by their schemas.
 */
import type { z } from "@hono/zod-openapi";
import type { homeViewSchema } from "../../shared/discovery/home";
import type { reviewListSchema } from "../../shared/reviews/reviews";
import { DEMO_PRODUCT_ID } from "./docs-intro";

const demoTshirt = {
  productId: DEMO_PRODUCT_ID,
  name: "经典圆领男士T恤",
  minPrice: { amount: 7900, currency: "CNY" as const },
  maxPrice: { amount: 8900, currency: "CNY" as const },
  inStock: true,
  image: "https://img.example.com/tshirt-1.jpg",
};

export const homeViewExample: z.output<typeof homeViewSchema> = {
  version: 3,
  modules: [
    {
      moduleId: "hmm_01KBX2M9Q8D4ZV6R7T3N5P1W0C",
      kind: "banner",
      title: "双十二",
      startsAt: "2026-12-12T00:00:00.000+08:00",
      endsAt: "2026-12-13T00:00:00.000+08:00",
      items: [{ image: "https://img.example.com/banner-1212.jpg", link: "/v1/products?q=T恤", alt: "T恤 5 折起" }],
    },
    {
      moduleId: "hmm_01KBX2M9Q8D4ZV6R7T3N5P1W0D",
      kind: "categories",
      title: "分类",
      startsAt: null,
      endsAt: null,
      items: [{ categoryId: 1003001, name: "男士T恤" }],
    },
    {
      moduleId: "hmm_01KBX2M9Q8D4ZV6R7T3N5P1W0E",
      kind: "products",
      title: "热销",
      startsAt: null,
      endsAt: null,
      items: [demoTshirt],
    },
  ],
};

export { demoTshirt as railItemExample };

export const reviewListExample: z.output<typeof reviewListSchema> = {
  rating: { average: 4.5, count: 2 },
  items: [
    {
      reviewId: "rvw_01KBX2M9Q8D4ZV6R7T3N5P1W0C",
      stars: 5,
      text: "面料舒服，尺码标准",
      images: [],
      reply: { text: "感谢支持！", createdAt: "2026-12-02T04:00:00.000Z" },
      createdAt: "2026-12-01T10:00:00.000Z",
    },
  ],
  nextCursor: null,
};
