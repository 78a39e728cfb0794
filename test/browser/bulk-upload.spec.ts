/** A bulk upload's live progress (htmx polling) to completion, with the failed row's error. */
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { after, before, test } from "node:test";
import type { Browser } from "playwright-core";
import { launch, SELLER, screenshot, signIn, unique, watchedPage } from "./harness";

let browser: Browser;
before(async () => {
  browser = await launch();
});
after(() => browser.close());

test("uploading three products shows progress until completed, listing the row that failed", async () => {
  const seed = JSON.parse(readFileSync("test/fixtures/seed-tshirt.jsonc", "utf8").replace(/\s*\/\/[^\n]*/g, ""));
  const names = [unique("批量T恤 A"), unique("批量T恤 B"), unique("批量T恤 C")];
  const rows = names.map((name) => ({ ...seed, spu: { ...seed.spu, name } }));
  // Row 2 names an attribute value the category does not allow.
  rows[1].basicAttributes = rows[1].basicAttributes.map((a: { attributeId: number }) =>
    a.attributeId === 104 ? { ...a, value: "七分袖" } : a,
  );
  const { page, problems, context } = await watchedPage(browser);
  await signIn(page, SELLER);
  await page.getByRole("link", { name: "Bulk upload" }).click();
  await page.getByLabel("File (JSON or Shopify CSV)").setInputFiles({
    name: "products.json",
    mimeType: "application/json",
    buffer: Buffer.from(JSON.stringify(rows)),
  });
  await page.getByRole("button", { name: "Upload" }).click();
  await page.getByRole("heading", { name: "Bulk job", level: 1 }).waitFor();
  // htmx replaces the progress section every second until the job is done.
  await page.getByTestId("job-status").getByText("completed").waitFor({ timeout: 60_000 });
  assert.match(await page.getByTestId("job-status").innerText(), /2 created · 1 failed/);
  const failed = await page.getByRole("table", { name: "Rows that failed" }).innerText();
  assert.match(
    failed,
    /2\t批量T恤 B .*\tvalidation_failed\tbasicAttributes\.3\.value: must be one of 短袖, 长袖, 无袖/,
  );
  assert.equal(await page.locator("progress").getAttribute("value"), "3");
  assert.equal(await page.locator("#progress").getAttribute("hx-get"), null, "polling stops once the job is done");
  for (const name of [names[0], names[2]]) await page.getByRole("link", { name }).waitFor();
  await screenshot(page, "bulk-upload");
  assert.deepEqual(problems, []);
  await context.close();
});
