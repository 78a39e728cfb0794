import { env } from "cloudflare:test";
import { afterEach, describe, expect, it } from "vitest";
import { SYSTEM_ACTOR } from "../../shared/platform/actor";
import { dbOf } from "../../shared/platform/db";
import { AppError } from "../../shared/platform/errors";
import { createLogger } from "../../shared/platform/logger";
import { SWITCH_NAMES, type SwitchName } from "../../shared/platform/switches/catalog";
import { flipSwitch, requireSwitch, SwitchCache, switchEnabled } from "../../shared/platform/switches/switches";
import { DEMO, tokenFor } from "../helpers/callers";
import { call, json } from "../helpers/http";

const db = dbOf(env.DB);
const log = createLogger({ test: "switches" });
const TTL = 5_000;

async function operator() {
  return tokenFor(DEMO.operator);
}

async function flip(name: string, enabled: boolean, reason = "load test drill") {
  return json<Record<string, unknown>>(
    await call("PUT", `/admin/v1/switches/${name}`, { token: await operator(), body: { enabled, reason } }),
  );
}

// Every test leaves every switch on, as the other suites expect.
afterEach(async () => {
  for (const name of SWITCH_NAMES)
    await flipSwitch(db, {
      name,
      body: { enabled: true, reason: "test reset" },
      actor: SYSTEM_ACTOR,
      now: Date.now(),
      log,
    });
});

describe("switch cache: a flip is in force within 5 s in every isolate, and back", () => {
  for (const name of SWITCH_NAMES) {
    it(`${name}: another isolate serves its cached state until ${TTL} ms after its read, then the new one`, async () => {
      const isolate = new SwitchCache(); // a storefront isolate that did not see the flip
      const t0 = Date.now() - 4 * TTL; // flips dated in the past, so later tests' flips are the newest
      const read = (at: number) => switchEnabled({ db, now: at, ttlMs: TTL, log, cache: isolate }, name);
      expect(await read(t0)).toBe(true);

      await flipSwitch(db, { name, body: { enabled: false, reason: "drill" }, actor: SYSTEM_ACTOR, now: t0 + 10, log });
      expect(await read(t0 + TTL - 1)).toBe(true); // still within the cache time of its read at t0
      expect(await read(t0 + TTL)).toBe(false); // at most 5 s after the read: off

      await flipSwitch(db, {
        name,
        body: { enabled: true, reason: "drill over" },
        actor: SYSTEM_ACTOR,
        now: t0 + TTL + 10,
        log,
      });
      expect(await read(t0 + 2 * TTL - 1)).toBe(false);
      expect(await read(t0 + 2 * TTL)).toBe(true);
    });
  }

  it("refreshes with one D1 read while the isolate's other requests go on with the last states", async () => {
    const isolate = new SwitchCache();
    const now = Date.now();
    let reads = 0;
    const counting = dbOf(
      new Proxy(env.DB, {
        get(target, prop) {
          if (prop === "prepare") {
            reads += 1;
          }
          const value = Reflect.get(target, prop, target);
          return typeof value === "function" ? value.bind(target) : value;
        },
      }),
    );
    const enabled = (at: number) =>
      switchEnabled({ db: counting, now: at, ttlMs: TTL, log, cache: isolate }, "checkout");
    const burst = (at: number) => Promise.all(Array.from({ length: 20 }, () => enabled(at)));
    expect(await enabled(now)).toBe(true);
    expect(reads).toBe(1);
    expect((await burst(now + 1)).every(Boolean)).toBe(true);
    expect(reads).toBe(1);
    // Expired: the first request refreshes, the other 19 answer from the last states meanwhile.
    expect((await burst(now + TTL)).every(Boolean)).toBe(true);
    expect(reads).toBe(2);
  });
});

describe("the guards of the features without routes yet", () => {
  for (const name of ["flash-sales.entry", "recommendations"] as SwitchName[]) {
    it(`${name}: requireSwitch refuses with 503 feature_disabled and Retry-After while off, and passes when back on`, async () => {
      const deps = { db, now: Date.now(), ttlMs: 0, log, cache: new SwitchCache() };
      await expect(requireSwitch(deps, name)).resolves.toBeUndefined();
      expect((await flip(name, false)).status).toBe(200);
      const refusal = await requireSwitch(deps, name).then(
        () => null,
        (err: unknown) => err,
      );
      expect(refusal).toBeInstanceOf(AppError);
      expect(refusal).toMatchObject({ code: "feature_disabled", headers: { "Retry-After": "30" } });
      expect((await flip(name, true)).status).toBe(200);
      await expect(requireSwitch(deps, name)).resolves.toBeUndefined();
    });
  }
});

