/**
 * Every console page, for the role it is for, at 1280 px and on a phone: no console error, page
 * error or failed request; nothing wider than the screen but the tables' own scroll boxes; times
 * shown in the viewer's zone. Saves the screenshots the README shows.
 */
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { after, before, test } from "node:test";
import type { Browser, Page } from "playwright-core";
import { DESKTOP, launch, OPERATOR, PHONE, SELLER, screenshot, signIn, watchedPage } from "./harness";

const SELLER_PAGES = [
  "/console",
  "/console/products",
  "/console/products/new?categoryId=1003001",
  "/console/bulk",
  "/console/orders",
  "/console/warehouses",
  "/console/shipping",
  "/console/api-keys",
];
const OPERATOR_PAGES = [
  "/console/audit",
  "/console/products",
  "/console/orders",
  "/console/dead-letters",
  "/console/reconciliation",
  "/console/ledger",
];

let browser: Browser;
before(async () => {
  browser = await launch();
});
after(() => browser.close());

function shotName(role: string, path: string, phone: boolean): string {
  const slug =
    path
      .replace(/^\/console\/?/, "")
      .replace(/[?=&/]+/g, "-")
      .replace(/-$/, "") || "dashboard";
  return `${role}-${slug}${phone ? "-phone" : ""}`;
}

/** Whether the page scrolls sideways (tables scroll inside their own box instead). */
function overflows(page: Page): Promise<boolean> {
  return page.evaluate("document.documentElement.scrollWidth > window.innerWidth + 1") as Promise<boolean>;
}

for (const [role, user, pages] of [
  ["seller", SELLER, SELLER_PAGES],
  ["operator", OPERATOR, OPERATOR_PAGES],
] as const) {
  for (const viewport of [DESKTOP, PHONE]) {
    const phone = viewport === PHONE;
    test(`${role}'s pages at ${viewport.width} px: no console errors, no sideways scrolling`, async () => {
      const { page, problems, context } = await watchedPage(browser, viewport);
      await signIn(page, user);
      for (const path of pages) {
        await page.goto(path);
        await page.getByRole("heading", { level: 1 }).waitFor();
        assert.equal(await page.locator(".problem").count(), 0, `${path} shows a problem`);
        assert.equal(await overflows(page), false, `${path} is wider than ${viewport.width} px`);
        if (!phone || path === pages[0] || path.includes("products"))
          await screenshot(page, shotName(role, path, phone));
      }
      // Times are rewritten in the viewer's zone (the context runs in Asia/Shanghai).
      const times = page.locator("time[datetime]");
      if ((await times.count()) > 0) assert.doesNotMatch(await times.first().innerText(), /UTC$/);
      assert.deepEqual(problems, []);
      await context.close();
    });
  }
}

test("the console serves the htmx of the pinned npm package, unchanged", async () => {
  const { version } = JSON.parse(readFileSync("node_modules/htmx.org/package.json", "utf8")) as { version: string };
  const { ORIGIN } = await import("./harness");
  const res = await fetch(`${ORIGIN}/console/assets/htmx-${version}.js`);
  assert.equal(res.status, 200);
  assert.equal(await res.text(), readFileSync("node_modules/htmx.org/dist/htmx.min.js", "utf8"));
});
