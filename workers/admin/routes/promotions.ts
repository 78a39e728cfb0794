/**
 * Promotions for sellers and operators: vouchers (created, listed, ended early), threshold
 * discounts (满减), and operators' coin grants.
 */
import { createRoute, z } from "@hono/zod-openapi";
import { actorOf } from "../../../shared/platform/actor";
import { callerOf, requireHuman, requireRole, requireScope } from "../../../shared/platform/caller";
import { errorResponses, idempotencyHeaders, jsonBody, jsonResponse } from "../../../shared/platform/openapi";
import { requestDb } from "../../../shared/platform/request-db";
import { coinGrantSchema, grantCoins, grantCoinsBody } from "../../../shared/promotions/coins";
import {
  createdVoucherSchema,
  createThresholdDiscount,
  createThresholdDiscountBody,
  createVoucher,
  createVoucherBody,
} from "../../../shared/promotions/create-promotions";
import { endVoucher, listVouchers, listVouchersQuery, voucherSchema } from "../../../shared/promotions/voucher-admin";
import type { AdminApp } from "../app";

const secured = { security: [{ bearer: [] as string[] }], tags: ["promotions"] };
const staff = [requireRole("seller", "operator"), requireScope("prices:write")];
const staffRead = [requireRole("seller", "operator"), requireScope("catalog:read")];
const VOUCHER_ID = "vch_01JD3V8Q4Z6T0S8M2B7F9K1XQW";
const voucherIdParam = z.object({ voucherId: z.string().min(1).max(64).openapi({ example: VOUCHER_ID }) });
const voucherExample = {
  voucherId: VOUCHER_ID,
  name: "满 100 减 10 店铺券",
  scope: "shop" as const,
  shopId: "shp_01JD3V8Q4Z6T0S8M2B7F9K1XQB",
  kind: "fixed" as const,
  value: { amount: 1000, currency: "CNY" as const },
  maxDiscount: null,
  minSpend: { amount: 10000, currency: "CNY" as const },
  categoryId: null,
  skuIds: null,
  startsAt: "2026-12-01T00:00:00.000Z",
  endsAt: "2027-01-01T00:00:00.000Z",
  status: "ACTIVE" as const,
  totalCount: 1000,
  perUserLimit: 1,
  uses: 37,
  claimed: 120,
  budget: { amount: 500000, currency: "CNY" as const },
  budgetUsed: { amount: 37000, currency: "CNY" as const },
  claimable: true,
  codeMode: "single" as const,
  code: "SHOP10",
  createdAt: "2026-11-30T09:00:00.000Z",
};

