import { env } from "cloudflare:test";
import { createRoute, z } from "@hono/zod-openapi";
import { describe, expect, it } from "vitest";
import { createApp } from "../../shared/platform/app";
import type { PlatformBindings } from "../../shared/platform/app-env";
import { callerOf, requireScope } from "../../shared/platform/caller";
import { dbOf } from "../../shared/platform/db";
import { jsonResponse } from "../../shared/platform/openapi";
import { callerForApiKey } from "../../shared/users/api-keys";
import { DEMO, tokenFor } from "../helpers/callers";
import { createUser } from "../helpers/factories";
import { call, callApp, json } from "../helpers/http";

async function sellerToken() {
  const seller = await createUser("seller");
  return { seller, token: await tokenFor({ userId: seller.id, roles: ["seller"], shopId: seller.shopId }) };
}

async function createKey(
  token: string,
  body: Record<string, unknown> = { name: "ERP sync", scopes: ["catalog:read", "stock:write"] },
) {
  return json<{ apiKeyId: string; key: string; shopId: string; prefix: string }>(
    await call("POST", "/admin/v1/api-keys", { token, body }),
  );
}

describe("API keys", () => {
  it("lets a seller create a key for its shop that authenticates admin calls within its shop", async () => {
    const { seller, token } = await sellerToken();
    const created = await createKey(token);
    expect(created.status, JSON.stringify(created.body)).toBe(201);
    expect(created.body).toMatchObject({ shopId: seller.shopId, key: expect.stringMatching(/^sk_[A-Za-z0-9_-]{43}$/) });
    expect(created.body.key.startsWith(created.body.prefix)).toBe(true);
    const whoami = await json(await call("GET", "/admin/v1/whoami", { token: created.body.key }));
    expect(whoami).toMatchObject({
      status: 200,
      body: {
        roles: ["seller"],
        shopId: seller.shopId,
        apiKeyId: created.body.apiKeyId,
        scopes: ["catalog:read", "stock:write"],
      },
    });
  });

  it("stores only a hash of the key", async () => {
    const { token } = await sellerToken();
    const { body } = await createKey(token);
    const row = await env.DB.prepare("select * from api_keys where id = ?")
      .bind(body.apiKeyId)
      .first<Record<string, unknown>>();
    expect(JSON.stringify(row)).not.toContain(body.key);
  });

  it("refuses a revoked key with 401 invalid_token", async () => {
    const { token } = await sellerToken();
    const { body } = await createKey(token);
    const revoked = await json(await call("DELETE", `/admin/v1/api-keys/${body.apiKeyId}`, { token }));
    expect(revoked).toMatchObject({ status: 200, body: { revokedAt: expect.any(String) } });
    expect(await json(await call("GET", "/admin/v1/whoami", { token: body.key }))).toMatchObject({
      status: 401,
      body: { code: "invalid_token" },
    });
    expect(await json(await call("GET", "/admin/v1/whoami", { token: "sk_never_issued" }))).toMatchObject({
      status: 401,
    });
  });

  it("keeps keys inside their shop: other sellers get 404, API keys cannot manage keys", async () => {
    const a = await sellerToken();
    const b = await sellerToken();
    const { body } = await createKey(a.token);
    expect((await call("DELETE", `/admin/v1/api-keys/${body.apiKeyId}`, { token: b.token })).status).toBe(404);
    expect((await createKey(b.token, { name: "x", scopes: ["catalog:read"], shopId: a.seller.shopId })).status).toBe(
      404,
    );
    const listB = await json<{ items: { apiKeyId: string }[] }>(
      await call("GET", "/admin/v1/api-keys", { token: b.token }),
    );
    expect(listB.body.items.map((k) => k.apiKeyId)).not.toContain(body.apiKeyId);
    const listA = await json<{ items: { apiKeyId: string }[] }>(
      await call("GET", "/admin/v1/api-keys", { token: a.token }),
    );
    expect(listA.body.items.map((k) => k.apiKeyId)).toContain(body.apiKeyId);
    expect((await createKey(body.key)).status).toBe(403);
  });

  it("lets operators manage any shop's keys, naming the shop", async () => {
    const operator = await tokenFor(DEMO.operator);
    const { seller } = await sellerToken();
    expect((await createKey(operator)).body).toMatchObject({ code: "validation_failed" });
    const created = await createKey(operator, { name: "ops", scopes: ["orders:read"], shopId: seller.shopId });
    expect(created).toMatchObject({ status: 201, body: { shopId: seller.shopId } });
    const list = await json<{ items: { apiKeyId: string }[] }>(
      await call("GET", `/admin/v1/api-keys?shopId=${seller.shopId}`, { token: operator }),
    );
    expect(list.body.items.map((k) => k.apiKeyId)).toEqual([created.body.apiKeyId]);
  });

  it("enforces scopes on routes that require one", async () => {
    const app = createApp<PlatformBindings>({
      worker: "scope-test",
      title: "t",
      description: "t",
      openapiPath: "/t/openapi.json",
      docsPath: "/t/docs",
      auth: true,
      authenticateApiKey: async (key, { env: e, clock }) =>
        (await callerForApiKey(dbOf(e.DB), key, clock.now()))?.caller ?? null,
      idempotency: false,
    });
    app.openapi(
      createRoute({
        method: "get",
        path: "/t/stock",
        middleware: [requireScope("stock:write")] as const,
        responses: { 200: jsonResponse(z.object({ shopId: z.string().nullable() }), "ok") },
      }),
      (c) => c.json({ shopId: callerOf(c).shopId ?? null }, 200),
    );
    const { seller, token } = await sellerToken();
    const withScope = (await createKey(token, { name: "a", scopes: ["stock:write"] })).body.key;
    const without = (await createKey(token, { name: "b", scopes: ["catalog:read"] })).body.key;
    expect(await json(await callApp(app, "GET", "/t/stock", { token: withScope }))).toMatchObject({
      status: 200,
      body: { shopId: seller.shopId },
    });
    expect(await json(await callApp(app, "GET", "/t/stock", { token: without }))).toMatchObject({
      status: 403,
      body: { code: "forbidden" },
    });
    // A logged-in seller is limited by role, not scopes.
    expect((await callApp(app, "GET", "/t/stock", { token })).status).toBe(200);
  });
});
