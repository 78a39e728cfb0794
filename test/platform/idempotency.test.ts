import { env, SELF } from "cloudflare:test";
import { createRoute, z } from "@hono/zod-openapi";
import { describe, expect, it } from "vitest";
import { createApp } from "../../shared/platform/app";
import type { PlatformBindings } from "../../shared/platform/app-env";
import { ManualClock } from "../../shared/platform/clock";
import { dbOf } from "../../shared/platform/db";
import { AppError } from "../../shared/platform/errors";
import { claimKey, IDEMPOTENCY_LOCK_MS, IDEMPOTENCY_TTL_MS } from "../../shared/platform/idempotency";
import { newId } from "../../shared/platform/ids";
import { idempotencyHeaders, jsonBody, jsonResponse } from "../../shared/platform/openapi";
import { buildAdminApp } from "../../workers/admin/app";
import { DEMO, tokenFor } from "../helpers/callers";
import { createUser, freshIp } from "../helpers/factories";
import { call, callApp, json, ORIGIN } from "../helpers/http";

/** A fresh operator per test, so its idempotency scope and canary rows are its own. */
async function freshOperator() {
  const caller = { userId: newId("user"), roles: ["operator" as const] };
  return { caller, token: await tokenFor(caller) };
}

async function canariesRequestedBy(userId: string): Promise<number> {
  const row = await env.DB.prepare("select count(*) as n from event_canaries where requested_by = ?")
    .bind(userId)
    .first<{ n: number }>();
  return row?.n ?? 0;
}

