import { env } from "cloudflare:test";
import { decodeJwt, decodeProtectedHeader } from "jose";
import { describe, expect, it } from "vitest";
import { ManualClock } from "../../shared/platform/clock";
import { dbOf } from "../../shared/platform/db";
import { sessionStatus } from "../../shared/users/sessions";
import { buildStorefrontApp } from "../../workers/storefront/app";
import { createUser } from "../helpers/factories";
import { call, callApp, json } from "../helpers/http";
import { loginAs, type Pair } from "../helpers/sessions";

const refresh = (refreshToken: string) => call("POST", "/v1/auth/refresh", { body: { refreshToken } }).then(json<Pair>);

describe("access and refresh tokens", () => {
  it("issues an access JWT of at most 15 minutes with the claims the spec lists", async () => {
    const seller = await createUser("seller");
    const pair = await loginAs(seller);
    expect(decodeProtectedHeader(pair.accessToken)).toEqual({ alg: "HS256", typ: "at+jwt" });
    const claims = decodeJwt(pair.accessToken);
    expect(claims).toMatchObject({
      iss: "edge-commerce",
      aud: "edge-commerce",
      sub: seller.id,
      roles: ["seller"],
      shop: seller.shopId,
    });
    expect(claims.jti).toBeTruthy();
    expect((claims.exp ?? 0) - (claims.iat ?? 0)).toBeLessThanOrEqual(900);
    expect(pair.refreshToken).toMatch(/^rt_[A-Za-z0-9_-]{43}$/);
  });

  it("stores refresh tokens only as hashes", async () => {
    const pair = await loginAs(await createUser());
    const hits = await env.DB.prepare("select count(*) as n from refresh_tokens where token_hash = ?")
      .bind(pair.refreshToken)
      .first<{ n: number }>();
    expect(hits?.n).toBe(0);
  });

  it("rotates: a refresh returns a new pair and uses the old token up", async () => {
    const first = await loginAs(await createUser());
    const second = await refresh(first.refreshToken);
    expect(second.status).toBe(200);
    expect(second.body.refreshToken).not.toBe(first.refreshToken);
    expect((await call("GET", "/v1/me", { token: second.body.accessToken })).status).toBe(200);
    expect((await refresh(second.body.refreshToken)).status).toBe(200);
  });

  it("rejects a reused refresh token and revokes its family", async () => {
    const first = await loginAs(await createUser());
    const second = await refresh(first.refreshToken);
    const replay = await refresh(first.refreshToken);
    expect(replay).toMatchObject({ status: 401, body: { code: "invalid_token" } });
    // The thief's replay also ends the legitimate holder's newer token.
    expect((await refresh(second.body.refreshToken)).status).toBe(401);
    expect(await sessionStatus(dbOf(env.DB), second.body.refreshToken)).toEqual({
      tokenStatus: "active",
      revokedReason: "reuse_detected",
    });
  });

  it("yields at most one new pair for concurrent refreshes of one token", async () => {
    const first = await loginAs(await createUser());
    const results = await Promise.all(Array.from({ length: 10 }, () => refresh(first.refreshToken)));
    const ok = results.filter((r) => r.status === 200);
    expect(ok).toHaveLength(1);
    for (const r of results.filter((r) => r.status !== 200))
      expect(r).toMatchObject({ status: 401, body: { code: "invalid_token" } });
  });

  it("ends the session at logout", async () => {
    const pair = await loginAs(await createUser());
    expect((await call("POST", "/v1/auth/logout", { body: { refreshToken: pair.refreshToken } })).status).toBe(204);
    expect((await refresh(pair.refreshToken)).status).toBe(401);
    // Logging out again, or with an unknown token, is harmless.
    expect((await call("POST", "/v1/auth/logout", { body: { refreshToken: pair.refreshToken } })).status).toBe(204);
    expect((await call("POST", "/v1/auth/logout", { body: { refreshToken: "rt_unknown" } })).status).toBe(204);
  });

  it("ends a session at its absolute expiry however often it is refreshed", async () => {
    const clock = new ManualClock(Date.now());
    const app = buildStorefrontApp({ clock });
    const user = await createUser();
    const post = async (path: string, body: unknown) => json<Pair>(await callApp(app, "POST", path, { body }));
    let pair = (await post("/v1/auth/login", { username: user.username, password: user.password })).body;
    for (let day = 0; day < 29; day++) {
      clock.advance(24 * 60 * 60 * 1000);
      const next = await post("/v1/auth/refresh", { refreshToken: pair.refreshToken });
      expect(next.status).toBe(200);
      pair = next.body;
    }
    clock.advance(24 * 60 * 60 * 1000 + 1);
    expect((await post("/v1/auth/refresh", { refreshToken: pair.refreshToken })).status).toBe(401);
  });

  it("lets an unused refresh token lapse after 14 days", async () => {
    const clock = new ManualClock(Date.now());
    const app = buildStorefrontApp({ clock });
    const user = await createUser();
    const post = async (path: string, body: unknown) => json<Pair>(await callApp(app, "POST", path, { body }));
    const pair = (await post("/v1/auth/login", { username: user.username, password: user.password })).body;
    clock.advance(14 * 24 * 60 * 60 * 1000 + 1);
    expect((await post("/v1/auth/refresh", { refreshToken: pair.refreshToken })).status).toBe(401);
  });
});
