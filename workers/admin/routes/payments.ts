/** Payments as operators and sellers see them, and reconciliation (operators). */
import { createRoute, z } from "@hono/zod-openapi";
import { orderStoreOf } from "../../../shared/orders/order-store";
import { discrepancySchema, listDiscrepancies, listDiscrepanciesQuery } from "../../../shared/payments/discrepancies";
import { adminPaymentSchema, listPayments, listPaymentsQuery } from "../../../shared/payments/payments-list";
import { getRun, runReconciliation, runSchema, startRun, startRunBody } from "../../../shared/payments/reconciliation";
import { actorOf, actorText } from "../../../shared/platform/actor";
import { callerOf, requireRole, requireScope } from "../../../shared/platform/caller";
import { errorResponses, jsonBody, jsonResponse } from "../../../shared/platform/openapi";
import { requestDb } from "../../../shared/platform/request-db";
import { shopFilterFor } from "../../../shared/platform/shop-access";
import type { AdminApp } from "../app";
import { reconcileDeps } from "../deps";
import { discrepancyExample, paymentExample, reconciliationRunExample } from "../examples";

const secured = { security: [{ bearer: [] as string[] }] };
const operators = { ...secured, tags: ["reconciliation"], middleware: [requireRole("operator")] };

const routes = {
  payments: createRoute({
    ...secured,
    tags: ["payments"],
    middleware: [requireRole("seller", "operator"), requireScope("orders:read")],
    method: "get",
    path: "/admin/v1/payments",
    summary: "Payments, newest first: operators any, sellers those of their shop's orders",
    description:
      "Every payment attempt with its provider's id and status (`PENDING`, `SUCCEEDED`, `FAILED`, ...); filter by " +
      "`payOrderId`, or (operators) `shopId`.",
    request: { query: listPaymentsQuery },
    responses: {
      200: jsonResponse(
        z.object({ items: z.array(adminPaymentSchema.openapi("Payment")), nextCursor: z.string().nullable() }),
        "A page of payments",
        { items: [paymentExample], nextCursor: null },
      ),
      ...errorResponses(400, 401, 403, 404),
    },
  }),
  startRun: createRoute({
    ...operators,
    method: "post",
    path: "/admin/v1/reconciliation/runs",
    summary: "Start a reconciliation run: provider records, payments, pay orders, orders and the ledger compared",
    description:
      "Operators only. Compares what the provider recorded in the last `sinceHours` with our payments, refunds, pay " +
      "orders, the webhook inbox and the ledger, and records each mismatch as a discrepancy (resolving those fixed " +
      "since). Runs in the background (hourly by cron too); poll the run.",
    request: { body: { ...jsonBody(startRunBody, { example: { sinceHours: 24 } }), required: false } },
    responses: {
      202: jsonResponse(z.object({ runId: z.string() }), "The run, started; poll it", {
        runId: reconciliationRunExample.runId,
      }),
      ...errorResponses(400, 401, 403),
    },
  }),
  getRun: createRoute({
    ...operators,
    method: "get",
    path: "/admin/v1/reconciliation/runs/{runId}",
    summary: "One reconciliation run: its status and what it compared and found",
    description: "`running`, then `completed` with a `summary` of counts (or `failed` with its `error`).",
    request: {
      params: z.object({
        runId: z
          .string()
          .regex(/^rcn_[0-9A-Z]{26}$/, "is not a run id")
          .openapi({ example: reconciliationRunExample.runId }),
      }),
    },
    responses: {
      200: jsonResponse(runSchema.openapi("ReconciliationRun"), "The run", {
        ...reconciliationRunExample,
        status: "completed",
        summary: { payments: 1, refunds: 0, sandboxPayments: 1, found: 0, resolved: 0 },
        finishedAt: "2026-12-02T02:11:20.013Z",
      }),
      ...errorResponses(400, 401, 403, 404),
    },
  }),
  discrepancies: createRoute({
    ...operators,
    method: "get",
    path: "/admin/v1/reconciliation/discrepancies",
    summary: "Discrepancies found, newest first; open ones have no resolvedAt",
    description:
      "Operators only. Kinds: `paid_not_recorded`, `recorded_not_paid`, `amount_mismatch`, `refund_mismatch`, " +
      "`ledger_unbalanced`; each with what was expected and what was found. A later run resolves what was fixed.",
    request: { query: listDiscrepanciesQuery },
    responses: {
      200: jsonResponse(
        z.object({ items: z.array(discrepancySchema.openapi("Discrepancy")), nextCursor: z.string().nullable() }),
        "A page of discrepancies",
        { items: [discrepancyExample], nextCursor: null },
      ),
      ...errorResponses(400, 401, 403),
    },
  }),
};

export function registerPaymentRoutes(app: AdminApp): void {
  app.openapi(routes.payments, async (c) => {
    const db = requestDb(c, "first-primary");
    const query = c.req.valid("query");
    const shopId = await shopFilterFor(db, callerOf(c), query.shopId);
    return c.json(await listPayments(orderStoreOf(c.env, c.var.clock), query, shopId), 200);
  });
  app.openapi(routes.startRun, async (c) => {
    const deps = reconcileDeps(c);
    // The body is optional; without one the defaults apply.
    const body = startRunBody.parse(c.req.valid("json") ?? {});
    const { runId, until } = await startRun(deps, actorText(actorOf(callerOf(c))), body);
    c.executionCtx.waitUntil(runReconciliation(deps, runId, until));
    return c.json({ runId }, 202);
  });
  app.openapi(routes.getRun, async (c) =>
    c.json(await getRun(requestDb(c, "first-primary"), c.req.valid("param").runId), 200),
  );
  app.openapi(routes.discrepancies, async (c) =>
    c.json(await listDiscrepancies(requestDb(c, "first-primary"), c.req.valid("query")), 200),
  );
}
