import { env } from "cloudflare:test";
import { createRoute, z } from "@hono/zod-openapi";
import { describe, expect, it } from "vitest";
import { createApp, type PlatformBindings } from "../../shared/platform/app";
import { ManualClock } from "../../shared/platform/clock";
import { dbOf } from "../../shared/platform/db";
import { claimKey, IDEMPOTENCY_LOCK_MS, IDEMPOTENCY_TTL_MS } from "../../shared/platform/idempotency";
import { newId } from "../../shared/platform/ids";
import { jsonBody, jsonResponse } from "../../shared/platform/openapi";
import { buildAdminApp } from "../../workers/admin/app";
import { tokenFor } from "../helpers/callers";
import { call, callApp, json } from "../helpers/http";

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
        path: "/t/things",
        request: { body: jsonBody(z.object({ n: z.number() })) },
        responses: { 201: jsonResponse(z.object({ call: z.number() }), "created") },
      }),
      (c) => {
        calls += 1;
        if (calls === 1) throw new Error("transient failure");
        return c.json({ call: calls }, 201);
      },
    );
    const key = `k-${newId("request")}`;
    const send = () =>
      app.fetch(
        new Request("http://local.test/t/things", {
          method: "POST",
          headers: { "content-type": "application/json", "Idempotency-Key": key },
          body: '{"n":1}',
        }),
        env,
      );
    expect((await send()).status).toBe(500);
    const retried = await json(await send());
    expect(retried).toMatchObject({ status: 201, body: { call: 2 } });
    const replayed = await json(await send());
    expect(replayed).toMatchObject({ status: 201, body: { call: 2 } });
    expect(calls).toBe(2);
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
