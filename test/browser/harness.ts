/**
 * What the console's browser tests share: Chromium (the system's, /usr/bin/chromium, driven by
 * playwright-core), pages that fail the test on any console error, uncaught exception or failed
 * request, signing in through the form, and screenshots saved under docs/screenshots/.
 */
import { mkdirSync } from "node:fs";
import { type Browser, type BrowserContext, chromium, type Page } from "playwright-core";

export const ORIGIN = process.env.CONSOLE_ORIGIN ?? "http://127.0.0.1:8787";
export const CHROMIUM = process.env.CHROMIUM_PATH ?? "/usr/bin/chromium";

export const SELLER = { username: "seller1", password: "seller-dev-password" };
export const OPERATOR = { username: "admin", password: "admin-dev-password" };

export const DESKTOP = { width: 1280, height: 900 };
export const PHONE = { width: 390, height: 844 };

export function launch(): Promise<Browser> {
  // Root in CI has no user namespaces for Chromium's sandbox; the pages are our own.
  return chromium.launch({ executablePath: CHROMIUM, headless: true, args: ["--no-sandbox"] });
}

/** A page whose console errors, page errors and failed requests are collected in `problems`. */
export interface WatchedPage {
  page: Page;
  context: BrowserContext;
  problems: string[];
}

export async function watchedPage(browser: Browser, viewport = DESKTOP): Promise<WatchedPage> {
  const context = await browser.newContext({ viewport, baseURL: ORIGIN, timezoneId: "Asia/Shanghai" });
  const page = await context.newPage();
  const problems: string[] = [];
  page.on("console", (message) => {
    if (message.type() === "error" || message.type() === "warning") {
      problems.push(`console ${message.type()} on ${page.url()}: ${message.text()}`);
    }
  });
  page.on("pageerror", (err) => problems.push(`page error on ${page.url()}: ${err.message}`));
  page.on("requestfailed", (req) => problems.push(`request failed: ${req.url()} ${req.failure()?.errorText}`));
  return { page, context, problems };
}

export async function signIn(page: Page, user: { username: string; password: string }): Promise<void> {
  await page.goto("/console/sign-in");
  await page.getByLabel("Username").fill(user.username);
  await page.getByLabel("Password").fill(user.password);
  await page.getByRole("button", { name: "Sign in" }).click();
  await page.waitForURL((url) => !url.pathname.startsWith("/console/sign-in"));
}

const SHOTS = "docs/screenshots";

/** Saves a screenshot of the whole page as docs/screenshots/<name>.png. */
export async function screenshot(page: Page, name: string): Promise<void> {
  mkdirSync(SHOTS, { recursive: true });
  await page.screenshot({ path: `${SHOTS}/${name}.png`, fullPage: true });
}

/** A name no earlier run used, so tests can run against a database that keeps its data. */
export function unique(prefix: string): string {
  return `${prefix} ${Date.now().toString(36)}${Math.floor(Math.random() * 1e4)}`;
}
