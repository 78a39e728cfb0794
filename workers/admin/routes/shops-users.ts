/** Operators' directory of the platform: every shop and account, and the acts on an account. */
import { createRoute, z } from "@hono/zod-openapi";
import { OrderStore, orderShardBindings } from "../../../shared/orders/order-store";
import { callerOf, requireRole } from "../../../shared/platform/caller";
import { dbOf } from "../../../shared/platform/db";
import { errorResponses, jsonBody, jsonResponse } from "../../../shared/platform/openapi";
import { type AccountAction, accountActionBody, actOnAccount } from "../../../shared/users/account-status";
import {
  listShops,
  listShopsQuery,
  listUsers,
  listUsersQuery,
  shopListItemSchema,
  userListItemSchema,
} from "../../../shared/users/directory";
import type { AdminApp } from "../app";
import { shopListItemExample, userListItemExample } from "../examples";

const secured = {
  security: [{ bearer: [] as string[] }],
  tags: ["operations"],
  middleware: [requireRole("operator")],
};

const shopsRoute = createRoute({
  ...secured,
  method: "get",
  path: "/admin/v1/shops",
  summary: "Every shop, newest first, with its owner and counts",
  description:
    "Operators only. Each shop with its status, owner (and the owner's account status), members, products (not " +
    "deleted), products on shelf and orders ever placed; filter by `status` and search the name with `q`.",
  request: { query: listShopsQuery },
  responses: {
    200: jsonResponse(
      z.object({ items: z.array(shopListItemSchema.openapi("ShopListItem")), nextCursor: z.string().nullable() }),
      "A page of shops",
      { items: [shopListItemExample], nextCursor: null },
    ),
    ...errorResponses(400, 401, 403),
  },
});

const usersRoute = createRoute({
  ...secured,
  method: "get",
  path: "/admin/v1/users",
  summary: "Every account, newest first, with its status and lockout",
  description:
    "Operators only. Each account's username, email, phone, role, status (DISABLED: login, token refresh and " +
    "orders are refused), `lockedUntil` while failed logins lock it, and a seller's shop; filter by `role` and " +
    "`status`, search the username or email with `q`. No password hash or other secret is ever answered.",
  request: { query: listUsersQuery },
  responses: {
    200: jsonResponse(
      z.object({ items: z.array(userListItemSchema.openapi("UserListItem")), nextCursor: z.string().nullable() }),
      "A page of accounts",
      { items: [userListItemExample], nextCursor: null },
    ),
    ...errorResponses(400, 401, 403),
  },
});

const ACTIONS: Record<
  AccountAction,
  { summary: string; description: string; example: z.output<typeof userListItemSchema> }
> = {
  disable: {
    summary: "Disable an account: no login, no refresh, no orders; its sessions end",
    description:
      "Operators only. The account's status becomes DISABLED and every open session of it ends: a login answers " +
      "401 `invalid_credentials` (as a wrong password does), a refresh 401 `invalid_token`, a quote or order 403 " +
      "`forbidden`. An access token already issued lives out its 15 minutes. Logged with the caller and `reason` " +
      "in the operation log (entity `user`). An operator's own account: 403. Unknown user: 404.",
    example: { ...userListItemExample, status: "DISABLED", updatedAt: "2026-12-02T03:20:00.000Z" },
  },
  enable: {
    summary: "Enable a disabled account again (its owner logs in afresh)",
    description:
      "Operators only. The status becomes ACTIVE; sessions ended by disabling stay ended. Logged with the caller " +
      "and `reason`. Unknown user: 404.",
    example: { ...userListItemExample, updatedAt: "2026-12-02T03:25:00.000Z" },
  },
  unlock: {
    summary: "Lift a login lockout now (after 5 failed logins)",
    description:
      "Operators only. Clears the account's failed-login count, so its next login is checked at once instead of " +
      "answering 423 `account_locked` until `lockedUntil`. Logged with the caller and `reason`. Unknown user: 404.",
    example: userListItemExample,
  },
};

const actionRoute = (action: AccountAction) =>
  createRoute({
    ...secured,
    method: "post",
    path: `/admin/v1/users/{userId}/${action}`,
    summary: ACTIONS[action].summary,
    description: ACTIONS[action].description,
    request: {
      params: z.object({ userId: z.string().min(1).max(64).openapi({ example: userListItemExample.userId }) }),
      body: jsonBody(accountActionBody, { example: { reason: "chargeback fraud ring, case 1182" } }),
    },
    responses: {
      200: jsonResponse(userListItemSchema, "The account after the act", ACTIONS[action].example),
      ...errorResponses(400, 401, 403, 404),
    },
  });

export function registerShopUserRoutes(app: AdminApp): void {
  app.openapi(shopsRoute, async (c) => {
    const db = dbOf(c.env.DB);
    const store = new OrderStore({ commerce: db, shards: orderShardBindings(c.env), now: () => c.var.clock.now() });
    const page = await listShops(
      db,
      store.all().map((s) => s.db),
      c.req.valid("query"),
    );
    return c.json(page, 200);
  });

  app.openapi(usersRoute, async (c) =>
    c.json(await listUsers(dbOf(c.env.DB), c.req.valid("query"), c.var.clock.now()), 200),
  );

  for (const action of ["disable", "enable", "unlock"] as const) {
    app.openapi(actionRoute(action), async (c) => {
      const user = await actOnAccount(dbOf(c.env.DB), {
        caller: callerOf(c),
        userId: c.req.valid("param").userId,
        action,
        body: c.req.valid("json"),
        now: c.var.clock.now(),
        requestId: c.var.requestId,
      });
      return c.json(user, 200);
    });
  }
}
