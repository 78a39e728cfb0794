/** A seller finds a shopper's refund request among its refunds and approves it; the money goes back. */
import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import type { Browser } from "playwright-core";
import { launch, SELLER, screenshot, signIn, watchedPage } from "./harness";
import { paidOrderOf, refundRequested } from "./orders";

let browser: Browser;
before(async () => {
  browser = await launch();
});
after(() => browser.close());

test("approving a requested refund", async () => {
  const refundId = await refundRequested(await paidOrderOf(SELLER), "browser test: ordered twice");
  const { page, problems, context } = await watchedPage(browser);
  await signIn(page, SELLER);
  await page.getByRole("link", { name: "Refunds" }).click();
  await page.getByLabel("Status").selectOption("REQUESTED");
  await page.getByRole("button", { name: "Filter" }).click();
  await screenshot(page, "seller-refunds-requested");
  await page.getByRole("link", { name: refundId }).click();
  await page.getByRole("heading", { level: 1, name: `Refund ${refundId}` }).waitFor();
  assert.match(await page.getByTestId("refund-status").innerText(), /REQUESTED/);
  await page.getByLabel("Note to the shopper (optional)").fill("退款已同意");
  await screenshot(page, "seller-refund");
  await page.getByRole("button", { name: "Approve refund" }).click();
  await page.getByRole("status").getByText("Refund approved.").waitFor();
  // Money only: on at once to PROCESSING, then REFUNDED once the provider paid it out.
  assert.match(await page.getByTestId("refund-status").innerText(), /PROCESSING|REFUNDED/);
  assert.equal(await page.getByRole("button", { name: "Approve refund" }).count(), 0);
  for (let i = 0; i < 30 && !/REFUNDED/.test(await page.getByTestId("refund-status").innerText()); i++) {
    await page.waitForTimeout(500);
    await page.reload();
  }
  assert.match(await page.getByTestId("refund-status").innerText(), /REFUNDED/);
  assert.deepEqual(problems, []);
  await context.close();
});
