/**
 * The console's Shops and Users pages as a signed-in operator: the shops with owners and counts,
 * filtered; the users filtered, disabled with a reason (the account then cannot sign in to the
 * console either), enabled again; a refused act shown as the API's problem above the same list;
 * sellers refused both pages.
 */
import { env } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { consoleBrowser } from "../helpers/console";
import { createUser } from "../helpers/factories";

const OPERATOR = { username: "admin", password: "admin-dev-password" };

async function signedIn(user: { username: string; password: string }) {
  const browser = consoleBrowser();
  const res = await browser.signIn(user.username, user.password);
  expect(res.status, await res.clone().text()).toBe(303);
  return browser;
}

describe("console shops and users", () => {
  it("lists the shops with their owners and counts, filtered by name and status", async () => {
    const operator = await signedIn(OPERATOR);
    const all = await operator.get("/console/shops");
    expect(all.status).toBe(200);
    const html = await all.text();
    expect(html).toContain("Demo Apparel Flagship");
    expect(html).toContain('<th scope="col" class="num">Orders</th>');
    expect(html).toContain('href="/console/users?q=seller1"');
    expect(html).toContain('aria-current="page"');

    const seller = await createUser("seller");
    const name = `Console shop ${crypto.randomUUID().slice(0, 8)}`;
    await env.DB.prepare("update shops set name = ? where id = ?").bind(name, seller.shopId).run();
    const found = await (await operator.get(`/console/shops?q=${encodeURIComponent(name)}&status=ACTIVE`)).text();
    expect(found).toContain(name);
    expect(found).not.toContain("Demo Apparel Flagship");
    const none = await (await operator.get(`/console/shops?q=${encodeURIComponent(name)}&status=DISABLED`)).text();
    expect(none).toContain("No shops match.");
  });

  it("disables an account with a reason, which then cannot sign in, and enables it again", async () => {
    const operator = await signedIn(OPERATOR);
    const user = await createUser("seller");
    const list = await (await operator.get(`/console/users?q=${user.username}&role=seller`)).text();
    expect(list).toContain(user.username);
    expect(list).toContain(`Disable ${user.username}`);
    expect(list).toContain(`aria-label="Reason to disable ${user.username}"`);
    expect(list).not.toMatch(/scrypt\$/);
    // No button the API would refuse: an operator's own row has none.
    const own = await (await operator.get("/console/users?q=admin&role=operator")).text();
    expect(own).toContain("Your own account");
    expect(own).not.toContain("Disable admin");

    const short = await operator.post(`/console/users/${user.id}/disable`, { reason: "x", q: user.username });
    expect(short.status).toBe(400);
    const refused = await short.text();
    expect(refused).toContain('class="problem"');
    expect(refused).toContain("reason");
    expect(refused).toContain(`Disable ${user.username}`);

    const done = await operator.post(`/console/users/${user.id}/disable`, {
      reason: "chargebacks, case 1182",
      q: user.username,
      role: "seller",
    });
    expect(done.status, await done.clone().text()).toBe(303);
    const location = done.headers.get("location") ?? "";
    expect(location).toBe(`/console/users?notice=disable&q=${user.username}&role=seller`);
    const after = await (await operator.get(location)).text();
    expect(after).toContain("Account disabled");
    expect(after).toMatch(new RegExp(`data-testid="user-status-${user.username}"><span class="badge">DISABLED`));
    expect(after).toContain(`Enable ${user.username}`);

    const blocked = await consoleBrowser().signIn(user.username, user.password);
    expect(blocked.status).toBe(401);
    expect(await blocked.text()).toContain("invalid_credentials");

    const enabled = await operator.post(`/console/users/${user.id}/enable`, { reason: "cleared by risk" });
    expect(enabled.status).toBe(303);
    expect((await consoleBrowser().signIn(user.username, user.password)).status).toBe(303);
  });

  it("shows sellers the API's refusal on both pages", async () => {
    const seller = await signedIn({ username: "seller1", password: "seller-dev-password" });
    for (const path of ["/console/shops", "/console/users"]) {
      const res = await seller.get(path);
      expect(res.status).toBe(403);
      expect(await res.text()).toContain("This requires one of the roles: operator");
    }
    const act = await seller.post("/console/users/usr_00000000000000000000000004/disable", { reason: "not mine" });
    expect(act.status).toBe(403);
  });
});
