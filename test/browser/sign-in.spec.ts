/** Signing in and out of the console in a real browser, and what a refused login looks like. */
import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import type { Browser } from "playwright-core";
import { launch, SELLER, screenshot, signIn, watchedPage } from "./harness";

let browser: Browser;
before(async () => {
  browser = await launch();
});
after(() => browser.close());

test("a wrong password is shown as the API words it, and the form keeps the username", async () => {
  const { page, problems, context } = await watchedPage(browser);
  await page.goto("/console");
  assert.match(new URL(page.url()).pathname, /^\/console\/sign-in$/);
  await page.getByLabel("Username").fill(SELLER.username);
  await page.getByLabel("Password").fill("not-the-password");
  await page.getByRole("button", { name: "Sign in" }).click();
  const alert = page.getByRole("alert");
  await alert.waitFor();
  assert.match(await alert.innerText(), /The username or password is incorrect/);
  assert.equal(await page.getByLabel("Username").inputValue(), SELLER.username);
  await screenshot(page, "sign-in-refused");
  assert.deepEqual(
    problems.filter((p) => !p.includes("401")),
    [],
  );
  await context.close();
});

test("a seller signs in to the dashboard, the session cookie is HttpOnly, Secure and SameSite=Strict, and signs out", async () => {
  const { page, problems, context } = await watchedPage(browser);
  await page.goto("/console/sign-in");
  await screenshot(page, "sign-in");
  await signIn(page, SELLER);
  assert.equal(new URL(page.url()).pathname, "/console");
  await page.getByRole("heading", { name: "Dashboard", level: 1 }).waitFor();
  assert.match(await page.locator("header").innerText(), /Signed in as seller1/);
  const session = (await context.cookies()).find((c) => c.name === "__Host-console-session");
  assert.ok(session, "the session cookie is set");
  assert.equal(session.httpOnly, true);
  assert.equal(session.secure, true);
  assert.equal(session.sameSite, "Strict");
  // Scripts see only the viewer's time-zone preference (set by the console's own script, no secret);
  // the session never.
  const scriptCookies = String(await page.evaluate("document.cookie"))
    .split(";")
    .map((c) => c.trim().split("=")[0])
    .filter(Boolean);
  assert.deepEqual(
    scriptCookies.filter((name) => name !== "console-tz"),
    [],
    "no session cookie is readable by scripts",
  );
  await screenshot(page, "dashboard");

  await page.getByRole("button", { name: "Sign out" }).click();
  await page.getByRole("button", { name: "Sign in" }).waitFor();
  assert.equal(
    (await context.cookies()).find((c) => c.name === "__Host-console-session"),
    undefined,
  );
  await page.goto("/console/products");
  assert.equal(new URL(page.url()).pathname, "/console/sign-in");
  assert.deepEqual(problems, []);
  await context.close();
});