describe("Idempotency-Key on creating POSTs", () => {
  it("executes once for 50 concurrent requests with one key, and replays afterwards", async () => {
    const { caller, token } = await freshOperator();
    const send = () =>
      call("POST", "/admin/v1/ops/event-canaries", {
        token,
        body: { queue: "order-events" },
        headers: { "Idempotency-Key": "k-concurrent" },
      });
    const results = await Promise.all(Array.from({ length: 50 }, () => send().then(json)));

    expect(await canariesRequestedBy(caller.userId)).toBe(1);
    const created = results.filter((r) => r.status === 202);
    const inProgress = results.filter((r) => r.status === 409);
    expect(created.length + inProgress.length, JSON.stringify(results.map((r) => r.body))).toBe(50);
    expect(created.length).toBeGreaterThanOrEqual(1);
    for (const r of inProgress) expect(r.body).toMatchObject({ code: "idempotency_in_progress" });
    const ids = new Set(created.map((r) => (r.body as { canaryId: string }).canaryId));
    expect(ids.size).toBe(1);

    const replay = await json(await send());
    expect(replay.status).toBe(202);
    expect(replay.res.headers.get("idempotent-replayed")).toBe("true");
    expect(replay.body).toEqual(created[0]?.body);
    expect(await canariesRequestedBy(caller.userId)).toBe(1);
  });

  it("answers 422 idempotency_conflict for the same key with a different body, changing nothing", async () => {
    const { caller, token } = await freshOperator();
    const headers = { "Idempotency-Key": "k-conflict" };
    expect(
      (await call("POST", "/admin/v1/ops/event-canaries", { token, body: { queue: "order-events" }, headers })).status,
    ).toBe(202);
    const second = await json(
      await call("POST", "/admin/v1/ops/event-canaries", { token, body: { queue: "bulk-jobs" }, headers }),
    );
    expect(second.status).toBe(422);
    expect(second.body).toMatchObject({ code: "idempotency_conflict" });
    expect(await canariesRequestedBy(caller.userId)).toBe(1);
  });

  it("scopes keys per caller", async () => {
    const a = await freshOperator();
    const b = await freshOperator();
    const headers = { "Idempotency-Key": "shared-key" };
    const first = await json(
      await call("POST", "/admin/v1/ops/event-canaries", { token: a.token, body: { queue: "order-events" }, headers }),
    );
    const second = await json(
      await call("POST", "/admin/v1/ops/event-canaries", { token: b.token, body: { queue: "order-events" }, headers }),
    );
    expect(first.status).toBe(202);
    expect(second.status).toBe(202);
    expect(second.res.headers.get("idempotent-replayed")).toBeNull();
    expect(second.body).not.toEqual(first.body);
  });

  it("replays stored 4xx answers too", async () => {
    const { token } = await freshOperator();
    const headers = { "Idempotency-Key": "k-4xx" };
    const first = await json(
      await call("POST", "/admin/v1/ops/event-canaries", { token, body: { queue: "nope" }, headers }),
    );
    const again = await json(
      await call("POST", "/admin/v1/ops/event-canaries", { token, body: { queue: "nope" }, headers }),
    );
    expect(first.status).toBe(400);
    expect(again.status).toBe(400);
    expect(again.res.headers.get("idempotent-replayed")).toBe("true");
    expect(again.body).toEqual(first.body);
  });

  it("refuses a malformed key with validation_failed naming the header", async () => {
    const { token } = await freshOperator();
    const res = await json(
      await call("POST", "/admin/v1/ops/event-canaries", {
        token,
        body: { queue: "order-events" },
        headers: { "Idempotency-Key": "has spaces" },
      }),
    );
    expect(res.status).toBe(400);
    expect(res.body).toMatchObject({ code: "validation_failed", errors: [{ field: "header.Idempotency-Key" }] });
  });

  it("forgets keys after 24 hours", async () => {
    const clock = new ManualClock(Date.now());
    const app = buildAdminApp({ clock });
    const caller = { userId: newId("user"), roles: ["operator" as const] };
    const send = async () => {
      // Access tokens live 15 minutes; sign one at the clock's current time for each call.
      const token = await tokenFor(caller, clock);
      const res = await callApp(app, "POST", "/admin/v1/ops/event-canaries", {
        token,
        body: { queue: "order-events" },
        headers: { "Idempotency-Key": "k-ttl" },
      });
      return json<{ canaryId: string }>(res);
    };
    const first = await send();
    clock.advance(IDEMPOTENCY_TTL_MS - 1000);
    const replay = await send();
    expect(replay.body.canaryId).toBe(first.body.canaryId);
    clock.advance(2000);
    const fresh = await send();
    expect(fresh.status).toBe(202);
    expect(fresh.body.canaryId).not.toBe(first.body.canaryId);
  });

  it("releases the key when the handler fails with a 5xx, so a retry runs", async () => {
    const app = scriptedApp((n) => {
      if (n === 1) throw new Error("transient failure");
      return Response.json({ call: n }, { status: 201 });
    });
    expect((await app.send()).status).toBe(500);
    expect(await json(await app.send())).toMatchObject({ status: 201, body: { call: 2 } });
    expect(await json(await app.send())).toMatchObject({ status: 201, body: { call: 2 } });
    expect(app.calls()).toBe(2);
  });

  it("lets exactly one retry take over a key whose request died mid-way", async () => {
    const db = dbOf(env.DB);
    const clock = new ManualClock(Date.now());
    const input = { scope: `user:${newId("user")}`, key: "k-crash", requestHash: "h1", clock };
    expect((await claimKey(db, input)).kind).toBe("owner");
    // The owner never completes (its isolate died). Within the lock, duplicates are refused.
    expect((await claimKey(db, input)).kind).toBe("in_progress");
    clock.advance(IDEMPOTENCY_LOCK_MS + 1);
    const takeovers = await Promise.all(Array.from({ length: 10 }, () => claimKey(db, input)));
    expect(takeovers.filter((c) => c.kind === "owner")).toHaveLength(1);
    expect(takeovers.filter((c) => c.kind === "in_progress")).toHaveLength(9);
  });
});

