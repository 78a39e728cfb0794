/** Flash-sale campaigns for sellers (their shop's SKUs) and operators: create, read, list, end early. */
import { createRoute, z } from "@hono/zod-openapi";
import {
  campaignSchema,
  campaignStatusSchema,
  campaignView,
  countsOf,
  createCampaign,
  createCampaignBody,
  listCampaigns,
  listCampaignsQuery,
  visibleCampaign,
} from "../../../shared/flash-sales/campaigns";
import { endCampaignEarly, settledIfDue } from "../../../shared/flash-sales/settle";
import { actorOf } from "../../../shared/platform/actor";
import { callerOf, requireRole, requireScope } from "../../../shared/platform/caller";
import { errorResponses, idempotencyHeaders, jsonBody, jsonResponse } from "../../../shared/platform/openapi";
import type { AdminApp } from "../app";
import { flashDeps } from "../deps";

const secured = { security: [{ bearer: [] as string[] }], tags: ["flash sales"] };
const write = [requireRole("seller", "operator"), requireScope("prices:write")];
const read = [requireRole("seller", "operator"), requireScope("catalog:read")];
const CAMPAIGN_ID = "fls_01JD3V8Q4Z6T0S8M2B7F9K1XQW";
const campaignParams = z.object({ campaignId: z.string().min(1).max(64).openapi({ example: CAMPAIGN_ID }) });

const campaignExample = {
  campaignId: CAMPAIGN_ID,
  skuId: "sku_01JD3V8Q4Z6T0S8M2B7F9K1XQA",
  shopId: "shp_01JD3V8Q4Z6T0S8M2B7F9K1XQB",
  price: { amount: 990, currency: "CNY" },
  quota: 100,
  buckets: 1,
  perUserLimit: 1,
  startsAt: "2026-12-12T12:00:00.000Z",
  endsAt: "2026-12-12T12:10:00.000Z",
  status: "RUNNING" as const,
  admitted: 12,
  sold: 61,
  remaining: 27,
  unsold: null,
  settledAt: null,
  createdAt: "2026-12-10T09:00:00.000Z",
};

const routes = {
  create: createRoute({
    ...secured,
    middleware: write,
    method: "post",
    path: "/admin/v1/flash-sales",
    summary: "Schedule a flash sale (秒杀): a SKU at a flash price, a quota carved out of its stock, a window",
    description:
      "For a SKU of the seller's own shop (operators: any shop's; another shop's SKU is 404). The `quota` is taken " +
      "out of the SKU's available stock at once (409 `insufficient_stock` when it is not there) and held for the " +
      "campaign; what is not sold goes back when the campaign ends. Shoppers enter from `startsAt` to `endsAt` " +
      "(`POST /v1/flash-sales/{campaignId}/enter`), at most `perUserLimit` units each, and order what they were " +
      "admitted to at `price` within five minutes. `buckets` (default: one per 100 units, at most 8) splits the " +
      "quota across that many objects for sales busier than one object serves (docs/flash-sales.md).",
    request: {
      headers: idempotencyHeaders,
      body: jsonBody(createCampaignBody, {
        example: {
          skuId: "sku_01JD3V8Q4Z6T0S8M2B7F9K1XQA",
          price: { amount: 990, currency: "CNY" },
          quota: 100,
          startsAt: "2026-12-12T12:00:00Z",
          endsAt: "2026-12-12T12:10:00Z",
          perUserLimit: 1,
          buckets: 1,
        },
      }),
    },
    responses: {
      201: jsonResponse(z.object({ campaignId: z.string(), status: campaignStatusSchema }), "Scheduled", {
        campaignId: CAMPAIGN_ID,
        status: "SCHEDULED",
      }),
      ...errorResponses(400, 401, 403, 404, 409, 422),
    },
  }),
  get: createRoute({
    ...secured,
    middleware: read,
    method: "get",
    path: "/admin/v1/flash-sales/{campaignId}",
    summary: "A flash sale with its live counts: admitted, sold, remaining",
    description:
      "`admitted` units wait for their orders, `sold` were ordered at the flash price, `remaining` can still be " +
      "admitted. Once ended and settled (five minutes after `endsAt`, or at once when ended early), `unsold` says " +
      "how many units went back to the SKU's stock. Another shop's campaign is 404 for a seller.",
    request: { params: campaignParams },
    responses: {
      200: jsonResponse(campaignSchema.openapi("FlashSale"), "The campaign", campaignExample),
      ...errorResponses(400, 401, 403, 404),
    },
  }),
  list: createRoute({
    ...secured,
    middleware: read,
    method: "get",
    path: "/admin/v1/flash-sales",
    summary: "Flash sales, newest first",
    description: "A seller's shop's campaigns; operators see every shop's, or one shop's with `shopId`.",
    request: { query: listCampaignsQuery },
    responses: {
      200: jsonResponse(
        z.object({ items: z.array(campaignSchema), nextCursor: z.string().nullable() }),
        "A page of campaigns",
        { items: [campaignExample], nextCursor: null },
      ),
      ...errorResponses(400, 401, 403, 404),
    },
  }),
  end: createRoute({
    ...secured,
    middleware: write,
    method: "post",
    path: "/admin/v1/flash-sales/{campaignId}/end",
    summary: "End a flash sale now: entries stop and the unsold units go back to the SKU's stock",
    description:
      "The campaign's shop's seller or an operator. Admission stops at once; admissions not yet ordered lapse; " +
      "orders already placed stand. Ending an ended campaign answers it as it is.",
    request: { params: campaignParams, headers: idempotencyHeaders },
    responses: {
      200: jsonResponse(campaignSchema, "The ended campaign", {
        ...campaignExample,
        status: "ENDED",
        admitted: 0,
        remaining: 0,
        unsold: 39,
        settledAt: "2026-12-12T12:04:00.000Z",
      }),
      ...errorResponses(400, 401, 403, 404),
    },
  }),
};

/** Registers the /admin/v1/flash-sales routes. */
export function registerFlashSaleRoutes(app: AdminApp): void {
  app.openapi(routes.create, async (c) => {
    const caller = callerOf(c);
    return c.json(await createCampaign(flashDeps(c), caller, actorOf(caller), c.req.valid("json")), 201);
  });
  app.openapi(routes.get, async (c) => {
    const deps = flashDeps(c);
    const row = await settledIfDue(deps, await visibleCampaign(deps.db, callerOf(c), c.req.valid("param").campaignId));
    return c.json(campaignView(row, await countsOf(deps, row), deps.clock.now()), 200);
  });
  app.openapi(routes.list, async (c) =>
    c.json(await listCampaigns(flashDeps(c), callerOf(c), c.req.valid("query")), 200),
  );
  app.openapi(routes.end, async (c) => {
    const caller = callerOf(c);
    return c.json(await endCampaignEarly(flashDeps(c), caller, actorOf(caller), c.req.valid("param").campaignId), 200);
  });
}
