import { env } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { guardFlashSaleEntry } from "../../shared/flash-sales/entry-guard";
import { createOrder } from "../../shared/orders/create-order";
import { ManualClock } from "../../shared/platform/clock";
import { dbOf } from "../../shared/platform/db";
import { AppError } from "../../shared/platform/errors";
import { newId } from "../../shared/platform/ids";
import { createLogger } from "../../shared/platform/logger";
import { SwitchCache } from "../../shared/platform/switches/switches";
import { buildStorefrontApp } from "../../workers/storefront/app";
import { freshIp } from "../helpers/factories";
import { callApp, json } from "../helpers/http";
import { newShopper, orderDepsFor, skuOnSale } from "../helpers/orders";

// 30 s into a minute: the fixed window resets in exactly 30 s.
const MID_MINUTE = Date.UTC(2026, 11, 2, 4, 0, 30);
const log = createLogger({ test: "rate-limits" });

/** The standard answer of a refused request under `policy` (`limit` per minute), `reset` s from the window's end. */
function expectStandard429(res: Response, body: Record<string, unknown>, policy: string, limit: number, reset: number) {
  expect(res.status, JSON.stringify(body)).toBe(429);
  expect(res.headers.get("content-type")).toContain("application/problem+json");
  expect(body).toMatchObject({ status: 429, code: "rate_limited", policy, limit, windowSeconds: 60 });
  expect(res.headers.get("retry-after")).toBe(String(reset));
  expect(res.headers.get("ratelimit-policy")).toBe(`"${policy}";q=${limit};w=60`);
  expect(res.headers.get("ratelimit")).toBe(`"${policy}";r=0;t=${reset}`);
}

describe("standard 429 answers on the limited routes", () => {
  it("login: past LOGIN_IP_LIMIT_PER_MINUTE (10 in tests) from one IP", async () => {
    const app = buildStorefrontApp({ clock: new ManualClock(MID_MINUTE) });
    const ip = freshIp();
    const attempt = (i: number) =>
      callApp(app, "POST", "/v1/auth/login", {
        body: { username: `nobody_${i}_${newId("request").slice(-8)}`, password: "wrong password here" },
        headers: { "cf-connecting-ip": ip },
      });
    for (let i = 0; i < 10; i++) expect((await attempt(i)).status).toBe(401);
    const refused = await attempt(10);
    expectStandard429(refused, (await json(refused)).body, "login-ip", 10, 30);
  });

  it("registration: past REGISTER_IP_LIMIT_PER_MINUTE (10 in tests), counted before the password is judged", async () => {
    const app = buildStorefrontApp({ clock: new ManualClock(MID_MINUTE + 15_000) });
    const ip = freshIp();
    const attempt = (i: number) =>
      callApp(app, "POST", "/v1/auth/register", {
        body: { username: `weak_${i}_${newId("request").slice(-8)}`, password: "123" },
        headers: { "cf-connecting-ip": ip },
      });
    for (let i = 0; i < 10; i++) expect((await attempt(i)).status).toBe(400);
    const refused = await attempt(10);
    expectStandard429(refused, (await json(refused)).body, "register-ip", 10, 15);
  });

  it("checkout: past ORDER_USER_LIMIT_PER_MINUTE, the refusal carries the orders-user policy", async () => {
    // In the future of the SKU's price (it takes effect now), 30 s into a minute.
    const clock = new ManualClock(Math.floor(Date.now() / 60_000) * 60_000 + 90_000);
    const { skuId } = await skuOnSale(undefined, { stock: 10 });
    const shopper = await newShopper();
    const deps = orderDepsFor(clock, { vars: { ORDER_USER_LIMIT_PER_MINUTE: "2" } });
    const input = {
      userId: shopper.id,
      ip: freshIp(),
      body: { items: [{ skuId, quantity: 1 }], addressId: shopper.addressId },
    };
    await createOrder(deps, input);
    clock.advance(20_000);
    await createOrder(deps, input);
    await expect(createOrder(deps, input)).rejects.toMatchObject({
      code: "rate_limited",
      headers: {
        "Retry-After": "10",
        "RateLimit-Policy": '"orders-user";q=2;w=60',
        RateLimit: '"orders-user";r=0;t=10',
      },
      extensions: { policy: "orders-user", limit: 2 },
    });
  });

  it("flash-sale entry: the switch first, then FLASH_SALE_ENTRY_USER_LIMIT_PER_MINUTE per shopper", async () => {
    const userId = newId("user");
    const switches = { db: dbOf(env.DB), now: MID_MINUTE + 20_000, ttlMs: 5_000, log, cache: new SwitchCache() };
    const deps = { switches, limiter: env.RATE_LIMITER, env: { FLASH_SALE_ENTRY_USER_LIMIT_PER_MINUTE: "3" } };
    for (let i = 0; i < 3; i++) await guardFlashSaleEntry(deps, userId);
    const refusal = await guardFlashSaleEntry(deps, userId).then(
      () => null,
      (err: unknown) => err,
    );
    expect(refusal).toBeInstanceOf(AppError);
    expect(refusal).toMatchObject({
      code: "rate_limited",
      headers: {
        "Retry-After": "10",
        "RateLimit-Policy": '"flash-sale-entry";q=3;w=60',
        RateLimit: '"flash-sale-entry";r=0;t=10',
      },
    });
    // Another shopper is not limited by the first one's entries.
    await expect(guardFlashSaleEntry(deps, newId("user"))).resolves.toBeUndefined();
  });
});
