/**
 * A seller schedules a flash sale of one of its garments from the console's form (the window typed
 * in the viewer's zone), sees it running with its whole quota remaining, and ends it early. The
 * list fits the screen without scrolling sideways, even inside its own box: at 1280 px for the
 * seller and for an operator (who also sees each campaign's shop), and on a phone as cards.
 */
import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import type { Browser, Page } from "playwright-core";
import { launch, OPERATOR, PHONE, SELLER, screenshot, signIn, watchedPage } from "./harness";
import { garmentSkuOf } from "./orders";

let browser: Browser;
before(async () => {
  browser = await launch();
});
after(() => browser.close());

/** `ms` from now on a Shanghai wall clock (the browser's zone) as a datetime-local value. */
function shanghaiLocal(ms: number): string {
  return new Date(Date.now() + ms + 8 * 3_600_000).toISOString().slice(0, 16);
}

/** Whether the flash-sale list is wider than its box (the box would scroll sideways). */
function listOverflows(page: Page): Promise<boolean> {
  return page.evaluate(
    "[...document.querySelectorAll('main .table-wrap')].some((box) => box.scrollWidth > box.clientWidth + 1)",
  ) as Promise<boolean>;
}

test("scheduling a flash sale and ending it early", async () => {
  const skuId = await garmentSkuOf(SELLER);
  const { page, problems, context } = await watchedPage(browser);
  await signIn(page, SELLER);
  await page.getByRole("link", { name: "Flash sales" }).click();
  await page.getByLabel("SKU id").fill(skuId);
  await page.getByLabel("Flash price").fill("9.90");
  await page.getByLabel("Quota (units)").fill("2");
  // From the current minute (already begun), for an hour.
  await page.getByLabel("Starts").fill(shanghaiLocal(0));
  await page.getByLabel("Ends").fill(shanghaiLocal(3_600_000));
  await page.getByLabel("Units per shopper").fill("1");
  await page.getByRole("button", { name: "Schedule flash sale" }).click();
  const notice = page.getByRole("status").getByText(/^Flash sale fls_\w+ scheduled\.$/);
  await notice.waitFor();
  const campaignId = /fls_\w+/.exec(await notice.innerText())?.[0] ?? "";
  const row = page.getByTestId(`flash-sale-${campaignId}`);
  assert.match(await row.getByTestId("flash-status").innerText(), /RUNNING/);
  assert.equal((await row.getByTestId("flash-remaining").innerText()).trim(), "2");
  assert.equal((await row.getByTestId("flash-sold").innerText()).trim(), "0");
  assert.match(await row.innerText(), /CN¥9\.90/);
  assert.equal(await listOverflows(page), false, "the flash-sale list scrolls sideways at 1280 px");
  await screenshot(page, "seller-flash-sale-running");
  await row.getByRole("button", { name: `End flash sale ${campaignId}` }).click();
  await page.getByRole("status").getByText(`Flash sale ${campaignId} ended`, { exact: false }).waitFor();
  const ended = page.getByTestId(`flash-sale-${campaignId}`);
  assert.match(await ended.getByTestId("flash-status").innerText(), /ENDED/);
  assert.equal((await ended.getByTestId("flash-unsold").innerText()).trim(), "2");
  assert.equal(await ended.getByRole("button").count(), 0);
  assert.deepEqual(problems, []);
  await context.close();

  for (const [user, viewport] of [
    [OPERATOR, undefined],
    [SELLER, PHONE],
  ] as const) {
    const other = await watchedPage(browser, viewport);
    await signIn(other.page, user);
    await other.page.goto("/console/flash-sales");
    await other.page.getByTestId(`flash-sale-${campaignId}`).waitFor();
    const width = viewport?.width ?? 1280;
    assert.equal(await listOverflows(other.page), false, `${user.username}'s flash-sale list scrolls at ${width} px`);
    assert.deepEqual(other.problems, []);
    await other.context.close();
  }
});
