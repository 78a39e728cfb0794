import { createScheduledController, env } from "cloudflare:test";
import { describe, expect, it, vi } from "vitest";
import { QUEUE_NAMES } from "../../shared/events/queues";
import events from "../../workers/events/index";
import { DEMO, tokenFor } from "../helpers/callers";
import { call, json } from "../helpers/http";

describe("the platform on one origin", () => {
  it.each(["/v1/health", "/admin/v1/health", "/webhooks/health"])("answers %s with 200 ok", async (path) => {
    const res = await json(await call("GET", path));
    expect(res).toMatchObject({ status: 200, body: { status: "ok" } });
    expect(res.res.headers.get("x-request-id")).toMatch(/^req_/);
  });

  it.each([
    ["/openapi.json", "/v1/health"],
    ["/admin/openapi.json", "/admin/v1/dead-letters"],
    ["/webhooks/openapi.json", "/webhooks/health"],
  ])("serves the OpenAPI 3.1 document %s", async (path, documentedPath) => {
    const res = await json<{ openapi: string; paths: Record<string, unknown> }>(await call("GET", path));
    expect(res.status).toBe(200);
    expect(res.body.openapi).toBe("3.1.0");
    expect(Object.keys(res.body.paths)).toContain(documentedPath);
  });

  it.each(["/docs", "/admin/docs", "/webhooks/docs"])("serves the interactive docs page %s", async (path) => {
    const res = await call("GET", path);
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toContain("text/html");
    expect(await res.text()).toContain("openapi.json");
  });

  it.each(["/v1/nope", "/admin/v1/nope", "/webhooks/nope"])(
    "answers an unknown route %s with problem+json",
    async (path) => {
      // The admin surface answers anonymous callers 401 before routing, so ask as an operator.
      const res = await call("GET", path, { token: await tokenFor(DEMO.operator) });
      expect(res.status).toBe(404);
      expect(res.headers.get("content-type")).toBe("application/problem+json");
    },
  );

  it("answers malformed JSON sent to a Worker with problem+json", async () => {
    const res = await json(
      await call("POST", "/admin/v1/ops/event-canaries", {
        token: await tokenFor(DEMO.operator),
        rawBody: '{"queue":',
      }),
    );
    expect(res).toMatchObject({ status: 400, body: { code: "malformed_json" } });
  });

  it("carries a message sent by the admin Worker to the events Worker's consumer, on every queue", async () => {
    const token = await tokenFor(DEMO.operator);
    const sent = await Promise.all(
      QUEUE_NAMES.map(async (queue) => {
        const res = await json<{ canaryId: string; status: string }>(
          await call("POST", "/admin/v1/ops/event-canaries", { token, body: { queue } }),
        );
        expect(res).toMatchObject({ status: 202, body: { status: "sent" } });
        return res.body.canaryId;
      }),
    );
    await vi.waitUntil(
      async () => {
        const views = await Promise.all(
          sent.map(
            async (id) =>
              (await json<{ status: string }>(await call("GET", `/admin/v1/ops/event-canaries/${id}`, { token }))).body,
          ),
        );
        return views.every((v) => v.status === "consumed");
      },
      { timeout: 15_000, interval: 100 },
    );
    const rows = await env.DB.prepare(
      `select deliveries from event_canaries where id in (${sent.map(() => "?").join(",")})`,
    )
      .bind(...sent)
      .all<{ deliveries: number }>();
    expect(rows.results.map((r) => r.deliveries)).toEqual(sent.map(() => 1));
  });

  it("purges expired idempotency keys on the events Worker's cron", async () => {
    const past = Date.now() - 1000;
    await env.DB.prepare(
      "insert into idempotency_keys (scope, key, request_hash, state, lock_token, locked_until, created_at, expires_at) values ('user:cron', 'old', 'h', 'done', 't', ?, ?, ?)",
    )
      .bind(past, past - 86_400_000, past)
      .run();
    await events.scheduled(createScheduledController({ cron: "*/5 * * * *" }), env);
    const row = await env.DB.prepare("select count(*) as n from idempotency_keys where scope = 'user:cron'").first<{
      n: number;
    }>();
    expect(row?.n).toBe(0);
  });
});
