/** The admin app: `/admin/v1` for sellers (their own shop) and operators. */
import { createApp } from "../../shared/platform/app";
import { callerOf } from "../../shared/platform/caller";
import type { Clock } from "../../shared/platform/clock";
import { dbOf } from "../../shared/platform/db";
import { AppError } from "../../shared/platform/errors";
import { registerHealth } from "../../shared/platform/health";
import { callerForApiKey } from "../../shared/users/api-keys";
import { registerConsole } from "./console/console";
import { CONSOLE_PAGES } from "./console/pages/index";
import { ADMIN_DESCRIPTION } from "./docs-intro";
import { registerApiKeyRoutes } from "./routes/api-keys";
import { registerBulkJobRoutes } from "./routes/bulk-jobs";
import { registerCatalogStructureRoutes } from "./routes/catalog-structure";
import { registerDeadLetterRoutes } from "./routes/dead-letters";
import { registerEventCanaryRoutes } from "./routes/event-canaries";
import { registerExperimentRoutes } from "./routes/experiments";
import { registerFeedRoutes } from "./routes/feeds";
import { registerFlashSaleRoutes } from "./routes/flash-sales";
import { registerHistoryRoutes } from "./routes/history";
import { registerHomeRoutes } from "./routes/home";
import { registerImageRoutes } from "./routes/images";
import { registerImportMappingRoutes } from "./routes/import-mappings";
import { registerInventoryRoutes } from "./routes/inventory";
import { registerLedgerRoutes } from "./routes/ledger";
import { registerMetricsRoutes } from "./routes/metrics";
import { registerOperationsRoutes } from "./routes/operations";
import { registerOrderSlotRoutes } from "./routes/order-slots";
import { registerOrderRoutes } from "./routes/orders";
import { registerPaymentRoutes } from "./routes/payments";
import { registerProductRevisionRoutes } from "./routes/product-revisions";
import { registerProductRoutes } from "./routes/products";
import { registerPromotionRoutes } from "./routes/promotions";
import { registerRefundRoutes } from "./routes/refunds";
import { registerReportRoutes } from "./routes/reports";
import { registerReviewModerationRoutes } from "./routes/reviews";
import { registerShipmentRoutes } from "./routes/shipments";
import { registerShippingTemplateRoutes } from "./routes/shipping-template";
import { registerShopUserRoutes } from "./routes/shops-users";
import { registerSwitchRoutes } from "./routes/switches";
import { registerWhoamiRoute } from "./routes/whoami";

export type AdminBindings = AdminEnv;
export type AdminApp = ReturnType<typeof createApp<AdminBindings>>;

const PUBLIC_PATHS = new Set(["/admin/v1/health"]);

/** Builds the admin app; tests pass their own clock. */
export function buildAdminApp(options: { clock?: Clock } = {}): AdminApp {
  const app = createApp<AdminBindings>({
    worker: "admin",
    title: "Admin API",
    description: ADMIN_DESCRIPTION,
    openapiPath: "/admin/openapi.json",
    docsPath: "/admin/docs",
    auth: true,
    authenticateApiKey: async (key, { env, clock, waitUntil }) => {
      const resolved = await callerForApiKey(dbOf(env.DB), key, clock.now());
      if (!resolved) return null;
      waitUntil(resolved.touch);
      return resolved.caller;
    },
    idempotency: true,
    ...options,
  });

  // The admin surface admits sellers and operators only; each route narrows further.
  app.use("/admin/v1/*", async (c, next) => {
    if (PUBLIC_PATHS.has(c.req.path)) return next();
    const caller = callerOf(c);
    if (!caller.roles.some((r) => r === "seller" || r === "operator")) {
      throw new AppError("forbidden", { detail: "The admin API is for sellers and operators" });
    }
    return next();
  });

  registerHealth(app, "/admin/v1/health");
  registerWhoamiRoute(app);
  registerApiKeyRoutes(app);
  registerCatalogStructureRoutes(app);
  registerProductRoutes(app);
  registerProductRevisionRoutes(app);
  registerInventoryRoutes(app);
  registerOrderRoutes(app);
  registerShipmentRoutes(app);
  registerRefundRoutes(app);
  registerShippingTemplateRoutes(app);
  registerHistoryRoutes(app);
  registerHomeRoutes(app);
  registerReviewModerationRoutes(app);
  registerExperimentRoutes(app);
  registerBulkJobRoutes(app);
  registerFeedRoutes(app);
  registerImportMappingRoutes(app);
  registerOperationsRoutes(app);
  registerImageRoutes(app);
  registerDeadLetterRoutes(app);
  registerLedgerRoutes(app);
  registerPaymentRoutes(app);
  registerEventCanaryRoutes(app);
  registerPromotionRoutes(app);
  registerFlashSaleRoutes(app);
  // The web console at /console, on the routes above (internal requests, the same rules).
  registerConsole(app, CONSOLE_PAGES);
  registerMetricsRoutes(app);
  registerSwitchRoutes(app);
  registerReportRoutes(app);
  registerShopUserRoutes(app);
  registerOrderSlotRoutes(app);
  return app;
}
