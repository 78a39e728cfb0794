/**
 * The console's session and CSRF rules, through the router as a browser reaches them: sign-in
 * with the platform's login (its answers shown as the API gives them), the session cookie's
 * attributes, the Origin and token checks on every state change, transparent refresh of an
 * expired access token, and sign-out ending the session.
 */
import { env } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { dbOf } from "../../shared/platform/db";
import { sessionStatus } from "../../shared/users/sessions";
import { csrfRefusal, decodeSession, encodeSession } from "../../workers/admin/console/session";
import { DEMO, tokenFor } from "../helpers/callers";
import { consoleBrowser } from "../helpers/console";
import { createUser, PASSWORD } from "../helpers/factories";
import { ORIGIN } from "../helpers/http";

const SELLER = { username: "seller1", password: "seller-dev-password" };

function setCookie(res: Response, name: string): string {
  return res.headers.getSetCookie().find((c) => c.startsWith(`${name}=`)) ?? "";
}

describe("cookie and CSRF rules", () => {
  it("round-trips the session cookie and refuses anything else", () => {
    const tokens = { accessToken: "a.b.c", refreshToken: "rt_x-y", username: "张三 & co" };
    expect(decodeSession(encodeSession(tokens))).toEqual(tokens);
    for (const bad of [undefined, "", "a.b.c", "a~b", "a b~c~d", "a~b~c~d", "a~b~%E0%A4%A"]) {
      expect(decodeSession(bad)).toBeNull();
    }
  });

  it("lets safe methods through and holds state changes to this origin and the cookie's token", () => {
    const req = { url: `${ORIGIN}/console/x`, origin: ORIGIN, cookie: "tok" };
    expect(csrfRefusal({ ...req, method: "GET", origin: "https://evil.example" }, undefined)).toBeNull();
    expect(csrfRefusal({ ...req, method: "POST" }, "tok")).toBeNull();
    expect(csrfRefusal({ ...req, method: "POST", origin: undefined }, "tok")).toMatch(/did not come/);
    expect(csrfRefusal({ ...req, method: "POST", origin: "https://evil.example" }, "tok")).toMatch(/did not come/);
    expect(csrfRefusal({ ...req, method: "DELETE", origin: "http://127.0.0.1:9999" }, "tok")).toMatch(/did not come/);
    expect(csrfRefusal({ ...req, method: "POST" }, "other")).toMatch(/security token/);
    expect(csrfRefusal({ ...req, method: "POST" }, undefined)).toMatch(/security token/);
    expect(csrfRefusal({ ...req, method: "POST", cookie: undefined }, "tok")).toMatch(/security token/);
  });
});

