/** @jsxImportSource hono/jsx */
/**
 * The seller and operator console at `/console`, served by the admin Worker on the admin API:
 * security headers, the CSRF check on every state change, sign-in and sign-out, and `page()`,
 * which every page is built with (the signed-in user, their admin API, their CSRF token).
 */
import { getCookie } from "hono/cookie";
import type { Child } from "hono/jsx";
import type { HtmlEscapedString } from "hono/utils/html";
import type { AppContext } from "../../../shared/platform/app-env";
import type { Caller } from "../../../shared/platform/auth";
import { dbOf } from "../../../shared/platform/db";
import { AppError, isAppError } from "../../../shared/platform/errors";
import { type ProblemDocument, problemOf } from "../../../shared/platform/problem";
import { validationError } from "../../../shared/platform/validation";
import { loginBody, logout } from "../../../shared/users/accounts";
import type { AdminApp, AdminBindings } from "../app";
import { type AdminApi, adminApiFor } from "./admin-api";
import { registerConsoleAssets } from "./assets";
import {
  type ConsoleUser,
  CSRF_COOKIE,
  clearSession,
  consoleUserOf,
  csrfRefusal,
  csrfTokenOf,
  sessionTokensOf,
  submittedCsrfToken,
} from "./session";
import { signIn } from "./sign-in";
import { CsrfField, Frame, ProblemBox } from "./ui";

export type ConsoleContext = AppContext<AdminBindings>;

/** What a console page gets: the request, the signed-in user, their admin API and CSRF token. */
export interface PageContext {
  c: ConsoleContext;
  user: ConsoleUser;
  caller: Caller;
  api: AdminApi;
  csrf: string;
  /** The page in the console's frame. */
  render(title: string, body: Child, status?: number): Response | Promise<Response>;
  /** A fragment for htmx to swap in (no frame). */
  fragment(body: HtmlEscapedString | Promise<HtmlEscapedString>, status?: number): Response | Promise<Response>;
}

export type PageHandler = (page: PageContext) => Response | Promise<Response>;

// Only this origin's scripts, styles and forms; never framed. htmx adds no inline styles (ui.tsx).
const CSP =
  "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; " +
  "form-action 'self'; frame-ancestors 'none'; base-uri 'none'; object-src 'none'";

/** Where to go after signing in: a console path only (never another site). */
export function safeNext(next: string | undefined): string {
  if (next && /^\/console(?:[/?]|$)/.test(next) && !next.startsWith("//")) return next;
  return "/console";
}

/** Sends a signed-out browser to the sign-in page (htmx: by HX-Redirect, so the whole page goes). */
function toSignIn(c: ConsoleContext): Response {
  const url = new URL(c.req.url);
  const target = `/console/sign-in?next=${encodeURIComponent(url.pathname + url.search)}`;
  if (c.req.header("hx-request")) return c.body(null, 200, { "hx-redirect": target });
  return c.redirect(target, 303);
}

/** The problem document of an error, as the API would have answered it. */
export function problemFor(c: ConsoleContext, err: AppError): ProblemDocument {
  return problemOf(err, c.var.requestId);
}

