/**
 * A seller creates a product by pasting the seed's T-shirt JSON (comments and all) and submits it;
 * an operator approves it from the audit queue; the seller puts it on the shelf.
 */
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { after, before, test } from "node:test";
import type { Browser } from "playwright-core";
import { launch, OPERATOR, SELLER, screenshot, signIn, unique, watchedPage } from "./harness";

let browser: Browser;
before(async () => {
  browser = await launch();
});
after(() => browser.close());

test("seed JSON → DRAFT → submitted → approved by an operator → on shelf", async () => {
  const name = unique("经典圆领男士T恤");
  const seed = readFileSync("test/fixtures/seed-tshirt.jsonc", "utf8").replace("经典圆领男士T恤", name);
  const seller = await watchedPage(browser);
  await signIn(seller.page, SELLER);
  await seller.page.getByRole("link", { name: "Products" }).click();
  await seller.page.getByRole("link", { name: "New product" }).click();
  await seller.page.getByRole("textbox", { name: "Product JSON" }).fill(seed);
  await screenshot(seller.page, "product-new");
  await seller.page.getByRole("button", { name: "Create from JSON" }).click();
  await seller.page.getByRole("heading", { name, level: 1 }).waitFor();
  assert.match(await seller.page.getByTestId("product-status").innerText(), /DRAFT/);
  assert.match(await seller.page.getByRole("status").innerText(), /Product created as DRAFT/);
  await seller.page.getByRole("button", { name: "Submit for audit" }).click();
  await seller.page.getByTestId("product-status").getByText("PENDING AUDIT").waitFor();
  const productUrl = seller.page.url();

  const operator = await watchedPage(browser);
  await signIn(operator.page, OPERATOR);
  assert.equal(new URL(operator.page.url()).pathname, "/console/audit");
  await operator.page.getByRole("link", { name }).waitFor();
  await screenshot(operator.page, "audit-queue");
  await operator.page.getByRole("button", { name: `Approve ${name}` }).click();
  await operator.page.getByRole("status").getByText("Product approved.").waitFor();
  assert.equal(await operator.page.getByRole("link", { name }).count(), 0);

  await seller.page.goto(productUrl);
  assert.match(await seller.page.getByTestId("product-status").innerText(), /AUDIT APPROVED/);
  await seller.page.getByRole("button", { name: "Put on shelf" }).click();
  await seller.page.getByTestId("product-status").getByText("ON SHELF").waitFor();
  // The operation log shows the whole way.
  const log = await seller.page.getByRole("table", { name: /What was done to this product/ }).innerText();
  for (const op of ["create", "submit", "approve", "on-shelf"]) assert.match(log, new RegExp(op));
  await screenshot(seller.page, "product-detail");

  await seller.page.getByRole("link", { name: "Products" }).click();
  await seller.page.getByLabel("Status").selectOption("ON_SHELF");
  await seller.page.getByRole("button", { name: "Filter" }).click();
  await seller.page.getByRole("link", { name }).waitFor();
  await screenshot(seller.page, "products");

  assert.deepEqual([...seller.problems, ...operator.problems], []);
  await seller.context.close();
  await operator.context.close();
});
