/** Flash sales for shoppers: the campaign page (with the entry proof) and entering (admission). */
import { createRoute, z } from "@hono/zod-openapi";
import {
  admittedSchema,
  enterBody,
  enterFlashSale,
  publicCampaign,
  publicCampaignSchema,
  queuedSchema,
} from "../../../shared/flash-sales/admission";
import { allowGuest, callerOf, requireCaller, requireHuman } from "../../../shared/platform/caller";
import { errorResponses, jsonBody, jsonResponse } from "../../../shared/platform/openapi";
import type { StorefrontApp } from "../app";
import { admissionDeps } from "../deps";

const CAMPAIGN_ID = "fls_01JD3V8Q4Z6T0S8M2B7F9K1XQW";
const campaignParams = z.object({ campaignId: z.string().min(1).max(64).openapi({ example: CAMPAIGN_ID }) });
const tags = ["flash sales"];
const PROOF_EXAMPLE = "eyJhbGciOiJIUzI1NiIsInR5cCI6ImZsYXNoLWVudHJ5K2p3dCJ9.eyJjaWQiOiJmbHNfMDEifQ.c2lnbmF0dXJl";

const routes = {
  get: createRoute({
    method: "get",
    path: "/v1/flash-sales/{campaignId}",
    tags,
    middleware: [allowGuest()] as const,
    summary: "A flash sale: SKU, flash price, quota, what remains, the window; signed in, your entry proof",
    description:
      "Open to guests. A signed-in shopper also gets `entryProof` (signed for that shopper and this campaign, valid " +
      "15 minutes): `POST /v1/flash-sales/{campaignId}/enter` needs it, so fetch this page before the start (and " +
      "again when the proof nears `entryProofExpiresAt`). `remaining` may be a second old.",
    request: { params: campaignParams },
    responses: {
      200: jsonResponse(publicCampaignSchema.openapi("FlashSalePage"), "The campaign", {
        campaignId: CAMPAIGN_ID,
        skuId: "sku_01JD3V8Q4Z6T0S8M2B7F9K1XQA",
        price: { amount: 990, currency: "CNY" },
        quota: 100,
        remaining: 100,
        startsAt: "2026-12-12T12:00:00.000Z",
        endsAt: "2026-12-12T12:10:00.000Z",
        perUserLimit: 1,
        status: "SCHEDULED",
        entryProof: PROOF_EXAMPLE,
        entryProofExpiresAt: "2026-12-12T11:59:00.000Z",
      }),
      ...errorResponses(400, 401, 404),
    },
  }),
  enter: createRoute({
    method: "post",
    path: "/v1/flash-sales/{campaignId}/enter",
    tags,
    security: [{ bearer: [] as string[] }],
    middleware: [requireCaller(), requireHuman()] as const,
    summary: "Enter a flash sale: admitted with a purchase token, queued, sold out or over the limit",
    description:
      "Needs the `entryProof` of `GET /v1/flash-sales/{campaignId}` (403 `proof_required` without a valid one). " +
      "Before `startsAt` 403 `not_started` (with `Retry-After`), after `endsAt` 403 `ended`. Admitted (200): the " +
      "`purchaseToken` orders the units at the flash price with `POST /v1/orders` `{purchaseToken, addressId}` " +
      "once, until `expiresAt` (five minutes; then the units go back to the sale). Queued (202): the sale is busy; " +
      "enter again after `retryAfterMs` (`Retry-After` too). Sold out: 409 `sold_out`. More than `perUserLimit` " +
      "units in all: 429 `limit_reached`. Entries are rate-limited per shopper and per client IP (429 " +
      "`rate_limited`); the `flash-sales.entry` switch off is 503 `feature_disabled`.",
    request: {
      params: campaignParams,
      body: jsonBody(enterBody, { example: { quantity: 1, entryProof: PROOF_EXAMPLE } }),
    },
    responses: {
      200: jsonResponse(admittedSchema.openapi("FlashSaleAdmission"), "Admitted", {
        status: "admitted",
        purchaseToken: "eyJhbGciOiJIUzI1NiIsInR5cCI6ImZsYXNoLXB1cmNoYXNlK2p3dCJ9.eyJjaWQiOiJmbHNfMDEifQ.c2lnbmF0dXJl",
        quantity: 1,
        expiresAt: "2026-12-12T12:05:00.000Z",
      }),
      202: jsonResponse(queuedSchema.openapi("FlashSaleQueued"), "Queued: enter again after retryAfterMs", {
        status: "queued",
        position: 42,
        retryAfterMs: 1000,
      }),
      ...errorResponses(400, 401, 403, 404, 409, 429, 503),
    },
  }),
};

/** Registers GET /v1/flash-sales/:campaignId and POST /v1/flash-sales/:campaignId/enter. */
export function registerFlashSaleRoutes(app: StorefrontApp): void {
  app.openapi(routes.get, async (c) =>
    c.json(await publicCampaign(admissionDeps(c), c.req.valid("param").campaignId, c.var.caller?.userId ?? null), 200),
  );
  app.openapi(routes.enter, async (c) => {
    const answer = await enterFlashSale(admissionDeps(c), {
      campaignId: c.req.valid("param").campaignId,
      userId: callerOf(c).userId,
      ip: c.req.header("cf-connecting-ip"),
      body: c.req.valid("json"),
    });
    if (answer.status === "queued") {
      c.header("Retry-After", String(Math.max(1, Math.ceil(answer.retryAfterMs / 1000))));
      return c.json(answer, 202);
    }
    return c.json(answer, 200);
  });
}
