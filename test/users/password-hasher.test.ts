import { env } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { CURRENT_PARAMS, hashPassword, verifyPassword } from "../../shared/users/password";
import { passwordHasherOf } from "../../shared/users/password-hasher";

const hasher = passwordHasherOf(env.PASSWORD_HASHER);

describe("the password-hasher Worker over its service binding", () => {
  it("hashes with the current parameters, and what it hashes verifies here and there", async () => {
    const stored = await hasher.hash("a sturdy passphrase 42");
    const { N, r, p } = CURRENT_PARAMS;
    expect(stored.startsWith(`scrypt$${N}$${r}$${p}$`)).toBe(true);
    expect(await verifyPassword("a sturdy passphrase 42", stored)).toBe(true);
    expect(await hasher.verify("a sturdy passphrase 42", stored)).toBe(true);
    expect(await hasher.verify("a sturdy passphrase 43", stored)).toBe(false);
  });

  it("verifies hashes made in-process and with older parameters, and never a malformed one", async () => {
    expect(await hasher.verify("older", await hashPassword("older", { N: 2 ** 14, r: 8, p: 1 }))).toBe(true);
    expect(await hasher.verify("x", "scrypt$not-a-hash")).toBe(false);
  });
});
