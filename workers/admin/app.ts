/** The admin app: `/admin/v1` for sellers (their own shop) and operators. */

import { createApp } from "../../shared/platform/app";
import type { Clock } from "../../shared/platform/clock";
import { registerHealth } from "../../shared/platform/health";
import { registerDeadLetterRoutes } from "./routes/dead-letters";
import { registerEventCanaryRoutes } from "./routes/event-canaries";

export type AdminBindings = AdminEnv;

/** Builds the admin app; tests pass their own clock. */
export function buildAdminApp(options: { clock?: Clock } = {}) {
  const app = createApp<AdminBindings>({
    worker: "admin",
    title: "Admin API",
    description: "Seller and operator API: catalog, stock, orders, refunds, promotions and operations.",
    openapiPath: "/admin/openapi.json",
    docsPath: "/admin/docs",
    auth: true,
    idempotency: true,
    ...options,
  });
  registerHealth(app, "/admin/v1/health");
  registerDeadLetterRoutes(app);
  registerEventCanaryRoutes(app);
  return app;
}

export type AdminApp = ReturnType<typeof createApp<AdminBindings>>;
