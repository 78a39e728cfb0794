import { env } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { verifyPassword } from "../../shared/users/password";
import { commonPasswordCount } from "../../shared/users/password-policy";
import { freshIp } from "../helpers/factories";
import { call, json } from "../helpers/http";

let n = 0;
function uniqueName(prefix = "reg") {
  n += 1;
  return `${prefix}${Date.now().toString(36)}${n}`;
}

function register(body: Record<string, unknown>, headers: Record<string, string> = {}) {
  return call("POST", "/v1/auth/register", { body, headers: { "cf-connecting-ip": freshIp(), ...headers } }).then(json);
}

describe("POST /v1/auth/register", () => {
  it("creates a shopper with a scrypt hash and answers 201 {userId}", async () => {
    const username = uniqueName();
    const res = await register({
      username,
      email: `${username}@example.test`,
      phone: "+8613712345678",
      password: "a sturdy passphrase 42",
    });
    expect(res.status, JSON.stringify(res.body)).toBe(201);
    expect(res.body).toEqual({ userId: expect.stringMatching(/^usr_/) });
    const row = await env.DB.prepare("select username, role, password_hash from users where id = ?")
      .bind(res.body.userId)
      .first<{ username: string; role: string; password_hash: string }>();
    expect(row).toMatchObject({ username, role: "shopper" });
    expect(row?.password_hash).toMatch(/^scrypt\$32768\$8\$3\$/);
    expect(await verifyPassword("a sturdy passphrase 42", row?.password_hash ?? "")).toBe(true);
  });

  it("treats usernames case-insensitively and answers 409 username_taken", async () => {
    const username = uniqueName();
    expect((await register({ username, password: "a sturdy passphrase 42" })).status).toBe(201);
    const again = await register({ username: username.toUpperCase(), password: "another sturdy passphrase" });
    expect(again).toMatchObject({ status: 409, body: { code: "username_taken" } });
  });

  it("answers 409 email_taken and phone_taken", async () => {
    const email = `${uniqueName()}@example.test`;
    expect((await register({ username: uniqueName(), email, password: "a sturdy passphrase 42" })).status).toBe(201);
    expect(
      await register({ username: uniqueName(), email: email.toUpperCase(), password: "a sturdy passphrase 42" }),
    ).toMatchObject({
      status: 409,
      body: { code: "email_taken" },
    });
    const phone = `+86150${String(Date.now()).slice(-8)}`;
    expect((await register({ username: uniqueName(), phone, password: "a sturdy passphrase 42" })).status).toBe(201);
    expect(await register({ username: uniqueName(), phone, password: "a sturdy passphrase 42" })).toMatchObject({
      status: 409,
      body: { code: "phone_taken" },
    });
  });

  it("registers exactly one account when the same username races", async () => {
    const username = uniqueName();
    const results = await Promise.all(
      Array.from({ length: 8 }, () => register({ username, password: "a sturdy passphrase 42" })),
    );
    expect(results.filter((r) => r.status === 201)).toHaveLength(1);
    for (const r of results.filter((r) => r.status !== 201))
      expect(r).toMatchObject({ status: 409, body: { code: "username_taken" } });
  });

  it.each([
    ["short", "abc123", "at least 8"],
    ["common", "password123", "commonly used"],
    ["common, any case", "Qwertyuiop", "commonly used"],
    ["containing the username", "xx{username}xx", "username"],
    ["longer than 128", "x".repeat(129), "at most 128"],
  ])("refuses a weak password (%s) with 400 weak_password naming the field", async (_case, password, reason) => {
    const username = uniqueName();
    const res = await register({ username, password: password.replace("{username}", username) });
    expect(res.status).toBe(400);
    expect(res.body).toMatchObject({
      code: "weak_password",
      errors: [{ field: "password", reason: expect.stringContaining(reason) }],
    });
    const row = await env.DB.prepare("select count(*) as n from users where username = ?")
      .bind(username)
      .first<{ n: number }>();
    expect(row?.n).toBe(0);
  });

  it("accepts a 64-character passphrase and ships a real common-password list", async () => {
    const res = await register({
      username: uniqueName(),
      password: "a long passphrase made of many ordinary words is fine to use!!!!",
    });
    expect(res.status).toBe(201);
    expect(await commonPasswordCount()).toBeGreaterThan(10_000);
  });

  it("names each bad field", async () => {
    const res = await register({ username: "!", email: "not-an-email", phone: "12", password: "", extra: 1 });
    expect(res.status).toBe(400);
    const fields = (res.body.errors as { field: string }[]).map((e) => e.field);
    expect(fields).toEqual(expect.arrayContaining(["username", "email", "phone", "password"]));
  });

  it("replays the first answer for a repeated Idempotency-Key", async () => {
    const body = { username: uniqueName(), password: "a sturdy passphrase 42" };
    const headers = { "Idempotency-Key": `reg-${uniqueName()}`, "cf-connecting-ip": "10.9.9.9" };
    const first = await register(body, headers);
    const second = await register(body, headers);
    expect(first.status).toBe(201);
    expect(second.status).toBe(201);
    expect(second.body).toEqual(first.body);
    expect(second.res.headers.get("idempotent-replayed")).toBe("true");
  });
});
