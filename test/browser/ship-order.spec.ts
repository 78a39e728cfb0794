/** A seller opens a shopper's paid order, ships it with a carrier and tracking number, and it shows SHIPPED. */
import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import type { Browser } from "playwright-core";
import { launch, SELLER, screenshot, signIn, watchedPage } from "./harness";
import { paidOrderOf } from "./orders";

let browser: Browser;
before(async () => {
  browser = await launch();
});
after(() => browser.close());

test("shipping a paid order", async () => {
  const { orderId } = await paidOrderOf(SELLER);
  const trackingNumber = `SF${Date.now()}`;
  const { page, problems, context } = await watchedPage(browser);
  await signIn(page, SELLER);
  await page.getByRole("link", { name: "Orders", exact: true }).click();
  await page.getByLabel("Status").selectOption("PAID");
  await page.getByRole("button", { name: "Filter" }).click();
  await screenshot(page, "seller-orders-paid");
  await page.getByRole("link", { name: orderId }).click();
  await page.getByRole("heading", { level: 1, name: `Order ${orderId}` }).waitFor();
  assert.match(await page.getByTestId("order-status").innerText(), /PAID/);
  await page.getByLabel("Carrier").fill("sf-express");
  await page.getByLabel("Tracking number").fill(trackingNumber);
  await screenshot(page, "seller-order-ship");
  await page.getByRole("button", { name: "Ship", exact: true }).click();
  await page.getByRole("status").getByText("Shipped.").waitFor();
  assert.match(await page.getByTestId("order-status").innerText(), /SHIPPED/);
  const shipment = page.getByTestId("shipment");
  assert.equal(await shipment.count(), 1);
  assert.match(await shipment.innerText(), /sf-express/);
  assert.match(await shipment.innerText(), new RegExp(trackingNumber));
  // Shipped once: the form is gone.
  assert.equal(await page.getByRole("button", { name: "Ship", exact: true }).count(), 0);
  assert.deepEqual(problems, []);
  await context.close();
});
