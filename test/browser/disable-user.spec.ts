/**
 * An operator finds a fresh account on the Users page, disables it with a reason (its login is
 * then refused as a wrong password is), and enables it again (its login works).
 */
import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import type { Browser } from "playwright-core";
import { launch, OPERATOR, ORIGIN, screenshot, signIn, unique, watchedPage } from "./harness";

let browser: Browser;
before(async () => {
  browser = await launch();
});
after(() => browser.close());

async function login(username: string, password: string): Promise<{ status: number; code?: string }> {
  const res = await fetch(`${ORIGIN}/v1/auth/login`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ username, password }),
  });
  const body = (await res.json()) as { code?: string };
  return { status: res.status, ...(body.code ? { code: body.code } : {}) };
}

test("disabling an account from the Users page, then enabling it", async () => {
  const username = unique("bt")
    .toLowerCase()
    .replace(/[^a-z0-9]/g, "");
  const password = `Browser test ${crypto.randomUUID()}`;
  const registered = await fetch(`${ORIGIN}/v1/auth/register`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ username, password }),
  });
  assert.equal(registered.status, 201, await registered.text());

  const { page, problems, context } = await watchedPage(browser);
  await signIn(page, OPERATOR);
  await page.getByRole("link", { name: "Users" }).click();
  await page.getByLabel("Username or email contains").fill(username);
  await page.getByRole("button", { name: "Filter" }).click();
  const status = page.getByTestId(`user-status-${username}`);
  assert.equal((await status.innerText()).trim(), "ACTIVE");

  await page.getByLabel(`Reason to disable ${username}`).fill("browser test: chargebacks");
  await page.getByRole("button", { name: `Disable ${username}` }).click();
  await page.getByRole("status").getByText("Account disabled").waitFor();
  assert.match(await page.getByTestId(`user-status-${username}`).innerText(), /DISABLED/);
  assert.deepEqual(await login(username, password), { status: 401, code: "invalid_credentials" });
  await screenshot(page, "operator-user-disabled");

  await page.getByLabel(`Reason to enable ${username}`).fill("browser test: cleared");
  await page.getByRole("button", { name: `Enable ${username}` }).click();
  await page.getByRole("status").getByText("Account enabled").waitFor();
  assert.equal((await page.getByTestId(`user-status-${username}`).innerText()).trim(), "ACTIVE");
  assert.equal((await login(username, password)).status, 200);
  assert.deepEqual(problems, []);
  await context.close();
});