/** Registers the console on the admin app. `pages` add their routes with `page()`. */
export function registerConsole(app: AdminApp, pages: ((register: PageRegistrar) => void)[]): void {
  app.use("/console", securityHeaders);
  app.use("/console/*", securityHeaders);
  app.use("/console/*", async (c, next) => {
    const refusal = csrfRefusal(
      { url: c.req.url, method: c.req.method, origin: c.req.header("origin"), cookie: getCookie(c, CSRF_COOKIE) },
      await submittedCsrfToken(c),
    );
    if (!refusal) return next();
    const csrf = csrfTokenOf(c);
    return c.html(
      <Frame title="Request refused" csrf={csrf}>
        <ProblemBox problem={problemFor(c, new AppError("forbidden", { detail: refusal }))} />
        <p>
          <a href="/console">Back to the console</a> and submit the form again.
        </p>
      </Frame>,
      403,
    );
  });
  registerConsoleAssets(app);

  app.get("/console/sign-in", async (c) => {
    if (await consoleUserOf(c)) return c.redirect(safeNext(c.req.query("next")), 303);
    return c.html(<SignInPage csrf={csrfTokenOf(c)} next={c.req.query("next")} />);
  });

  app.post("/console/sign-in", async (c) => {
    const form = await c.req.parseBody();
    const next = typeof form.next === "string" ? form.next : undefined;
    const username = typeof form.username === "string" ? form.username : "";
    const parsed = loginBody.safeParse({ username, password: typeof form.password === "string" ? form.password : "" });
    const refuse = (problem: ProblemDocument, retryAfter?: string | null) =>
      c.html(
        <SignInPage
          csrf={csrfTokenOf(c)}
          next={next}
          username={username}
          problem={problem}
          retryAfter={retryAfter ?? null}
        />,
        problem.status as 400,
        retryAfter ? { "retry-after": retryAfter } : {},
      );
    if (!parsed.success) return refuse(problemFor(c, validationError(parsed.error, "json")));
    try {
      await signIn(c, parsed.data);
    } catch (err) {
      if (!isAppError(err)) throw err;
      return refuse(problemFor(c, err), err.headers["Retry-After"] ?? null);
    }
    // A new CSRF token for the new session (none carried over from before signing in).
    csrfTokenOf(c, true);
    return c.redirect(safeNext(next), 303);
  });

  app.post("/console/sign-out", async (c) => {
    const tokens = sessionTokensOf(c);
    if (tokens) await logout(dbOf(c.env.DB), c.var.clock, tokens.refreshToken);
    clearSession(c);
    csrfTokenOf(c, true);
    return c.redirect("/console/sign-in?signedOut=1", 303);
  });

  const register = pageRegistrar(app);
  for (const add of pages) add(register);
}

/** Adds console pages: `register.get(path, handler)` and `register.post(path, handler)`. */
export interface PageRegistrar {
  get(path: string, handler: PageHandler): void;
  post(path: string, handler: PageHandler): void;
}

function pageRegistrar(app: AdminApp): PageRegistrar {
  const wrap = (handler: PageHandler) => async (c: ConsoleContext) => {
    const user = await consoleUserOf(c);
    if (!user) return toSignIn(c);
    const csrf = csrfTokenOf(c);
    const path = c.req.path;
    return handler({
      c,
      user,
      caller: user.caller,
      api: adminApiFor(app, c, user),
      csrf,
      render: (title, body, status = 200) =>
        c.html(
          <Frame title={title} csrf={csrf} user={user} path={path}>
            {body}
          </Frame>,
          status as 200,
        ),
      fragment: (body, status = 200) => c.html(body, status as 200),
    });
  };
  return {
    get: (path, handler) => {
      app.get(path, wrap(handler));
    },
    post: (path, handler) => {
      app.post(path, wrap(handler));
    },
  };
}

async function securityHeaders(c: ConsoleContext, next: () => Promise<void>): Promise<void> {
  await next();
  c.res.headers.set("content-security-policy", CSP);
  c.res.headers.set("x-content-type-options", "nosniff");
  c.res.headers.set("referrer-policy", "same-origin");
  if (!c.req.path.startsWith("/console/assets/")) c.res.headers.set("cache-control", "no-store");
}

/** The sign-in form: fields labelled Username and Password and a Sign in button (API.md). */
function SignInPage(props: {
  csrf: string;
  next: string | undefined;
  username?: string;
  problem?: ProblemDocument;
  retryAfter?: string | null;
}) {
  return (
    <Frame title="Sign in" csrf={props.csrf}>
      <p>Sellers and operators sign in with their platform account.</p>
      <ProblemBox problem={props.problem} retryAfter={props.retryAfter ?? null} />
      <form method="post" action="/console/sign-in" class="stack">
        <CsrfField token={props.csrf} />
        <input type="hidden" name="next" value={safeNext(props.next)} />
        <label>
          Username
          <input name="username" autocomplete="username" required value={props.username ?? ""} />
        </label>
        <label>
          Password
          <input name="password" type="password" autocomplete="current-password" required />
        </label>
        <div>
          <button type="submit">Sign in</button>
        </div>
      </form>
    </Frame>
  );
}
