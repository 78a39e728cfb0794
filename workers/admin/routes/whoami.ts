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
