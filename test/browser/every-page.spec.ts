/**
 * Every console page, for the role it is for, at 1280 px and on a phone: each page the role's
 * navigation links (read from the page, so a page joins this test when it joins the nav), the
 * product form, and one of each detail page the lists link (an order, a product, a refund, a bulk
 * job): no console error, page error or failed request; nothing wider than the screen but the
 * tables' own scroll boxes; times shown in the viewer's zone. Saves the screenshots the README shows.
 */
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { after, before, test } from "node:test";
import type { Browser, Page } from "playwright-core";
import { DESKTOP, launch, OPERATOR, PHONE, SELLER, screenshot, signIn, watchedPage } from "./harness";
import { paidOrderOf, refundRequested } from "./orders";

/** What each role's navigation must at least link (a page dropped from the nav fails here). */
const SELLER_NAV = [
  "/console",
  "/console/products",
  "/console/bulk",
  "/console/orders",
  "/console/refunds",
  "/console/vouchers",
  "/console/threshold-discounts",
  "/console/flash-sales",
  "/console/warehouses",
  "/console/shipping",
  "/console/api-keys",
];
const OPERATOR_NAV = [
  "/console/audit",
  "/console/products",
  "/console/orders",
  "/console/refunds",
  "/console/vouchers",
  "/console/flash-sales",
  "/console/coins",
  "/console/shops",
  "/console/users",
  "/console/dead-letters",
  "/console/reconciliation",
  "/console/ledger",
  "/console/switches",
  "/console/order-slots",
  "/console/metrics",
];
/** Pages no nav link reaches directly. */
const SELLER_EXTRAS = ["/console/products/new?categoryId=1003001"];

/** The detail pages the lists link, by the name their screenshot takes. */
const DETAILS: [string, RegExp][] = [
  ["order", /^\/console\/orders\/[^/?]+$/],
  ["product", /^\/console\/products\/(?!new\b)[^/?]+$/],
  ["refund", /^\/console\/refunds\/[^/?]+\/[^/?]+$/],
  ["bulk-job", /^\/console\/bulk\/[^/?]+$/],
];

let browser: Browser;
before(async () => {
  browser = await launch();
  // An order and a refund of seller1's, so their detail pages are among those visited.
  await refundRequested(await paidOrderOf(SELLER), "browser test: every page");
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

/** The console paths the page links to (same origin, without fragments), in page order. */
async function linksOf(page: Page, selector: string): Promise<string[]> {
  const hrefs = await page
    .locator(selector)
    .evaluateAll((links) => links.map((a) => String((a as unknown as { href: string }).href)));
  return hrefs.map((href) => new URL(href)).map((url) => url.pathname + url.search);
}

for (const [role, user, nav, extras] of [
  ["seller", SELLER, SELLER_NAV, SELLER_EXTRAS],
  ["operator", OPERATOR, OPERATOR_NAV, []],
] as const) {
  for (const viewport of [DESKTOP, PHONE]) {
    const phone = viewport === PHONE;
    test(`${role}'s pages at ${viewport.width} px: no console errors, no sideways scrolling`, async () => {
      const { page, problems, context } = await watchedPage(browser, viewport);
      await signIn(page, user);
      const linked = await linksOf(page, 'nav[aria-label="Console"] a');
      for (const path of nav) assert.ok(linked.includes(path), `the ${role}'s navigation lacks ${path}`);
      const details = new Map<string, string>();
      const visit = async (path: string, shot: string | null) => {
        await page.goto(path);
        await page.getByRole("heading", { level: 1 }).waitFor();
        assert.equal(await page.locator(".problem").count(), 0, `${path} shows a problem`);
        assert.equal(await overflows(page), false, `${path} is wider than ${viewport.width} px`);
        for (const href of await linksOf(page, "main a[href^='/console/']")) {
          const detail = DETAILS.find(([name, pattern]) => !details.has(name) && pattern.test(href));
          if (detail) details.set(detail[0], href);
        }
        if (shot) await screenshot(page, shot);
      };
      for (const path of [...linked, ...extras]) {
        const shoot = !phone || path === linked[0] || path.includes("products");
        await visit(path, shoot ? shotName(role, path, phone) : null);
      }
      for (const [name] of DETAILS.slice(0, 3)) assert.ok(details.has(name), `no ${name} page was linked`);
      for (const [name, path] of details) await visit(path, phone ? null : `${role}-${name}-detail`);
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
