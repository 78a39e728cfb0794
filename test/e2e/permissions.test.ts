/**
 * The shared permission suite: every route documented in the storefront's and admin's OpenAPI
 * documents is run against anonymous, shopper, seller of shop 1, seller of shop 2 and operator
 * callers. A route missing from POLICIES fails the suite, so new routes join it by default.
 */
import { describe, expect, it } from "vitest";
import type { Caller } from "../../shared/platform/auth";
import { DEMO, tokenFor } from "../helpers/callers";
import { call, json } from "../helpers/http";

type Policy = "public" | "operator";

/** Who may call each route; keys are `METHOD /path/{param}` as in the OpenAPI documents. */
const POLICIES: Record<string, Policy> = {
  "GET /v1/health": "public",
  "GET /admin/v1/health": "public",
  "GET /admin/v1/dead-letters": "operator",
  "POST /admin/v1/dead-letters/{deadLetterId}/replay": "operator",
  "POST /admin/v1/ops/event-canaries": "operator",
  "GET /admin/v1/ops/event-canaries/{canaryId}": "operator",
};

const CALLERS: Record<string, Caller | null> = {
  anonymous: null,
  shopper: DEMO.shopper,
  seller1: DEMO.seller1,
  seller2: DEMO.seller2,
  operator: DEMO.operator,
};

async function documentedRoutes(): Promise<string[]> {
  const routes: string[] = [];
  for (const doc of ["/openapi.json", "/admin/openapi.json"]) {
    const { body } = await json<{ paths: Record<string, Record<string, unknown>> }>(await call("GET", doc));
    for (const [path, methods] of Object.entries(body.paths)) {
      for (const method of Object.keys(methods)) routes.push(`${method.toUpperCase()} ${path}`);
    }
  }
  return routes;
}

describe("permissions", () => {
  it("classifies every documented route", async () => {
    const unclassified = (await documentedRoutes()).filter((r) => !(r in POLICIES));
    expect(unclassified, "add these routes to POLICIES").toEqual([]);
  });

  for (const [route, policy] of Object.entries(POLICIES)) {
    const [method = "GET", template = "/"] = route.split(" ");
    const path = template.replace(/\{[^}]+\}/g, "x_unknown");
    for (const [who, caller] of Object.entries(CALLERS)) {
      it(`${route} as ${who}`, async () => {
        const token = caller ? await tokenFor(caller) : undefined;
        const res = await json(await call(method, path, { token, ...(method === "GET" ? {} : { body: {} }) }));
        const denied = policy === "operator" && who !== "operator";
        if (!denied) {
          expect([401, 403], JSON.stringify(res.body)).not.toContain(res.status);
        } else if (caller === null) {
          expect(res, JSON.stringify(res.body)).toMatchObject({ status: 401, body: { code: "unauthenticated" } });
        } else {
          expect(res, JSON.stringify(res.body)).toMatchObject({ status: 403, body: { code: "forbidden" } });
        }
      });
    }
  }
});