/** A test app whose one route answers what `handle` says, counting its executions. */
function scriptedApp(handle: (call: number) => Response | Promise<Response>, options: { declared?: boolean } = {}) {
  let calls = 0;
  const app = createApp<PlatformBindings>({
    worker: "idem-test",
    title: "t",
    description: "t",
    openapiPath: "/t/openapi.json",
    docsPath: "/t/docs",
    auth: false,
    idempotency: true,
  });
  app.openapi(
    createRoute({
      method: "post",
      path: "/t/scripted",
      request: {
        ...(options.declared === false ? {} : { headers: idempotencyHeaders }),
        body: jsonBody(z.object({ n: z.number() })),
      },
      responses: { 201: jsonResponse(z.object({ call: z.number() }), "created") },
    }),
    // The scripted answers are plain Responses, not the route's typed JSON.
    async () => {
      calls += 1;
      return (await handle(calls)) as never;
    },
  );
  const key = `k-${newId("request")}`;
  const send = () =>
    app.fetch(
      new Request("http://local.test/t/scripted", {
        method: "POST",
        headers: { "content-type": "application/json", "Idempotency-Key": key, "cf-connecting-ip": "10.1.2.3" },
        body: '{"n":1}',
      }),
      env,
    );
  return { send, calls: () => calls };
}

