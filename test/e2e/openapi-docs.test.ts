/**
 * The OpenAPI documents get a developer started (issue #19, items 1 and 7): each opens with a quick
 * start, every operation has a description and a real example of its request body and of its
 * success answer, the examples work as pre-filled against the demo data, and every status the
 * platform answers to a malformed, oversized, wrongly typed, badly addressed or conflicting request
 * is declared by the operation it was sent to (shared/platform/kernel-responses.ts declares the
 * kernel's; test/e2e/fuzz.test.ts checks the same over its generated requests).
 */
import { SELF } from "cloudflare:test";
import { beforeAll, describe, expect, it } from "vitest";
import { DEMO, tokenFor } from "../helpers/callers";
import { SEED_DATA_PACK, SEED_TSHIRT } from "../helpers/catalog";
import { call, json, ORIGIN } from "../helpers/http";

interface MediaType {
  schema?: unknown;
  example?: unknown;
  examples?: Record<string, { summary?: string; value?: unknown }>;
}
interface DocOperation {
  summary?: string;
  description?: string;
  parameters?: { in: string; name: string; required?: boolean }[];
  requestBody?: { required?: boolean; content?: Record<string, MediaType> };
  responses: Record<string, { description: string; content?: Record<string, MediaType> }>;
}
interface Document {
  info: { title: string; description?: string };
  paths: Record<string, Record<string, DocOperation>>;
}

const DOCUMENTS = { storefront: "/openapi.json", admin: "/admin/openapi.json", webhooks: "/webhooks/openapi.json" };
/** Bodies that are bytes (an image upload): an example cannot be pre-filled, the description says what to send. */
const BINARY = /^(image|audio|video)\/|^application\/octet-stream$/;

const docs = {} as Record<keyof typeof DOCUMENTS, Document>;
const operations: { doc: string; method: string; path: string; op: DocOperation }[] = [];

beforeAll(async () => {
  for (const [name, path] of Object.entries(DOCUMENTS) as [keyof typeof DOCUMENTS, string][]) {
    const res = await json<Document>(await call("GET", path));
    expect(res.status, path).toBe(200);
    docs[name] = res.body;
    for (const [template, methods] of Object.entries(res.body.paths)) {
      for (const [method, op] of Object.entries(methods)) operations.push({ doc: path, method, path: template, op });
    }
  }
});

/** An example on the media type (one or named), or on its inline schema. */
const hasExample = (m: MediaType | undefined) =>
  m !== undefined &&
  (m.example !== undefined ||
    Object.values(m.examples ?? {}).some((e) => e.value !== undefined) ||
    (m.schema as { example?: unknown } | undefined)?.example !== undefined);
const name = (o: { doc: string; method: string; path: string }) => `${o.doc} ${o.method.toUpperCase()} ${o.path}`;