describe("switches through the platform", () => {
  it("checkout off: quote and order answer 503 feature_disabled with Retry-After; back on, they work again", async () => {
    const shopper = await tokenFor(DEMO.shopper);
    const off = await flip("checkout", false, "payment provider outage");
    expect(off.status, JSON.stringify(off.body)).toBe(200);
    expect(off.body).toMatchObject({ name: "checkout", enabled: false, reason: "payment provider outage" });

    const quote = await call("POST", "/v1/checkout/quote", { token: shopper, body: { items: [] } });
    const quoteBody = await json<{ code: string; status: number }>(quote);
    expect(quoteBody.status, JSON.stringify(quoteBody.body)).toBe(503);
    expect(quoteBody.body.code).toBe("feature_disabled");
    expect(quote.headers.get("retry-after")).toBe("30");
    expect(quote.headers.get("content-type")).toContain("application/problem+json");

    const key = crypto.randomUUID();
    const order = await call("POST", "/v1/orders", {
      token: shopper,
      body: { items: [] },
      headers: { "Idempotency-Key": key },
    });
    expect(order.status).toBe(503);
    expect(order.headers.get("retry-after")).toBe("30");
    // Reading orders is not checkout.
    expect((await call("GET", "/v1/orders", { token: shopper })).status).toBe(200);

    expect((await flip("checkout", true, "provider back")).status).toBe(200);
    const again = await call("POST", "/v1/checkout/quote", { token: shopper, body: { items: [] } });
    expect(again.status).not.toBe(503);
    // The 503 was not stored under the key: the retry runs for real.
    const retried = await call("POST", "/v1/orders", {
      token: shopper,
      body: { items: [] },
      headers: { "Idempotency-Key": key },
    });
    expect(retried.status).not.toBe(503);
    expect(retried.headers.get("idempotent-replayed")).toBeNull();
  });

  it("search.facets off: the same results without facets and X-Degraded; back on, facets again", async () => {
    const search = async () => {
      const res = await call("GET", "/v1/products?limit=5");
      return {
        ...(await json<{ items: { productId: string }[]; facets: { brand: unknown[]; category: unknown[] } }>(res)),
        degraded: res.headers.get("x-degraded"),
      };
    };
    const full = await search();
    expect(full.status).toBe(200);
    expect(full.degraded).toBeNull();
    expect(full.body.facets.category.length).toBeGreaterThan(0);

    expect((await flip("search.facets", false, "D1 saturated")).status).toBe(200);
    const lean = await search();
    expect(lean.status).toBe(200);
    expect(lean.degraded).toBe("search.facets");
    expect(lean.body.facets).toEqual({ brand: [], category: [] });
    expect(lean.body.items.map((i) => i.productId)).toEqual(full.body.items.map((i) => i.productId));

    expect((await flip("search.facets", true, "D1 recovered")).status).toBe(200);
    const back = await search();
    expect(back.degraded).toBeNull();
    expect(back.body.facets).toEqual(full.body.facets);
  });

  it("lists every switch with who flipped it and why, newest flip first", async () => {
    await flip("recommendations", false, "recommender slow");
    await flip("recommendations", true, "recommender fine");
    const { status, body } = await json<{
      items: {
        name: string;
        enabled: boolean;
        updatedBy: string;
        history: { enabled: boolean; reason: string; by: string }[];
      }[];
    }>(await call("GET", "/admin/v1/switches", { token: await operator() }));
    expect(status).toBe(200);
    expect(body.items.map((s) => s.name)).toEqual(SWITCH_NAMES);
    const recommendations = body.items.find((s) => s.name === "recommendations");
    expect(recommendations?.enabled).toBe(true);
    expect(recommendations?.updatedBy).toBe(`user:${DEMO.operator.userId}`);
    expect(recommendations?.history.slice(0, 2)).toEqual([
      expect.objectContaining({ enabled: true, reason: "recommender fine", by: `user:${DEMO.operator.userId}` }),
      expect.objectContaining({ enabled: false, reason: "recommender slow", by: `user:${DEMO.operator.userId}` }),
    ]);
  });

  it("refuses sellers, an unknown switch and a flip without a reason", async () => {
    const seller = await tokenFor(DEMO.seller1);
    expect((await call("GET", "/admin/v1/switches", { token: seller })).status).toBe(403);
    expect(
      (await call("PUT", "/admin/v1/switches/checkout", { token: seller, body: { enabled: false, reason: "nope" } }))
        .status,
    ).toBe(403);
    expect((await flip("payments", false)).status).toBe(404);
    const noReason = await call("PUT", "/admin/v1/switches/checkout", {
      token: await operator(),
      body: { enabled: false },
    });
    expect(noReason.status).toBe(400);
  });
});
