import { env } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { ManualClock } from "../../shared/platform/clock";
import { hashPassword } from "../../shared/users/password";
import { buildStorefrontApp } from "../../workers/storefront/app";
import { createUser, freshIp } from "../helpers/factories";
import { call, callApp, json } from "../helpers/http";

function attempt(username: string, password: string, headers: Record<string, string> = {}) {
  return call("POST", "/v1/auth/login", {
    body: { username, password },
    headers: { "cf-connecting-ip": freshIp(), ...headers },
  }).then(json);
}

async function logsOf(userId: string) {
  return (
    await env.DB.prepare(
      "select outcome, ip, user_agent, country, new_device, new_country from user_login_logs where user_id = ? order by created_at, id",
    )
      .bind(userId)
      .all<{
        outcome: string;
        ip: string;
        user_agent: string | null;
        country: string | null;
        new_device: number;
        new_country: number;
      }>()
  ).results;
}

describe("POST /v1/auth/login", () => {
  it("logs in by username, email or phone and the access token works", async () => {
    const user = await createUser();
    for (const identifier of [user.username, user.email.toUpperCase(), user.phone]) {
      const res = await attempt(identifier, user.password);
      expect(res.status, JSON.stringify(res.body)).toBe(200);
      expect(res.body).toMatchObject({
        tokenType: "Bearer",
        expiresIn: 900,
        refreshToken: expect.stringMatching(/^rt_/),
      });
      const me = await json(await call("GET", "/v1/me", { token: String(res.body.accessToken) }));
      expect(me).toMatchObject({ status: 200, body: { userId: user.id, username: user.username, roles: ["shopper"] } });
    }
  });

  it("answers an unknown user exactly like a wrong password", async () => {
    const user = await createUser();
    const wrong = await attempt(user.username, "not the password at all");
    const unknown = await attempt(`nobody-${user.username}`, "not the password at all");
    expect(wrong.status).toBe(401);
    expect(unknown.status).toBe(401);
    const strip = (b: Record<string, unknown>) => ({ ...b, instance: undefined });
    expect(strip(unknown.body)).toEqual(strip(wrong.body));
    expect(wrong.body).toMatchObject({ code: "invalid_credentials" });
  });

  it("locks an account after 5 failures for 10 minutes, across IPs, then lets it in again", async () => {
    const clock = new ManualClock(Date.now());
    const app = buildStorefrontApp({ clock });
    const user = await createUser();
    const send = async (password: string) =>
      json(await callApp(app, "POST", "/v1/auth/login", { body: { username: user.username, password } }));
    for (let i = 0; i < 5; i++) expect((await send("wrong password here")).status).toBe(401);
    const locked = await send(user.password);
    expect(locked).toMatchObject({ status: 423, body: { code: "account_locked" } });
    expect(Number(locked.res.headers.get("retry-after"))).toBeGreaterThan(590);
    clock.advance(9 * 60 * 1000);
    expect((await send(user.password)).status).toBe(423);
    clock.advance(61 * 1000);
    expect((await send(user.password)).status).toBe(200);
    // A success clears the count: four more failures do not lock.
    for (let i = 0; i < 4; i++) expect((await send("wrong password here")).status).toBe(401);
    expect((await send(user.password)).status).toBe(200);
  });

  it("checks at most 5 passwords when 20 wrong attempts arrive at once", async () => {
    const user = await createUser();
    const results = await Promise.all(Array.from({ length: 20 }, () => attempt(user.username, "wrong password here")));
    const statuses = results.map((r) => r.status);
    expect(statuses.filter((s) => s === 401)).toHaveLength(5);
    expect(statuses.filter((s) => s === 423)).toHaveLength(15);
    expect((await attempt(user.username, user.password)).status).toBe(423);
    const checked = (await logsOf(user.id)).filter((l) => l.outcome === "invalid_credentials");
    expect(checked).toHaveLength(5);
  });

  it("locks unknown identifiers the same way, so the lock does not reveal accounts", async () => {
    const ghost = `ghost${Date.now().toString(36)}`;
    for (let i = 0; i < 5; i++) expect((await attempt(ghost, "wrong password here")).status).toBe(401);
    expect((await attempt(ghost, "wrong password here")).status).toBe(423);
  });

  it("limits login attempts per client IP", async () => {
    const ip = freshIp();
    const user = await createUser();
    const results = await Promise.all(
      Array.from({ length: 11 }, () => attempt(user.username, user.password, { "cf-connecting-ip": ip })),
    );
    const limited = results.filter((r) => r.status === 429);
    expect(limited).toHaveLength(1);
    expect(limited[0]?.body).toMatchObject({ code: "rate_limited" });
    expect(Number(limited[0]?.res.headers.get("retry-after"))).toBeGreaterThan(0);
  });

  it("records every attempt with ip, user agent, outcome and new-device / new-country flags", async () => {
    const user = await createUser();
    const phone = { "user-agent": "ShopApp/1.0 (iPhone)", "cf-ipcountry": "CN", "cf-connecting-ip": "10.1.2.3" };
    expect((await attempt(user.username, "wrong password here", phone)).status).toBe(401);
    expect((await attempt(user.username, user.password, phone)).status).toBe(200);
    expect((await attempt(user.username, user.password, phone)).status).toBe(200);
    expect(
      (await attempt(user.username, user.password, { ...phone, "user-agent": "Firefox/140", "cf-ipcountry": "DE" }))
        .status,
    ).toBe(200);
    expect(await logsOf(user.id)).toEqual([
      {
        outcome: "invalid_credentials",
        ip: "10.1.2.3",
        user_agent: "ShopApp/1.0 (iPhone)",
        country: "CN",
        new_device: 0,
        new_country: 0,
      },
      {
        outcome: "success",
        ip: "10.1.2.3",
        user_agent: "ShopApp/1.0 (iPhone)",
        country: "CN",
        new_device: 1,
        new_country: 1,
      },
      {
        outcome: "success",
        ip: "10.1.2.3",
        user_agent: "ShopApp/1.0 (iPhone)",
        country: "CN",
        new_device: 0,
        new_country: 0,
      },
      { outcome: "success", ip: "10.1.2.3", user_agent: "Firefox/140", country: "DE", new_device: 1, new_country: 1 },
    ]);
  });

  it("rehashes a password stored with older parameters at login", async () => {
    const user = await createUser("shopper", {
      passwordHash: await hashPassword("correct horse battery staple", { N: 2 ** 14, r: 8, p: 1 }),
    });
    expect((await attempt(user.username, user.password)).status).toBe(200);
    const row = await env.DB.prepare("select password_hash from users where id = ?")
      .bind(user.id)
      .first<{ password_hash: string }>();
    expect(row?.password_hash).toMatch(/^scrypt\$32768\$8\$3\$/);
    expect((await attempt(user.username, user.password)).status).toBe(200);
  });

  it("puts a seller's shop into its token", async () => {
    const seller = await createUser("seller");
    const res = await attempt(seller.username, seller.password);
    const me = await json(await call("GET", "/v1/me", { token: String(res.body.accessToken) }));
    expect(me.body).toMatchObject({ roles: ["seller"], shopId: seller.shopId });
  });
});
