/** Sales reports: sellers their own shop, operators every shop or one. */
import { createRoute } from "@hono/zod-openapi";
import { orderStoreOf } from "../../../shared/orders/order-store";
import { callerOf, requireRole, requireScope } from "../../../shared/platform/caller";
import { dbOf } from "../../../shared/platform/db";
import { errorResponses, jsonResponse } from "../../../shared/platform/openapi";
import { shopFilterFor } from "../../../shared/platform/shop-access";
import {
  type SalesReport,
  salesReport,
  salesReportQuerySchema,
  salesReportSchema,
} from "../../../shared/reports/sales";
import type { AdminApp } from "../app";

const day = (period: string, orders: number, paidOrders: number, gmv: number, refunded: number, refunds: number) => ({
  period,
  currency: "CNY",
  orders,
  paidOrders,
  gmv: { amount: gmv, currency: "CNY" as const },
  refunded: { amount: refunded, currency: "CNY" as const },
  refunds,
  netSales: { amount: gmv - refunded, currency: "CNY" as const },
  averageOrderValue: paidOrders === 0 ? null : { amount: Math.round(gmv / paidOrders), currency: "CNY" as const },
});

const reportExample: SalesReport = {
  from: "2026-12-01",
  to: "2026-12-02",
  granularity: "day",
  shopId: "shp_00000000000000000000000001",
  periods: [day("2026-12-01", 12, 10, 79000, 7900, 1), day("2026-12-02", 8, 7, 55300, 0, 0)],
  totals: [
    {
      currency: "CNY",
      orders: 20,
      paidOrders: 17,
      gmv: { amount: 134300, currency: "CNY" },
      refunded: { amount: 7900, currency: "CNY" },
      refunds: 1,
      netSales: { amount: 126400, currency: "CNY" },
      averageOrderValue: { amount: 7900, currency: "CNY" },
    },
  ],
};

const salesRoute = createRoute({
  method: "get",
  path: "/admin/v1/reports/sales",
  tags: ["reports"],
  summary: "Sales per day (or month): orders, paid orders, GMV, refunds, average order value",
  description:
    "Sellers see their own shop; operators all shops, or one with `shopId`. Read from the orders' facts (not the " +
    "metrics), UTC periods from `from` to `to` inclusive (at most 366 days), one row per period and currency. " +
    "`orders` counts orders placed in the period, `paidOrders` and `gmv` those of them that were paid; `refunded` " +
    "is the money of refunds completed in the period (whenever their order was placed), so `netSales` = gmv − " +
    "refunded. An order whose payment arrived after it was cancelled (refunded automatically) is not a sale.",
  security: [{ bearer: [] }],
  middleware: [requireRole("seller", "operator"), requireScope("orders:read")] as const,
  request: { query: salesReportQuerySchema },
  responses: {
    200: jsonResponse(salesReportSchema, "The report", reportExample),
    ...errorResponses(400, 401, 403, 404),
  },
});

export function registerReportRoutes(app: AdminApp): void {
  app.openapi(salesRoute, async (c) => {
    const db = dbOf(c.env.DB);
    const query = c.req.valid("query");
    const shopId = (await shopFilterFor(db, callerOf(c), query.shopId)) ?? null;
    return c.json(await salesReport(orderStoreOf(c.env, c.var.clock), query, shopId), 200);
  });
}
