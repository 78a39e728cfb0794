import { env, SELF } from "cloudflare:test";
import { expect, it } from "vitest";

it("answers health through the router", async () => {
  const res = await SELF.fetch("http://local.test/v1/health");
  expect(res.status).toBe(200);
  const row = await env.DB.prepare("select count(*) as n from users").first<{ n: number }>();
  expect(row?.n).toBeGreaterThanOrEqual(4);
});