const routes = {
  voucher: createRoute({
    ...secured,
    middleware: staff,
    method: "post",
    path: "/admin/v1/vouchers",
    summary: "Create a voucher: fixed or percent off, minimum spend, scope, window, counts, budget, codes",
    description:
      "A platform voucher (operators only; 403 for sellers) or a shop voucher (a seller's own shop; operators name " +
      "`shopId`). `value` is money off when `kind` is fixed, the percent off (1–99) when percent, capped by " +
      "`maxDiscount`. Only goods in `categoryId`'s subtree and/or among `skuIds` count toward `minSpend` and get the " +
      "discount. `totalCount` bounds its uses (and claims), `perUserLimit` each shopper's, `budget` what all uses may " +
      "take off together. `codes`: one shared code, or a batch of unique single-use codes (answered in `codes`). " +
      "A shop voucher applies once to the shop's goods in a checkout, split between its orders when they are more " +
      "than one. " +
      "Claimable vouchers are listed by `GET /v1/vouchers` for shoppers to claim; others are code-only. A code some " +
      "voucher already has is 409 `duplicate_voucher_code`.",
    request: {
      headers: idempotencyHeaders,
      body: jsonBody(createVoucherBody, {
        example: {
          name: "满 100 减 10 店铺券",
          scope: "shop",
          kind: "fixed",
          value: { amount: 1000, currency: "CNY" },
          minSpend: { amount: 10000, currency: "CNY" },
          startsAt: "2026-12-01T00:00:00Z",
          endsAt: "2027-01-01T00:00:00Z",
          totalCount: 1000,
          perUserLimit: 1,
          budget: { amount: 500000, currency: "CNY" },
          claimable: true,
          codes: { mode: "single", code: "SHOP10" },
        },
      }),
    },
    responses: {
      201: jsonResponse(createdVoucherSchema, "Created", {
        voucherId: "vch_01JD3V8Q4Z6T0S8M2B7F9K1XQW",
        codes: ["SHOP10"],
      }),
      ...errorResponses(400, 401, 403, 404, 409, 422),
    },
  }),
  vouchers: createRoute({
    ...secured,
    middleware: staffRead,
    method: "get",
    path: "/admin/v1/vouchers",
    summary: "Vouchers, newest first, with their status and uses",
    description:
      "A seller's shop's vouchers; operators see every voucher, platform and shops', or one shop's with `shopId`, " +
      "or one `scope`. `status` is SCHEDULED before `startsAt`, ENDED from `endsAt` (or once ended early), " +
      "EXHAUSTED when `uses` reached `totalCount`, ACTIVE otherwise. `uses` are the uses held by unpaid orders " +
      "or consumed by paid ones (a cancelled or wholly refunded order gives its use back); `claimed` the claims " +
      "into wallets; `budgetUsed` what the uses took off together. `code` is the shared code of a single-code " +
      "voucher (a batch's codes are shown only when created).",
    request: { query: listVouchersQuery },
    responses: {
      200: jsonResponse(
        z.object({ items: z.array(voucherSchema.openapi("Voucher")), nextCursor: z.string().nullable() }),
        "A page of vouchers",
        { items: [voucherExample], nextCursor: null },
      ),
      ...errorResponses(400, 401, 403, 404),
    },
  }),
  endVoucher: createRoute({
    ...secured,
    middleware: staff,
    method: "post",
    path: "/admin/v1/vouchers/{voucherId}/end",
    summary: "End a voucher now: no checkout applies it and no shopper claims it from then on",
    description:
      "The voucher's shop's seller or an operator (a platform voucher: operators only; another shop's voucher or " +
      "a platform voucher is 404 for a seller). Its `endsAt` becomes now (a voucher not yet started gets an empty " +
      "window at now). Orders already placed with it keep their discount; codes in wallets stop applying. Ending " +
      "an ended voucher answers it as it is.",
    request: { params: voucherIdParam, headers: idempotencyHeaders },
    responses: {
      200: jsonResponse(voucherSchema, "The ended voucher", {
        ...voucherExample,
        status: "ENDED",
        endsAt: "2026-12-12T08:30:00.000Z",
      }),
      ...errorResponses(400, 401, 403, 404),
    },
  }),
  threshold: createRoute({
    ...secured,
    middleware: staff,
    method: "post",
    path: "/admin/v1/threshold-discounts",
    summary: "Create a threshold discount (满减): spend at least X in the shop, get Y off; the best tier applies",
    description:
      "For a seller's own shop (operators name `shopId`). While it runs (`startsAt` to `endsAt`), a checkout whose " +
      "goods from the shop reach a tier's `spend` gets the best reached tier's `off`, before vouchers and coins; " +
      "when the shop's goods make more than one order (physical and virtual), it applies once and is split between " +
      "them in proportion to their goods.",
    request: {
      headers: idempotencyHeaders,
      body: jsonBody(createThresholdDiscountBody, {
        example: {
          name: "满 200 减 20，满 300 减 40",
          tiers: [
            { spend: { amount: 20000, currency: "CNY" }, off: { amount: 2000, currency: "CNY" } },
            { spend: { amount: 30000, currency: "CNY" }, off: { amount: 4000, currency: "CNY" } },
          ],
          startsAt: "2026-12-01T00:00:00Z",
          endsAt: "2027-01-01T00:00:00Z",
        },
      }),
    },
    responses: {
      201: jsonResponse(z.object({ thresholdDiscountId: z.string() }), "Created", {
        thresholdDiscountId: "thd_01JD3V8Q4Z6T0S8M2B7F9K1XQW",
      }),
      ...errorResponses(400, 401, 403, 404, 422),
    },
  }),
  coins: createRoute({
    ...secured,
    middleware: [requireRole("operator"), requireHuman()],
    method: "post",
    path: "/admin/v1/users/{userId}/coins",
    summary: "Grant (or, negative, take) a shopper's coins",
    description:
      "Operators only. Posts a coins transaction to the ledger and answers the new balance; taking more than the " +
      "shopper has is 409 `insufficient_coins`; an unknown user is 404.",
    request: {
      headers: idempotencyHeaders,
      params: z.object({ userId: z.string().min(1).max(64).openapi({ example: "usr_01JD3V8Q4Z6T0S8M2B7F9K1XQW" }) }),
      body: jsonBody(grantCoinsBody, { example: { amount: 500, reason: "compensation for a late delivery" } }),
    },
    responses: {
      201: jsonResponse(coinGrantSchema, "Posted", {
        userId: "usr_01JD3V8Q4Z6T0S8M2B7F9K1XQW",
        amount: 500,
        balance: 500,
        transactionId: "ltx_01JD3V8Q4Z6T0S8M2B7F9K1XQW",
      }),
      ...errorResponses(400, 401, 403, 404, 409, 422),
    },
  }),
};

/**
 * Registers POST and GET /admin/v1/vouchers, POST /admin/v1/vouchers/:voucherId/end,
 * POST /admin/v1/threshold-discounts and POST /admin/v1/users/:userId/coins.
 */
export function registerPromotionRoutes(app: AdminApp): void {
  app.openapi(routes.voucher, async (c) => {
    const deps = { db: requestDb(c, "first-primary"), clock: c.var.clock };
    return c.json(await createVoucher(deps, callerOf(c), c.req.valid("json")), 201);
  });
  app.openapi(routes.vouchers, async (c) => {
    const deps = { db: requestDb(c, "first-primary"), clock: c.var.clock };
    return c.json(await listVouchers(deps, callerOf(c), c.req.valid("query")), 200);
  });
  app.openapi(routes.endVoucher, async (c) => {
    const deps = { db: requestDb(c, "first-primary"), clock: c.var.clock };
    return c.json(await endVoucher(deps, callerOf(c), c.req.valid("param").voucherId), 200);
  });
  app.openapi(routes.threshold, async (c) => {
    const deps = { db: requestDb(c, "first-primary"), clock: c.var.clock };
    return c.json(await createThresholdDiscount(deps, callerOf(c), c.req.valid("json")), 201);
  });
  app.openapi(routes.coins, async (c) => {
    const deps = { db: requestDb(c, "first-primary"), clock: c.var.clock };
    const body = c.req.valid("json");
    return c.json(
      await grantCoins(deps, { userId: c.req.valid("param").userId, ...body, actor: actorOf(callerOf(c)) }),
      201,
    );
  });
}