describe("each OpenAPI document", () => {
  it.each([
    ["storefront", ["POST /v1/auth/login", "shopper1", "shopper-dev-password", "/v1/products", "/v1/orders", "/pay"]],
    [
      "admin",
      [
        "POST /v1/auth/login",
        "seller1",
        "seller-dev-password",
        "admin-dev-password",
        "POST /admin/v1/api-keys",
        "/admin/v1/products",
        "/stock",
      ],
    ],
    ["webhooks", ["Stripe-Signature", "whsec_dev_sandbox_secret", "/webhooks/payments/sandbox", "payment_intent"]],
  ] as const)("opens the %s document with a quick start naming %j", (doc, mentions) => {
    const description = docs[doc].info.description ?? "";
    expect(description).toMatch(/^[^\n]+\n[\s\S]*## Quick start/);
    expect(description.match(/curl /g)?.length ?? 0).toBeGreaterThanOrEqual(3);
    for (const text of mentions) expect(description).toContain(text);
  });

  it("gives every operation a description", () => {
    const missing = operations.filter((o) => !o.op.description?.trim()).map(name);
    expect(missing).toEqual([]);
  });

  it("gives every request body an example (binary uploads excepted)", () => {
    const missing = operations.flatMap((o) =>
      Object.entries(o.op.requestBody?.content ?? {})
        .filter(([type, media]) => !BINARY.test(type) && !hasExample(media))
        .map(([type]) => `${name(o)} ${type}`),
    );
    expect(missing).toEqual([]);
  });

  it("gives every success answer with a body an example", () => {
    const missing = operations.flatMap((o) =>
      Object.entries(o.op.responses)
        .filter(([status]) => status.startsWith("2"))
        .flatMap(([status, response]) =>
          Object.entries(response.content ?? {})
            .filter(([type, media]) => !BINARY.test(type) && !hasExample(media))
            .map(([type]) => `${name(o)} ${status} ${type}`),
        ),
    );
    expect(missing).toEqual([]);
  });

  it("documents Idempotency-Key only on POSTs, and declares 409 and 422 wherever it does", () => {
    const wrong = operations
      .filter((o) => o.op.parameters?.some((p) => p.in === "header" && p.name.toLowerCase() === "idempotency-key"))
      .filter((o) => o.method !== "post" || !o.op.responses["409"] || !o.op.responses["422"])
      .map(name);
    expect(wrong).toEqual([]);
    for (const path of ["/v1/auth/login", "/v1/auth/refresh", "/admin/v1/api-keys"]) {
      const op = operations.find((o) => o.path === path && o.method === "post");
      expect(op?.op.parameters?.map((p) => p.name) ?? [], path).not.toContain("idempotency-key");
    }
  });
});

describe("the examples, as Swagger UI pre-fills them", () => {
  const bodyExample = (path: string, method = "post") => {
    const op = operations.find((o) => o.path === path && o.method === method)?.op;
    const media = op?.requestBody?.content?.["application/json"];
    return { example: media?.example, examples: media?.examples ?? {} };
  };
  const login = async (username: string, password: string) => {
    const res = await json<{ accessToken: string }>(
      await call("POST", "/v1/auth/login", { body: { username, password } }),
    );
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    return res.body.accessToken;
  };

  it("create the seed's two products as seller1 (the demo login the admin quick start gives)", async () => {
    const token = await login("seller1", "seller-dev-password");
    const { examples } = bodyExample("/admin/v1/products");
    // The seed design's two product JSONs, exactly as written.
    expect(Object.values(examples).map((e) => e.value)).toEqual([JSON.parse(SEED_TSHIRT), JSON.parse(SEED_DATA_PACK)]);
    for (const [key, { value }] of Object.entries(examples)) {
      const res = await json(await call("POST", "/admin/v1/products", { token, body: value }));
      expect(res.status, `${key}: ${JSON.stringify(res.body)}`).toBe(201);
      expect(res.body).toMatchObject({ status: "DRAFT" });
    }
  });

  it("quote, order and pay as shopper1: the demo SKU to the demo address", async () => {
    // `npm run dev` moves the seeded stock into the SKU objects once the Workers are up; so does this.
    const operator = await login("admin", "admin-dev-password");
    const adopted = await json(
      await call("POST", "/admin/v1/ops/stock/adopt-projection", { token: operator, body: { limit: 1000 } }),
    );
    expect(adopted.status, JSON.stringify(adopted.body)).toBe(200);
    const token = await login("shopper1", "shopper-dev-password");
    const quote = await json(
      await call("POST", "/v1/checkout/quote", { token, body: bodyExample("/v1/checkout/quote").example }),
    );
    expect(quote.status, JSON.stringify(quote.body)).toBe(200);
    const order = await json<{ payOrderId: string }>(
      await call("POST", "/v1/orders", { token, body: bodyExample("/v1/orders").example }),
    );
    expect(order.status, JSON.stringify(order.body)).toBe(201);
    const pay = await json(
      await call("POST", `/v1/pay-orders/${order.body.payOrderId}/pay`, {
        token,
        body: bodyExample("/v1/pay-orders/{payOrderId}/pay").example,
      }),
    );
    expect(pay.status, JSON.stringify(pay.body)).toBe(201);
  });
});

type Who = "anonymous" | "shopper" | "seller" | "operator";

describe("every status answered is declared", () => {
  const tokens = {} as Record<Who, string | undefined>;
  beforeAll(async () => {
    tokens.anonymous = undefined;
    tokens.shopper = await tokenFor(DEMO.shopper);
    tokens.seller = await tokenFor(DEMO.seller1);
    tokens.operator = await tokenFor(DEMO.operator);
  });

  /** The requests the kernel refuses, for one operation: each with what it is, for the report. */
  function refusedRequests(o: (typeof operations)[number]) {
    const pathParams = (o.op.parameters ?? []).filter((p) => p.in === "path").map((p) => p.name);
    const pathWith = (values: Record<string, string> = {}) =>
      o.path.replace(/\{([^}]+)\}/g, (_, param: string) => values[param] ?? "x");
    const bodyTypes = Object.keys(o.op.requestBody?.content ?? {});
    const idempotent = o.op.parameters?.some((p) => p.name.toLowerCase() === "idempotency-key") ?? false;
    const out: { variant: string; path: string; headers: Record<string, string>; body?: string }[] = [];
    if (bodyTypes.length) {
      out.push({
        variant: "malformed JSON",
        path: pathWith(),
        headers: { "content-type": "application/json" },
        body: '{"a":',
      });
      out.push({ variant: "text/plain body", path: pathWith(), headers: { "content-type": "text/plain" }, body: "{}" });
      out.push({ variant: "no content type", path: pathWith(), headers: {}, body: "{}" });
    }
    if (o.method !== "get") {
      out.push({
        variant: "body over the size limit",
        path: pathWith(),
        headers: { "content-type": "application/json" },
        body: `{"a":"${"x".repeat(70_000)}"}`,
      });
    }
    for (const param of pathParams) {
      for (const bad of ["a".repeat(300), "%00", "0"]) {
        out.push({ variant: `path ${param}=${bad.slice(0, 8)}`, path: pathWith({ [param]: bad }), headers: {} });
      }
    }
    for (const p of (o.op.parameters ?? []).filter((q) => q.in === "query")) {
      out.push({ variant: `query ${p.name}`, path: `${pathWith()}?${p.name}=${"%FF".repeat(3)}`, headers: {} });
    }
    if (idempotent) {
      const key = `docs-${crypto.randomUUID()}`;
      for (const body of ['{"first":1}', '{"second":2}']) {
        out.push({
          variant: `idempotency key reused (${body})`,
          path: pathWith(),
          headers: { "content-type": "application/json", "idempotency-key": key },
          body,
        });
      }
      out.push({
        variant: "idempotency key too long",
        path: pathWith(),
        headers: { "idempotency-key": "k".repeat(300) },
      });
    }
    return out;
  }

  it("declares, on each operation, every status its refused requests get", async () => {
    const undeclared: string[] = [];
    for (const o of operations) {
      for (const who of ["anonymous", "shopper", "seller", "operator"] as Who[]) {
        // One after another: the idempotency pair must arrive in order.
        for (const r of refusedRequests(o)) {
          const headers = { ...r.headers, ...(tokens[who] ? { authorization: `Bearer ${tokens[who]}` } : {}) };
          // Sent as written (no content type added): the variants are about the framing.
          const res = await SELF.fetch(`${ORIGIN}${r.path}`, {
            method: o.method.toUpperCase(),
            headers,
            ...(r.body === undefined ? {} : { body: r.body }),
          });
          const text = await res.text();
          if (!o.op.responses[String(res.status)]) {
            undeclared.push(`${name(o)} as ${who} [${r.variant}] → ${res.status} ${text.slice(0, 200)}`);
          }
        }
      }
    }
    expect(undeclared, undeclared.join("\n")).toEqual([]);
  }, 120_000);
});
