/** Logging in through the storefront, as a client does. */

import { freshIp, type TestUser } from "./factories";
import { call, json } from "./http";

export interface Pair {
  accessToken: string;
  refreshToken: string;
  expiresIn: number;
  tokenType: string;
}

/** Logs `user` in from a fresh IP; fails the test with the body if it does not succeed. */
export async function loginAs(
  user: Pick<TestUser, "username" | "password">,
  headers: Record<string, string> = {},
): Promise<Pair> {
  const res = await json<Pair>(
    await call("POST", "/v1/auth/login", {
      body: { username: user.username, password: user.password },
      headers: { "cf-connecting-ip": freshIp(), ...headers },
    }),
  );
  if (res.status !== 200) throw new Error(`login failed: ${res.status} ${JSON.stringify(res.body)}`);
  return res.body;
}
