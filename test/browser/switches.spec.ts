/** An operator flips a degradation switch off and on again, with a reason, from the console. */
import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import type { Browser } from "playwright-core";
import { launch, OPERATOR, screenshot, signIn, watchedPage } from "./harness";

let browser: Browser;
before(async () => {
  browser = await launch();
});
after(() => browser.close());

test("switching recommendations off and on again", async () => {
  const { page, problems, context } = await watchedPage(browser);
  await signIn(page, OPERATOR);
  await page.getByRole("link", { name: "Switches" }).click();
  const state = page.getByTestId("switch-recommendations");
  assert.equal((await state.innerText()).trim(), "on");
  const row = page.getByRole("row").filter({ has: state });
  await row.getByLabel("Reason").fill("browser test: recommendations off");
  await row.getByRole("button", { name: "Switch recommendations off" }).click();
  await page.getByRole("status").getByText("Switch flipped").waitFor();
  assert.equal((await page.getByTestId("switch-recommendations").innerText()).trim(), "off");
  await screenshot(page, "switches");
  const again = page.getByRole("row").filter({ has: page.getByTestId("switch-recommendations") });
  await again.getByLabel("Reason").fill("browser test: back on");
  await again.getByRole("button", { name: "Switch recommendations on" }).click();
  await page.getByRole("status").getByText("Switch flipped").waitFor();
  assert.equal((await page.getByTestId("switch-recommendations").innerText()).trim(), "on");
  assert.deepEqual(problems, []);
  await context.close();
});
