/** Shop-scoped API keys: sellers manage their shop's, operators any shop's. */
import { createRoute, z } from "@hono/zod-openapi";
import { callerOf, requireHuman, requireRole } from "../../../shared/platform/caller";
import { dbOf } from "../../../shared/platform/db";
import { errorResponses, jsonBody, jsonResponse } from "../../../shared/platform/openapi";
import { listQuerySchema } from "../../../shared/platform/validation";
import {
  apiKeySchema,
  createApiKey,
  createApiKeyBody,
  listApiKeys,
  revokeApiKey,
} from "../../../shared/users/api-keys";
import type { AdminApp } from "../app";
import { apiKeyExample } from "../examples";

const common = {
  tags: ["api keys"],
  security: [{ bearer: [] }],
  middleware: [requireRole("seller", "operator"), requireHuman()],
};
const apiKey = apiKeySchema.openapi("ApiKey");

const createKeyRoute = createRoute({
  ...common,
  method: "post",
  path: "/admin/v1/api-keys",
  summary: "Create a shop-scoped API key (the secret is shown once)",
  description:
    "A seller's key acts for their shop (operators name `shopId`) within its `scopes`; send it as " +
    "`Authorization: Bearer sk_...`. The secret `key` is answered once and only its prefix is kept. " +
    "Does not take Idempotency-Key: the answer carries the secret, and secrets are never kept in the idempotency store. A retried creation makes a second key; revoke the one you do not use.",
  request: {
    body: jsonBody(createApiKeyBody, { example: { name: "erp sync", scopes: ["catalog:read", "stock:write"] } }),
  },
  responses: {
    201: jsonResponse(apiKeySchema.extend({ key: z.string().describe("The secret; store it now") }), "Created", {
      ...apiKeyExample,
      key: "sk_Ed1qPWOg_VK4NF2yrKK15bONQQoiyjsdCnjP00nj4eA",
    }),
    ...errorResponses(400, 401, 403, 404, 409),
  },
});

const listKeysRoute = createRoute({
  ...common,
  method: "get",
  path: "/admin/v1/api-keys",
  summary: "List API keys (a seller's shop, or any shop for operators)",
  description: "Keys with their prefix, scopes, last use and revocation; never the secret.",
  request: { query: listQuerySchema.extend({ shopId: z.string().min(1).optional() }) },
  responses: {
    200: jsonResponse(z.object({ items: z.array(apiKey), nextCursor: z.string().nullable() }), "Keys, newest first", {
      items: [apiKeyExample],
      nextCursor: null,
    }),
    ...errorResponses(400, 401, 403, 404),
  },
});

const revokeKeyRoute = createRoute({
  ...common,
  method: "delete",
  path: "/admin/v1/api-keys/{apiKeyId}",
  summary: "Revoke an API key",
  description: "The key stops working at once (401); bulk-job rows it submitted that have not run yet change nothing.",
  request: { params: z.object({ apiKeyId: z.string().min(1).max(64).openapi({ example: apiKeyExample.apiKeyId }) }) },
  responses: {
    200: jsonResponse(apiKey, "Revoked", { ...apiKeyExample, revokedAt: "2026-12-02T02:11:17.449Z" }),
    ...errorResponses(401, 403, 404),
  },
});

export function registerApiKeyRoutes(app: AdminApp): void {
  app.openapi(createKeyRoute, async (c) =>
    c.json(await createApiKey(dbOf(c.env.DB), c.var.clock, callerOf(c), c.req.valid("json")), 201),
  );
  app.openapi(listKeysRoute, async (c) =>
    c.json(await listApiKeys(dbOf(c.env.DB), callerOf(c), c.req.valid("query")), 200),
  );
  app.openapi(revokeKeyRoute, async (c) =>
    c.json(await revokeApiKey(dbOf(c.env.DB), c.var.clock, callerOf(c), c.req.valid("param").apiKeyId), 200),
  );
}
