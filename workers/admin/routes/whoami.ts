/** Who the credentials on this request act as: lets a seller's system check its API key. */
import { createRoute, z } from "@hono/zod-openapi";
import { API_SCOPES, ROLES } from "../../../shared/platform/auth";
import { callerOf, requireRole } from "../../../shared/platform/caller";
import { errorResponses, jsonResponse } from "../../../shared/platform/openapi";
import type { AdminApp } from "../app";

const whoamiRoute = createRoute({
  method: "get",
  path: "/admin/v1/whoami",
  tags: ["api keys"],
  summary: "The caller these credentials resolve to",
  description:
    "What the bearer credential acts as: the user, roles and shop, and for an API key its id and scopes " +
    "(null scopes: a logged-in user, with all of their role). Lets a seller's system check its key.",
  security: [{ bearer: [] }],
  middleware: [requireRole("seller", "operator")] as const,
  responses: {
    200: jsonResponse(
      z
        .object({
          userId: z.string(),
          roles: z.array(z.enum(ROLES)),
          shopId: z.string().nullable(),
          apiKeyId: z.string().nullable(),
          scopes: z.array(z.enum(API_SCOPES)).nullable().describe("Null for logged-in users (all of their role)"),
        })
        .openapi("WhoAmI"),
      "The caller",
      {
        userId: "usr_00000000000000000000000002",
        roles: ["seller"],
        shopId: "shp_00000000000000000000000001",
        apiKeyId: "key_01M8T8AFQ36XE7J3HCY4ZGRWA4",
        scopes: ["catalog:read", "stock:write"],
      },
    ),
    ...errorResponses(401, 403),
  },
});

export function registerWhoamiRoute(app: AdminApp): void {
  app.openapi(whoamiRoute, (c) => {
    const caller = callerOf(c);
    return c.json(
      {
        userId: caller.userId,
        roles: caller.roles,
        shopId: caller.shopId ?? null,
        apiKeyId: caller.apiKeyId ?? null,
        scopes: caller.scopes ?? null,
      },
      200,
    );
  });
}