describe("signing in and out", () => {
  it("sends a signed-out browser to the sign-in form, whose fields are labelled as API.md says", async () => {
    const browser = consoleBrowser();
    const res = await browser.get("/console?from=bookmark");
    expect(res.status).toBe(303);
    expect(res.headers.get("location")).toBe("/console/sign-in?next=%2Fconsole%3Ffrom%3Dbookmark");
    const htmx = await browser.get("/console", { "hx-request": "true" });
    expect(htmx.headers.get("hx-redirect")).toMatch(/^\/console\/sign-in\?next=/);

    const form = await browser.get("/console/sign-in");
    const html = await form.text();
    expect(html).toMatch(/<label>Username<input name="username"/);
    expect(html).toMatch(/<label>Password<input name="password" type="password"/);
    expect(html).toContain('<button type="submit">Sign in</button>');
    expect(setCookie(form, "__Host-console-csrf")).toMatch(/; Path=\/; HttpOnly; Secure; SameSite=Strict$/);
    expect(form.headers.get("content-security-policy")).toContain("script-src 'self'");
  });

  it("signs a seller in with an HttpOnly, Secure, SameSite=Strict session cookie and shows who is signed in", async () => {
    const browser = consoleBrowser();
    const res = await browser.signIn(SELLER.username, SELLER.password);
    expect(res.status, await res.clone().text()).toBe(303);
    expect(res.headers.get("location")).toBe("/console");
    expect(setCookie(res, "__Host-console-session")).toMatch(
      /^__Host-console-session=[^;]+; Max-Age=1209600; Path=\/; HttpOnly; Secure; SameSite=Strict$/,
    );
    const page = await browser.get("/console");
    const html = await page.text();
    expect(page.status, html).toBe(200);
    expect(html).toContain("Signed in as <strong>seller1</strong>");
    expect(html).toContain("Low-stock alerts");
  });

  it("shows a wrong password and a locked account exactly as the API answers them", async () => {
    const browser = consoleBrowser();
    const wrong = await browser.signIn(SELLER.username, "not-the-password");
    expect(wrong.status).toBe(401);
    const text = await wrong.text();
    expect(text).toContain("The username or password is incorrect");
    expect(text).toContain('value="seller1"');
    expect(browser.cookies.has("__Host-console-session")).toBe(false);

    const user = await createUser("seller");
    for (let i = 0; i < 5; i++) expect((await browser.signIn(user.username, "wrong-password-1")).status).toBe(401);
    const locked = await browser.signIn(user.username, PASSWORD);
    expect(locked.status).toBe(423);
    expect(Number(locked.headers.get("retry-after"))).toBeGreaterThan(0);
    const lockedHtml = await locked.text();
    expect(lockedHtml).toContain("Too many failed logins; try again later");
    expect(lockedHtml).toContain("Try again in 10 minutes.");
  });

  it("refuses a shopper, ending the session the login started", async () => {
    const browser = consoleBrowser();
    const res = await browser.signIn("shopper1", "shopper-dev-password");
    expect(res.status).toBe(403);
    expect(await res.text()).toContain("The admin API is for sellers and operators");
    expect(browser.cookies.has("__Host-console-session")).toBe(false);
  });

  it("refuses a state change from another origin, without an Origin, or without the token", async () => {
    const browser = consoleBrowser();
    expect((await browser.signIn(SELLER.username, SELLER.password)).status).toBe(303);
    const crossSite = await browser.post("/console/sign-out", {}, { origin: "https://evil.example" });
    expect(crossSite.status).toBe(403);
    expect(await crossSite.text()).toContain("did not come from this console");
    const noToken = await browser.post("/console/sign-out", { _csrf: "" });
    expect(noToken.status).toBe(403);
    const stale = await browser.post("/console/sign-out", { _csrf: "a-token-from-another-browser" });
    expect(stale.status).toBe(403);
    // Still signed in after all three.
    expect((await browser.get("/console")).status).toBe(200);
  });

  it("refreshes an expired access token transparently, once, with the session's refresh token", async () => {
    const browser = consoleBrowser();
    expect((await browser.signIn(SELLER.username, SELLER.password)).status).toBe(303);
    const before = decodeSession(decodeURIComponent(browser.cookies.get("__Host-console-session") ?? ""));
    if (!before) throw new Error("no session cookie");
    const expired = await tokenFor(DEMO.seller1, { now: () => Date.now() - 3_600_000 }, 60);
    browser.cookies.set(
      "__Host-console-session",
      encodeURIComponent(encodeSession({ ...before, accessToken: expired })),
    );

    const page = await browser.get("/console");
    expect(page.status, await page.clone().text()).toBe(200);
    const after = decodeSession(decodeURIComponent(browser.cookies.get("__Host-console-session") ?? ""));
    expect(after?.refreshToken).toMatch(/^rt_/);
    expect(after?.refreshToken).not.toBe(before.refreshToken);
    expect(after?.accessToken).not.toBe(expired);
    expect(await sessionStatus(dbOf(env.DB), before.refreshToken)).toEqual({
      tokenStatus: "used",
      revokedReason: null,
    });
    // The new pair serves the next request without another rotation.
    expect((await browser.get("/console")).status).toBe(200);
    expect(decodeSession(decodeURIComponent(browser.cookies.get("__Host-console-session") ?? ""))).toEqual(after);
  });

  it("signs out: the session's refresh family is revoked and the cookie cleared", async () => {
    const browser = consoleBrowser();
    expect((await browser.signIn(SELLER.username, SELLER.password)).status).toBe(303);
    const tokens = decodeSession(decodeURIComponent(browser.cookies.get("__Host-console-session") ?? ""));
    const res = await browser.post("/console/sign-out");
    expect(res.status).toBe(303);
    expect(res.headers.get("location")).toBe("/console/sign-in?signedOut=1");
    expect(browser.cookies.has("__Host-console-session")).toBe(false);
    expect(await sessionStatus(dbOf(env.DB), tokens?.refreshToken ?? "")).toMatchObject({ revokedReason: "logout" });
    expect((await browser.get("/console")).status).toBe(303);
  });

  it("sends a browser whose session was ended elsewhere back to sign-in once its access token expires", async () => {
    const browser = consoleBrowser();
    expect((await browser.signIn(SELLER.username, SELLER.password)).status).toBe(303);
    const tokens = decodeSession(decodeURIComponent(browser.cookies.get("__Host-console-session") ?? ""));
    if (!tokens) throw new Error("no session cookie");
    await browser.post("/console/sign-out");
    const expired = await tokenFor(DEMO.seller1, { now: () => Date.now() - 3_600_000 }, 60);
    browser.cookies.set(
      "__Host-console-session",
      encodeURIComponent(encodeSession({ ...tokens, accessToken: expired })),
    );
    const res = await browser.get("/console");
    expect(res.status).toBe(303);
    expect(setCookie(res, "__Host-console-session")).toMatch(/Max-Age=0/);
  });
});
