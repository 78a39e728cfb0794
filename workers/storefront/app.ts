/** The storefront's app: the public `/v1` API for shoppers. */
import { createApp } from "../../shared/platform/app";
import type { Clock } from "../../shared/platform/clock";
import { registerHealth } from "../../shared/platform/health";
import { switchGuard } from "../../shared/platform/switches/guard";
import { STOREFRONT_DESCRIPTION } from "./docs-intro";
import { registerAuthRoutes } from "./routes/auth";
import { registerCartRoutes } from "./routes/cart";
import { registerCatalogRoutes } from "./routes/catalog";
import { registerFlashSaleRoutes } from "./routes/flash-sales";
import { registerHomeRoutes } from "./routes/home";
import { registerImageRoutes } from "./routes/images";
import { registerMeRoutes } from "./routes/me";
import { registerOrderRoutes } from "./routes/orders";
import { registerPayOrderRoutes } from "./routes/pay-orders";
import { registerPromotionRoutes } from "./routes/promotions";
import { registerReceiptRoutes } from "./routes/receipt";
import { registerRecommendationRoutes } from "./routes/recommendations";
import { registerRefundRoutes } from "./routes/refunds";
import { registerReviewRoutes } from "./routes/reviews";
import { registerSeoRoutes } from "./routes/seo";

export type StorefrontBindings = StorefrontEnv;
export type StorefrontApp = ReturnType<typeof createApp<StorefrontBindings>>;

/** Builds the storefront app; tests pass their own clock. */
export function buildStorefrontApp(options: { clock?: Clock } = {}): StorefrontApp {
  const app = createApp<StorefrontBindings>({
    worker: "storefront",
    title: "Storefront API",
    description: STOREFRONT_DESCRIPTION,
    openapiPath: "/openapi.json",
    docsPath: "/docs",
    auth: true,
    idempotency: true,
    ...options,
  });
  registerHealth(app, "/v1/health");
  registerAuthRoutes(app);
  registerMeRoutes(app);
  registerImageRoutes(app);
  registerCatalogRoutes(app);
  registerHomeRoutes(app);
  registerSeoRoutes(app);
  registerReviewRoutes(app);
  registerRecommendationRoutes(app);
  registerCartRoutes(app);
  // Operators' `checkout` switch (503 feature_disabled while off), ahead of the routes it guards.
  app.on("POST", ["/v1/checkout/quote", "/v1/orders"], switchGuard<StorefrontBindings>("checkout"));
  registerOrderRoutes(app);
  registerFlashSaleRoutes(app);
  registerReceiptRoutes(app);
  registerPayOrderRoutes(app);
  registerPromotionRoutes(app);
  registerRefundRoutes(app);
  return app;
}
