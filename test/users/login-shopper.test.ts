import { env } from "cloudflare:test";
import { beforeAll, describe, expect, it } from "vitest";
import { systemClock } from "../../shared/platform/clock";
import { dbOf } from "../../shared/platform/db";
import { authEnvSchema, readEnv } from "../../shared/platform/env";
import type { LoginDeps } from "../../shared/users/accounts";
import { loginShopper } from "../../shared/users/login-shopper";
import { passwordHasherOf } from "../../shared/users/password-hasher";
import { newSeller, postProduct, putOnShelf, tshirt } from "../helpers/catalog";
import { createUser, freshIp } from "../helpers/factories";
import { call, json } from "../helpers/http";

type Cart = { items: { skuId: string; quantity: number }[] };

const deps: LoginDeps = {
  db: dbOf(env.DB),
  clock: systemClock,
  tokens: readEnv(authEnvSchema, env),
  passwords: passwordHasherOf(env.PASSWORD_HASHER),
  limiter: env.RATE_LIMITER,
  ipLimit: { limit: 1_000, windowMs: 60_000 },
};
const meta = () => ({ ip: freshIp(), userAgent: "test", deviceId: null, country: null });

let skuId: string;

beforeAll(async () => {
  const seller = await newSeller();
  const created = await postProduct(seller, tshirt());
  skuId = created.body.skuIds[0] ?? "";
  await putOnShelf(seller, created.body.productId);
});

/** A guest cart holding two of the test SKU, and its token. */
async function guestCartWithTwo(): Promise<string> {
  const token = (await call("GET", "/v1/cart")).headers.get("x-cart-token") ?? "";
  const res = await call("PUT", `/v1/cart/items/${skuId}`, {
    body: { quantity: 2 },
    headers: { "x-cart-token": token },
  });
  expect(res.status, await res.clone().text()).toBe(200);
  return token;
}

const cartOf = async (headers: Record<string, string>) =>
  (await json<Cart>(await call("GET", "/v1/cart", { headers }))).body.items.map((i) => [i.skuId, i.quantity]);

describe("loginShopper", () => {
  it("returns the token pair without the user id and moves the guest cart into the account cart", async () => {
    const user = await createUser();
    const token = await guestCartWithTwo();
    const pair = await loginShopper(deps, { username: user.username, password: user.password }, meta(), token);
    expect(Object.keys(pair).sort()).toEqual(["accessToken", "expiresIn", "refreshToken", "tokenType"]);
    expect(await cartOf({ authorization: `Bearer ${pair.accessToken}` })).toEqual([[skuId, 2]]);
    expect(await cartOf({ "x-cart-token": token })).toEqual([]);
  });

  it("leaves the guest cart alone when the password is wrong", async () => {
    const user = await createUser();
    const token = await guestCartWithTwo();
    await expect(
      loginShopper(deps, { username: user.username, password: "not the password at all" }, meta(), token),
    ).rejects.toMatchObject({ status: 401 });
    expect(await cartOf({ "x-cart-token": token })).toEqual([[skuId, 2]]);
  });

  it("logs in and ignores a malformed or missing cart token", async () => {
    const user = await createUser();
    for (const token of ["ct_short", undefined]) {
      const pair = await loginShopper(deps, { username: user.username, password: user.password }, meta(), token);
      expect(pair.tokenType).toBe("Bearer");
      expect(await cartOf({ authorization: `Bearer ${pair.accessToken}` })).toEqual([]);
    }
  });
});
