/**
 * A seller creates a shop voucher from the console's form (10.00 off from 100.00, one code), finds
 * it ACTIVE in the list with none of its uses taken, and ends it.
 */
import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import type { Browser } from "playwright-core";
import { launch, SELLER, screenshot, signIn, watchedPage } from "./harness";

let browser: Browser;
before(async () => {
  browser = await launch();
});
after(() => browser.close());

test("creating a fixed voucher with one code, and ending it", async () => {
  const code = `BT${Date.now().toString(36).toUpperCase()}`;
  const { page, problems, context } = await watchedPage(browser);
  await signIn(page, SELLER);
  await page.getByRole("link", { name: "Vouchers" }).click();
  await page.getByLabel("Name", { exact: true }).fill("满 100 减 10 (browser test)");
  await page.getByLabel("A fixed amount off").check();
  await page.getByLabel("Amount off (fixed)").fill("10.00");
  await page.getByLabel(/^Minimum spend/).fill("100.00");
  await page.getByLabel("Starts").fill("2026-12-01T00:00");
  await page.getByLabel("Ends").fill("2027-01-01T00:00");
  await page.getByLabel("One shared code").check();
  await page.getByLabel(/^Code \(/).fill(code);
  await screenshot(page, "seller-voucher-new");
  await page.getByRole("button", { name: "Create voucher" }).click();
  await page.getByRole("status").getByText("Voucher created").waitFor();
  assert.equal(await page.getByTestId("voucher-code").innerText(), code);
  const row = page.getByRole("row").filter({ hasText: code });
  assert.match(await row.getByTestId("voucher-status").innerText(), /ACTIVE/);
  assert.match(await row.getByTestId("voucher-uses").innerText(), /^0 \/ 1000$/);
  await row.getByRole("button", { name: /^End voucher/ }).click();
  await page
    .getByRole("status")
    .getByText(/^Voucher vch_\w+ ended\.$/)
    .waitFor();
  const ended = page.getByRole("row").filter({ hasText: code });
  assert.match(await ended.getByTestId("voucher-status").innerText(), /ENDED/);
  assert.equal(await ended.getByRole("button").count(), 0);
  assert.deepEqual(problems, []);
  await context.close();
});
