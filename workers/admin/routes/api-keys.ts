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
    "Does not take Idempotency-Key: the answer carries the secret, and secrets are never kept in the idempotency store. A retried creation makes a second key; revoke the one you do not use.",
  request: { body: jsonBody(createApiKeyBody) },
  responses: {
    201: jsonResponse(apiKeySchema.extend({ key: z.string().describe("The secret; store it now") }), "Created"),
    ...errorResponses(400, 401, 403, 404, 409),
  },
});

const listKeysRoute = createRoute({
  ...common,
  method: "get",
  path: "/admin/v1/api-keys",
  summary: "List API keys (a seller's shop, or any shop for operators)",
  request: { query: listQuerySchema.extend({ shopId: z.string().min(1).optional() }) },
  responses: {
    200: jsonResponse(z.object({ items: z.array(apiKey), nextCursor: z.string().nullable() }), "Keys, newest first"),
    ...errorResponses(400, 401, 403, 404),
  },
});

const revokeKeyRoute = createRoute({
  ...common,
  method: "delete",
  path: "/admin/v1/api-keys/{apiKeyId}",
  summary: "Revoke an API key",
  request: { params: z.object({ apiKeyId: z.string().min(1).max(64) }) },
  responses: { 200: jsonResponse(apiKey, "Revoked"), ...errorResponses(401, 403, 404) },
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
