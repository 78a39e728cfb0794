import { describe, expect, it } from "vitest";
import { freshIp } from "../helpers/factories";
import { call, json } from "../helpers/http";

let n = 0;
const body = () => {
  n += 1;
  return { username: `rl${Date.now().toString(36)}${n}`, password: "a sturdy passphrase 42" };
};
const register = (ip: string) =>
  call("POST", "/v1/auth/register", { body: body(), headers: { "cf-connecting-ip": ip } });

// Regression (issue #11, defect 12): registration had no per-IP limit although each call costs a
// 32 MiB scrypt. The test Worker's REGISTER_IP_LIMIT_PER_MINUTE is 10.
describe("registration per client IP", () => {
  it("answers 429 problem+json with Retry-After past the per-IP limit, before hashing; other IPs go on", async () => {
    // The limiter counts in fixed one-minute windows: start where this burst fits in one.
    const left = 60_000 - (Date.now() % 60_000);
    if (left < 25_000) await new Promise((r) => setTimeout(r, left + 50));
    const ip = freshIp();
    for (let i = 0; i < 10; i += 1) {
      const res = await register(ip);
      expect(res.status, await res.clone().text()).toBe(201);
    }
    const limited = await register(ip);
    expect(limited.status).toBe(429);
    expect(limited.headers.get("content-type")).toContain("application/problem+json");
    expect(Number(limited.headers.get("retry-after"))).toBeGreaterThanOrEqual(1);
    expect(await limited.json()).toMatchObject({ status: 429, code: "rate_limited" });
    // A weak password from the limited IP is still 429: the limit comes before any other work.
    const weak = await json(
      await call("POST", "/v1/auth/register", {
        body: { username: `rlw${Date.now()}`, password: "password" },
        headers: { "cf-connecting-ip": ip },
      }),
    );
    expect(weak.status).toBe(429);
    expect((await register(freshIp())).status).toBe(201);
  }, 60_000);
});
