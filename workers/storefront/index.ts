/** Storefront Worker entry: wiring only. It also hosts the Durable Object classes. */
import { buildStorefrontApp } from "./app";

export { FlashSaleBucket } from "../../durable-objects/flash-sale-bucket";
export { FlashSaleCoordinator } from "../../durable-objects/flash-sale-coordinator";
export { OrderNumbers } from "../../durable-objects/order-numbers";
export { RateLimiter } from "../../durable-objects/rate-limiter";
export { SkuInventory } from "../../durable-objects/sku-inventory";

const app = buildStorefrontApp();

export default {
  fetch: (request, env, ctx) => app.fetch(request, env, ctx),
} satisfies ExportedHandler<StorefrontEnv>;