describe("Idempotency-Key: what is stored, and for whom (hardening)", () => {
  it("keeps two shops' API keys minted by one operator apart: shop 2 never receives shop 1's answer", async () => {
    const operator = await tokenFor(DEMO.operator);
    const shopA = await createUser("seller");
    const shopB = await createUser("seller");
    if (!shopA.shopId || !shopB.shopId) throw new Error("sellers come with shops");
    const keyFor = async (shopId: string) => {
      const res = await json<{ key: string }>(
        await call("POST", "/admin/v1/api-keys", {
          token: operator,
          body: { name: "erp", scopes: ["stock:write", "catalog:read"], shopId },
        }),
      );
      expect(res.status, JSON.stringify(res.body)).toBe(201);
      return res.body.key;
    };
    const [keyA, keyB] = [await keyFor(shopA.shopId), await keyFor(shopB.shopId)];
    const headers = { "Idempotency-Key": "same-key-both-shops" };
    const body = { name: "Overflow warehouse", region: "CN-31" };
    const a = await json<{ warehouseId: string; shopId?: string }>(
      await call("POST", "/admin/v1/warehouses", { token: keyA, body, headers }),
    );
    const b = await json<{ warehouseId: string }>(
      await call("POST", "/admin/v1/warehouses", { token: keyB, body, headers }),
    );
    expect(a.status, JSON.stringify(a.body)).toBe(201);
    expect(b.status, JSON.stringify(b.body)).toBe(201);
    expect(b.res.headers.get("idempotent-replayed")).toBeNull();
    expect(b.body.warehouseId).not.toBe(a.body.warehouseId);
    const owners = await env.DB.prepare("select id, shop_id from warehouses where id in (?, ?)")
      .bind(a.body.warehouseId, b.body.warehouseId)
      .all<{ id: string; shop_id: string }>();
    expect(Object.fromEntries(owners.results.map((r) => [r.id, r.shop_id]))).toEqual({
      [a.body.warehouseId]: shopA.shopId,
      [b.body.warehouseId]: shopB.shopId,
    });
  });

  it("does not store a 429: the retry after Retry-After runs", async () => {
    const app = scriptedApp((n) =>
      n === 1
        ? Response.json({ code: "rate_limited" }, { status: 429, headers: { "Retry-After": "3" } })
        : Response.json({ call: n }, { status: 201 }),
    );
    const limited = await app.send();
    expect(limited.status).toBe(429);
    expect(limited.headers.get("retry-after")).toBe("3");
    expect(await json(await app.send())).toMatchObject({ status: 201, body: { call: 2 } });
    expect(app.calls()).toBe(2);
  });

  it("does not store a 423 account_locked or a retryable refusal", async () => {
    const locked = scriptedApp((n) => {
      if (n === 1) throw new AppError("account_locked", { headers: { "Retry-After": "600" } });
      if (n === 2) throw new AppError("conflict", { detail: "undone; try again", retryable: true });
      return Response.json({ call: n }, { status: 201 });
    });
    expect((await locked.send()).status).toBe(423);
    expect((await locked.send()).status).toBe(409);
    expect(await json(await locked.send())).toMatchObject({ status: 201, body: { call: 3 } });
    expect(locked.calls()).toBe(3);
  });

  it("replays the headers that matter (Location, Retry-After, RateLimit) with the body", async () => {
    const app = scriptedApp((n) =>
      Response.json(
        { call: n },
        { status: 201, headers: { Location: "/t/things/1", RateLimit: "limit=10, remaining=9", "X-Other": "x" } },
      ),
    );
    await app.send();
    const replay = await app.send();
    expect(replay.headers.get("idempotent-replayed")).toBe("true");
    expect(replay.headers.get("location")).toBe("/t/things/1");
    expect(replay.headers.get("ratelimit")).toBe("limit=10, remaining=9");
    expect(replay.headers.get("content-type")).toContain("application/json");
    expect(replay.headers.get("x-other")).toBeNull();
    expect(app.calls()).toBe(1);
  });

  it("ignores the header on routes that do not document it", async () => {
    const app = scriptedApp((n) => Response.json({ call: n }, { status: 201 }), { declared: false });
    await app.send();
    expect(await json(await app.send())).toMatchObject({ status: 201, body: { call: 2 } });
  });

  it("keeps no token of login or refresh in the idempotency store", async () => {
    const { username, password } = await createUser("shopper");
    const headers = { "Idempotency-Key": `login-${newId("request")}`, "cf-connecting-ip": freshIp() };
    const first = await json<{ refreshToken: string; accessToken: string }>(
      await call("POST", "/v1/auth/login", { body: { username, password }, headers }),
    );
    expect(first.status, JSON.stringify(first.body)).toBe(200);
    const second = await json<{ refreshToken: string }>(
      await call("POST", "/v1/auth/login", { body: { username, password }, headers }),
    );
    expect(second.status).toBe(200);
    expect(second.res.headers.get("idempotent-replayed")).toBeNull();
    expect(second.body.refreshToken).not.toBe(first.body.refreshToken);
    const refreshed = await json(
      await call("POST", "/v1/auth/refresh", { body: { refreshToken: first.body.refreshToken }, headers }),
    );
    expect(refreshed.status).toBe(200);
    const leaked = await env.DB.prepare(
      "select count(*) as n from idempotency_keys where instr(response_body, ?) > 0 or instr(response_body, ?) > 0 or instr(response_body, 'refreshToken') > 0",
    )
      .bind(`%${first.body.refreshToken}%`, `%${first.body.accessToken}%`)
      .first<{ n: number }>();
    expect(leaked?.n).toBe(0);
  });

  it("hands an image upload's raw bytes through unchanged and replays it", async () => {
    const seller = await createUser("seller");
    const token = await tokenFor({ userId: seller.id, roles: ["seller"], shopId: seller.shopId ?? "" });
    const png = Uint8Array.from(
      atob("iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAQAAAC1HAwCAAAAC0lEQVR42mNkYAAAAAYAAjCB0C8AAAAASUVORK5CYII="),
      (c) => c.charCodeAt(0),
    );
    const upload = () =>
      SELF.fetch(`${ORIGIN}/admin/v1/images`, {
        method: "POST",
        headers: { authorization: `Bearer ${token}`, "content-type": "image/png", "Idempotency-Key": "img-1" },
        body: png,
      });
    const first = await json<{ url: string }>(await upload());
    expect(first.status, JSON.stringify(first.body)).toBe(201);
    const again = await json<{ url: string }>(await upload());
    expect(again.status).toBe(201);
    expect(again.res.headers.get("idempotent-replayed")).toBe("true");
    expect(again.body.url).toBe(first.body.url);
  });
});
