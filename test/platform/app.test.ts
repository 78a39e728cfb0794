import { env } from "cloudflare:test";
import { createRoute, z } from "@hono/zod-openapi";
import { describe, expect, it } from "vitest";
import { createApp } from "../../shared/platform/app";
import type { PlatformBindings } from "../../shared/platform/app-env";
import { decimalPriceSchema } from "../../shared/platform/money";
import { errorResponses, jsonBody, jsonResponse } from "../../shared/platform/openapi";
import { PROBLEM_CONTENT_TYPE } from "../../shared/platform/problem";

// A small app on the kernel, with routes that exercise each error path.
const app = createApp<PlatformBindings>({
  worker: "kernel-test",
  title: "Kernel test",
  description: "test",
  openapiPath: "/t/openapi.json",
  docsPath: "/t/docs",
  auth: false,
  idempotency: false,
});
app.openapi(
  createRoute({
    method: "post",
    path: "/t/items",
    request: {
      body: jsonBody(
        z
          .object({ name: z.string().min(1), price: decimalPriceSchema("CNY"), quantity: z.number().int().positive() })
          .strict(),
      ),
    },
    responses: { 201: jsonResponse(z.object({ price: z.number() }), "created"), ...errorResponses(400) },
  }),
  (c) => c.json({ price: c.req.valid("json").price }, 201),
);
app.openapi(
  createRoute({
    method: "get",
    path: "/t/items/{id}",
    request: {
      params: z.object({ id: z.string().regex(/^itm_/, "must start with itm_") }),
      query: z.object({ limit: z.coerce.number().int().max(100).optional() }),
    },
    responses: { 200: jsonResponse(z.object({ id: z.string() }), "ok"), ...errorResponses(400) },
  }),
  (c) => c.json({ id: c.req.valid("param").id }, 200),
);
app.get("/t/boom", () => {
  throw new Error("connection string postgres://secret@db leaked");
});

function send(path: string, init?: RequestInit) {
  return app.fetch(new Request(`http://local.test${path}`, init), env);
}

async function problem(res: Response) {
  expect(res.headers.get("content-type")).toBe(PROBLEM_CONTENT_TYPE);
  expect(res.headers.get("x-request-id")).toBeTruthy();
  const body = (await res.json()) as Record<string, unknown>;
  expect(body).toMatchObject({ status: res.status, instance: res.headers.get("x-request-id") });
  expect(String(body.type)).toMatch(/\/problems\/[a-z_]+$/);
  return body;
}

describe("the API kernel", () => {
  it("accepts a valid body and converts the decimal price exactly", async () => {
    const res = await send("/t/items", {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: '{"name":"T恤","price":79.00,"quantity":1}',
    });
    expect(await res.json()).toEqual({ price: 7900 });
    expect(res.status).toBe(201);
  });

  it("answers validation_failed naming every bad field", async () => {
    const res = await send("/t/items", {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ name: "", price: 79.001, quantity: 0, colour: "red" }),
    });
    expect(res.status).toBe(400);
    const body = await problem(res);
    expect(body.code).toBe("validation_failed");
    const fields = (body.errors as { field: string; reason: string }[]).map((e) => e.field);
    expect(fields).toEqual(expect.arrayContaining(["name", "price", "quantity"]));
    // Strict bodies: the unknown key is reported too.
    expect(JSON.stringify(body.errors)).toContain("colour");
    expect(JSON.stringify(body.errors)).toContain("more than 2 decimal places");
  });

  it("names path and query fields with their location", async () => {
    // Targets are validated one at a time; each failure names its location.
    const query = await problem(await send("/t/items/itm_1?limit=1000"));
    expect(query.errors).toEqual([expect.objectContaining({ field: "query.limit" })]);
    const param = await problem(await send("/t/items/bad"));
    expect(param.errors).toEqual([{ field: "param.id", reason: "must start with itm_" }]);
  });

  it("answers malformed JSON with malformed_json", async () => {
    const res = await send("/t/items", {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: '{"name": "x",',
    });
    expect(res.status).toBe(400);
    expect((await problem(res)).code).toBe("malformed_json");
  });

  it("answers unknown routes with 404 not_found", async () => {
    const res = await send("/t/nothing-here");
    expect(res.status).toBe(404);
    expect((await problem(res)).code).toBe("not_found");
  });

  it("answers a known path with the wrong method with 405 and Allow", async () => {
    const res = await send("/t/items/itm_1", { method: "DELETE" });
    expect(res.status).toBe(405);
    expect(res.headers.get("allow")).toBe("GET");
    expect((await problem(res)).code).toBe("method_not_allowed");
  });

  it("refuses bodies over MAX_BODY_BYTES with 413 payload_too_large", async () => {
    const big = JSON.stringify({ name: "x".repeat(70_000), price: 1, quantity: 1 });
    const res = await send("/t/items", { method: "POST", headers: { "content-type": "application/json" }, body: big });
    expect(res.status).toBe(413);
    expect((await problem(res)).code).toBe("payload_too_large");
  });

  it("answers unknown errors with a generic 500 that leaks nothing", async () => {
    const res = await send("/t/boom");
    expect(res.status).toBe(500);
    const text = JSON.stringify(await problem(res));
    expect(text).not.toContain("postgres");
    expect(text).not.toContain("leaked");
    expect(text).not.toMatch(/at .*\.ts/);
  });

  it("honours a well-formed X-Request-Id and replaces a malformed one", async () => {
    const kept = await send("/t/items/itm_1", { headers: { "x-request-id": "client-abc.123" } });
    expect(kept.headers.get("x-request-id")).toBe("client-abc.123");
    const replaced = await send("/t/items/itm_1", { headers: { "x-request-id": "bad id with spaces <script>" } });
    expect(replaced.headers.get("x-request-id")).toMatch(/^req_[0-9A-Z]{26}$/);
  });

  it("serves an OpenAPI 3.1 document listing the routes and their problem responses", async () => {
    const doc = (await (await send("/t/openapi.json")).json()) as {
      openapi: string;
      paths: Record<string, Record<string, { responses: Record<string, unknown> }>>;
    };
    expect(doc.openapi).toBe("3.1.0");
    expect(doc.paths["/t/items"]?.post?.responses).toHaveProperty("400");
    expect(doc.paths["/t/items/{id}"]?.get).toBeDefined();
  });
});

describe("request bodies", () => {
  it("refuses a JSON route's body sent without a JSON content type", async () => {
    const res = await send("/t/items", {
      method: "POST",
      headers: { "content-type": "text/plain" },
      body: '{"name":"x","price":1,"quantity":1}',
    });
    expect(res.status).toBe(415);
    expect((await problem(res)).code).toBe("unsupported_media_type");
  });
});
