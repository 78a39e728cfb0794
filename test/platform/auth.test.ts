import { env } from "cloudflare:test";
import { SignJWT } from "jose";
import { describe, expect, it } from "vitest";
import { verifyAccessToken } from "../../shared/platform/auth";
import { ManualClock, systemClock } from "../../shared/platform/clock";
import { DEMO, tokenFor } from "../helpers/callers";
import { call, json } from "../helpers/http";

const config = () => ({
  secret: env.JWT_SECRET,
  issuer: "edge-commerce",
  audience: "edge-commerce",
  clock: systemClock,
});
const key = () => new TextEncoder().encode(env.JWT_SECRET);
const b64 = (value: unknown) =>
  btoa(JSON.stringify(value)).replaceAll("+", "-").replaceAll("/", "_").replace(/=+$/, "");
const nowSeconds = () => Math.floor(Date.now() / 1000);

function claims(overrides: Record<string, unknown> = {}) {
  return {
    sub: DEMO.operator.userId,
    roles: ["operator"],
    iss: "edge-commerce",
    aud: "edge-commerce",
    iat: nowSeconds(),
    exp: nowSeconds() + 600,
    jti: "j1",
    ...overrides,
  };
}

async function signed(header: Record<string, unknown>, payload: Record<string, unknown>) {
  return new SignJWT(payload).setProtectedHeader(header as { alg: string }).sign(key());
}

async function refused(token: string) {
  await expect(verifyAccessToken(token, config())).rejects.toMatchObject({ code: "invalid_token", status: 401 });
}

describe("access token verification", () => {
  it("accepts a token it issued and returns the caller", async () => {
    expect(await verifyAccessToken(await tokenFor(DEMO.seller1), config())).toEqual(DEMO.seller1);
  });

  it("refuses alg none", async () => {
    await refused(`${b64({ alg: "none", typ: "at+jwt" })}.${b64(claims())}.`);
  });

  it("refuses another algorithm even with the right key", async () => {
    await refused(await signed({ alg: "HS512", typ: "at+jwt" }, claims()));
  });

  it("refuses a token without exp", async () => {
    const { exp: _exp, ...noExp } = claims();
    await refused(await signed({ alg: "HS256", typ: "at+jwt" }, noExp));
  });

  it("refuses an expired token", async () => {
    const clock = new ManualClock(Date.now());
    const token = await tokenFor(DEMO.operator, clock, 60);
    clock.advance(61_000 + 60_000);
    await expect(verifyAccessToken(token, { ...config(), clock })).rejects.toMatchObject({ code: "invalid_token" });
  });

  it("refuses a wrong audience, issuer or typ", async () => {
    await refused(await signed({ alg: "HS256", typ: "at+jwt" }, claims({ aud: "someone-else" })));
    await refused(await signed({ alg: "HS256", typ: "at+jwt" }, claims({ iss: "evil" })));
    await refused(await signed({ alg: "HS256", typ: "JWT" }, claims()));
  });

  it("refuses a tampered signature or payload", async () => {
    const token = await tokenFor(DEMO.shopper);
    const [header, payload, signature = ""] = token.split(".");
    const flipped = `${signature.slice(0, -2)}${signature.endsWith("AA") ? "BB" : "AA"}`;
    await refused(`${header}.${payload}.${flipped}`);
    await refused(`${header}.${b64(claims({ sub: DEMO.shopper.userId }))}.${signature}`);
  });

  it("refuses unknown roles", async () => {
    await refused(await signed({ alg: "HS256", typ: "at+jwt" }, claims({ roles: ["superuser"] })));
  });

  it("answers a bad token on a protected route with 401 invalid_token", async () => {
    const res = await json(await call("GET", "/admin/v1/dead-letters", { token: "not.a.jwt" }));
    expect(res.status).toBe(401);
    expect(res.body).toMatchObject({ code: "invalid_token" });
  });
});
