/** Operators' A/B experiments: create, list, read, stop, and the report that calls a winner. */
import { createRoute, z } from "@hono/zod-openapi";
import {
  createExperimentBody,
  type ExperimentReport,
  type ExperimentView,
  experimentReportSchema,
  experimentSchema,
} from "../../../shared/discovery/experiments/definition";
import {
  createExperiment,
  experimentReport,
  getExperiment,
  listExperiments,
  listExperimentsQuery,
  stopExperiment,
} from "../../../shared/discovery/experiments/experiments";
import { actorOf, actorText } from "../../../shared/platform/actor";
import { callerOf, requireRole } from "../../../shared/platform/caller";
import { errorResponses, idempotencyHeaders, jsonBody, jsonResponse } from "../../../shared/platform/openapi";
import { requestDb } from "../../../shared/platform/request-db";
import type { AdminApp } from "../app";

const secured = { security: [{ bearer: [] as string[] }], middleware: [requireRole("operator")] };
const EXPERIMENT_ID = "exp_01KBX2M9Q8D4ZV6R7T3N5P1W0E";
const idParam = z.object({ experimentId: z.string().min(1).max(64).openapi({ example: EXPERIMENT_ID }) });

const experimentExample: ExperimentView = {
  experimentId: EXPERIMENT_ID,
  name: "商品页推荐: 相似 vs 一起买",
  target: "recommendations",
  unit: "user",
  status: "running",
  windowHours: 168,
  variants: [
    { name: "control", weight: 50, config: { algorithm: "similar" } },
    { name: "bought_together", weight: 50, config: { algorithm: "bought_together" } },
  ],
  createdAt: "2026-12-02T03:00:00.000Z",
};
const reportExample: ExperimentReport = {
  experimentId: EXPERIMENT_ID,
  name: experimentExample.name,
  status: "running",
  control: "control",
  variants: [
    {
      name: "control",
      exposures: 1000,
      conversions: 100,
      orders: 112,
      conversionRate: 0.1,
      gmv: [{ amount: 1_120_000, currency: "CNY" }],
      lift: null,
      z: null,
      pValue: null,
    },
    {
      name: "bought_together",
      exposures: 1000,
      conversions: 130,
      orders: 141,
      conversionRate: 0.13,
      gmv: [{ amount: 1_410_000, currency: "CNY" }],
      lift: 0.3,
      z: 2.1028,
      pValue: 0.0355,
    },
  ],
  best: "bought_together",
  lift: 0.3,
  pValue: 0.0355,
  significant: true,
};

const routes = {
  create: createRoute({
    ...secured,
    tags: ["experiments"],
    method: "post",
    path: "/admin/v1/experiments",
    summary: "Start an A/B experiment on the home page or the recommendations rail",
    description:
      "Operators only. Shoppers (by user id; guests by their `X-Cart-Token`) are split into the weighted `variants` by " +
      "a stable hash of (experiment, unit), so a shopper always sees the same variant. The first variant is the " +
      "control. `target: recommendations`: each variant's `config.algorithm` (`bought_together`, `similar`, " +
      "`for_you`, `best_sellers`) is what `GET /v1/products/{productId}/recommendations` shows when asked without a " +
      "`kind`. `target: home`: a variant's config changes one module of the platform's published page " +
      "(`{moduleId, hide?, title?, source?}`; `{}` is the page as published). Serving a variant records the unit's " +
      "first exposure; an order paid within `windowHours` of it is a conversion. One experiment runs per target at a " +
      "time: 409 `experiment_running` otherwise.",
    request: {
      headers: idempotencyHeaders,
      body: jsonBody(createExperimentBody, {
        example: {
          name: experimentExample.name,
          target: "recommendations",
          unit: "user",
          windowHours: 168,
          variants: [
            { name: "control", weight: 50, config: { algorithm: "similar" } },
            { name: "bought_together", weight: 50, config: { algorithm: "bought_together" } },
          ],
        },
      }),
    },
    responses: {
      201: jsonResponse(experimentSchema.openapi("Experiment"), "Started", experimentExample),
      ...errorResponses(400, 401, 403, 409, 422),
    },
  }),
  list: createRoute({
    ...secured,
    tags: ["experiments"],
    method: "get",
    path: "/admin/v1/experiments",
    summary: "The experiments, newest first",
    description: "Operators only. Running and stopped experiments with their variants.",
    request: { query: listExperimentsQuery },
    responses: {
      200: jsonResponse(
        z.object({ items: z.array(experimentSchema), nextCursor: z.string().nullable() }),
        "A page of experiments",
        { items: [experimentExample], nextCursor: null },
      ),
      ...errorResponses(400, 401, 403),
    },
  }),
  get: createRoute({
    ...secured,
    tags: ["experiments"],
    method: "get",
    path: "/admin/v1/experiments/{experimentId}",
    summary: "One experiment",
    description: "Operators only. Its definition and status.",
    request: { params: idParam },
    responses: {
      200: jsonResponse(experimentSchema, "The experiment", experimentExample),
      ...errorResponses(401, 403, 404),
    },
  }),
  stop: createRoute({
    ...secured,
    tags: ["experiments"],
    method: "post",
    path: "/admin/v1/experiments/{experimentId}/stop",
    summary: "Stop an experiment",
    description:
      "Operators only. Its variants are no longer served (everyone gets the published page or the default rail) and " +
      "no further orders are attributed; the report keeps what was counted. Stopping a stopped experiment changes " +
      "nothing.",
    request: { params: idParam },
    responses: {
      200: jsonResponse(experimentSchema, "Stopped", { ...experimentExample, status: "stopped" }),
      ...errorResponses(401, 403, 404),
    },
  }),
  report: createRoute({
    ...secured,
    tags: ["experiments"],
    method: "get",
    path: "/admin/v1/experiments/{experimentId}/report",
    summary: "Exposures, conversions, GMV, lift and significance per variant",
    description:
      "Operators only. Per variant: distinct units exposed, units with at least one attributed paid order " +
      "(`conversions`), attributed `orders`, `conversionRate`, `gmv` per currency; per treatment the relative `lift` " +
      "over the control's rate and a two-sided two-proportion z-test (pooled standard error: `z`, `pValue`). The " +
      "headline `lift`/`pValue` are those of the best treatment; `significant` is pValue < 0.05.",
    request: { params: idParam },
    responses: {
      200: jsonResponse(experimentReportSchema.openapi("ExperimentReport"), "The report", reportExample),
      ...errorResponses(401, 403, 404),
    },
  }),
};

export function registerExperimentRoutes(app: AdminApp): void {
  app.openapi(routes.create, async (c) => {
    const actor = actorText(actorOf(callerOf(c)));
    const created = await createExperiment(
      requestDb(c, "first-primary"),
      c.req.valid("json"),
      actor,
      c.var.clock.now(),
    );
    return c.json(created, 201);
  });
  app.openapi(routes.list, async (c) => c.json(await listExperiments(requestDb(c), c.req.valid("query")), 200));
  app.openapi(routes.get, async (c) =>
    c.json(await getExperiment(requestDb(c), c.req.valid("param").experimentId), 200),
  );
  app.openapi(routes.stop, async (c) =>
    c.json(await stopExperiment(requestDb(c, "first-primary"), c.req.valid("param").experimentId), 200),
  );
  app.openapi(routes.report, async (c) =>
    c.json(await experimentReport(requestDb(c, "first-primary"), c.req.valid("param").experimentId), 200),
  );
}
