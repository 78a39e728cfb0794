/** Promotions for shoppers: claimable vouchers, claiming one, the wallet, and the coins history. */
import { createRoute, z } from "@hono/zod-openapi";
import { callerOf, requireCaller } from "../../../shared/platform/caller";
import { dbOf } from "../../../shared/platform/db";
import { errorResponses, idempotencyHeaders, jsonResponse } from "../../../shared/platform/openapi";
import { requestDb } from "../../../shared/platform/request-db";
import { coinsHistory, coinsHistoryQuery, coinsHistorySchema } from "../../../shared/promotions/coins";
import {
  claimableQuery,
  claimSchema,
  claimVoucher,
  listClaimable,
  voucherViewSchema,
  walletEntrySchema,
  walletOf,
} from "../../../shared/promotions/wallet";
import type { StorefrontApp } from "../app";

const authed = { security: [{ bearer: [] as string[] }], middleware: [requireCaller()], tags: ["promotions"] };

const voucherExample: z.output<typeof voucherViewSchema> = {
  voucherId: "vch_01JD3V8Q4Z6T0S8M2B7F9K1XQW",
  name: "满 100 减 10 店铺券",
  scope: "shop",
  shopId: "shp_00000000000000000000000001",
  kind: "fixed",
  value: { amount: 1000, currency: "CNY" },
  maxDiscount: null,
  minSpend: { amount: 10000, currency: "CNY" },
  categoryId: null,
  skuIds: null,
  startsAt: "2026-12-01T00:00:00.000Z",
  endsAt: "2027-01-01T00:00:00.000Z",
  perUserLimit: 1,
  remaining: 999,
};

const routes = {
  claimable: createRoute({
    method: "get",
    path: "/v1/vouchers",
    tags: ["promotions"],
    summary: "Claimable vouchers running now (a shop's, or the platform's)",
    description:
      "Vouchers that can be claimed into a wallet, running now and with claims left, newest first: the shop's with " +
      "`shopId`, the platform's without. Claim one with `POST /v1/vouchers/{voucherId}/claim`.",
    request: { query: claimableQuery },
    responses: {
      200: jsonResponse(
        z.object({ items: z.array(voucherViewSchema.openapi("Voucher")), nextCursor: z.string().nullable() }),
        "A page of vouchers",
        { items: [voucherExample], nextCursor: null },
      ),
      ...errorResponses(400),
    },
  }),
  claim: createRoute({
    ...authed,
    method: "post",
    path: "/v1/vouchers/{voucherId}/claim",
    summary: "Claim a voucher into the wallet",
    description:
      "Answers the code to use at checkout (`voucherCodes` of `POST /v1/checkout/quote`): the voucher's shared code, " +
      "or a code of its own from a batch. 409 `used_up` when no claims are left, 409 `per_user_limit` when the " +
      "shopper has claimed it as often as allowed; 404 when no such claimable voucher is running. Claiming is " +
      "optional: a voucher's code works at checkout without it (the limits count uses), except a batch code " +
      "another shopper claimed.",
    request: {
      headers: idempotencyHeaders,
      params: z.object({ voucherId: z.string().min(1).max(64).openapi({ example: voucherExample.voucherId }) }),
    },
    responses: {
      201: jsonResponse(claimSchema, "Claimed", { voucherId: voucherExample.voucherId, code: "SHOP10" }),
      ...errorResponses(400, 401, 404, 409, 422),
    },
  }),
  wallet: createRoute({
    ...authed,
    method: "get",
    path: "/v1/me/vouchers",
    summary: "The shopper's claimed, unused vouchers",
    description: "Claimed vouchers not yet used at checkout and not expired, oldest claim first, with their codes.",
    responses: {
      200: jsonResponse(
        z.object({ items: z.array(walletEntrySchema), nextCursor: z.string().nullable() }),
        "The wallet",
        { items: [{ ...voucherExample, code: "SHOP10", claimedAt: "2026-12-02T08:00:00.000Z" }], nextCursor: null },
      ),
      ...errorResponses(401),
    },
  }),
  coins: createRoute({
    ...authed,
    method: "get",
    path: "/v1/me/coins",
    summary: "The coin balance and its movements",
    description:
      "1 coin = 1 minor unit (CNY). Coins are granted by operators, earned on completed orders " +
      "(`COINS_EARN_PER_MAJOR`, default 1, per whole yuan paid), spent at checkout " +
      "(held until paid, given back on cancel) and returned by refunds; newest first.",
    request: { query: coinsHistoryQuery },
    responses: {
      200: jsonResponse(coinsHistorySchema, "Balance and movements", {
        balance: 450,
        items: [
          { amount: -50, reason: "spent at checkout", createdAt: "2026-12-02T08:05:00.000Z" },
          {
            amount: 500,
            reason: "compensation for a late delivery (by user:usr_…)",
            createdAt: "2026-12-01T10:00:00.000Z",
          },
        ],
        nextCursor: null,
      }),
      ...errorResponses(400, 401),
    },
  }),
};

/** Registers the vouchers and coins routes of the storefront. */
export function registerPromotionRoutes(app: StorefrontApp): void {
  app.openapi(routes.claimable, async (c) =>
    c.json(await listClaimable(dbOf(c.env.DB), c.var.clock.now(), c.req.valid("query")), 200),
  );
  app.openapi(routes.claim, async (c) =>
    c.json(
      await claimVoucher(
        { db: requestDb(c, "first-primary"), clock: c.var.clock },
        callerOf(c).userId,
        c.req.valid("param").voucherId,
      ),
      201,
    ),
  );
  app.openapi(routes.wallet, async (c) =>
    c.json(await walletOf(requestDb(c, "first-primary"), callerOf(c).userId, c.var.clock.now()), 200),
  );
  app.openapi(routes.coins, async (c) =>
    c.json(await coinsHistory(requestDb(c, "first-primary"), callerOf(c).userId, c.req.valid("query")), 200),
  );
}
