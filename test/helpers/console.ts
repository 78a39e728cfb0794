/**
 * A browser stand-in for console route tests inside workerd: a cookie jar that honours Set-Cookie
 * (including deletion), same-origin form posts carrying the page's CSRF token, and sign-in.
 */
import { SELF } from "cloudflare:test";
import { freshIp } from "./factories";
import { ORIGIN } from "./http";

export interface ConsoleBrowser {
  cookies: Map<string, string>;
  ip: string;
  get(path: string, headers?: Record<string, string>): Promise<Response>;
  /** A form post; `_csrf` is filled from the jar unless the fields set it. */
  post(path: string, fields?: Record<string, string>, headers?: Record<string, string>): Promise<Response>;
  /** The CSRF token the console handed this browser (it GETs the sign-in page first when it has none). */
  csrf(): Promise<string>;
  signIn(username: string, password: string): Promise<Response>;
}

/** A new browser with an empty jar and its own client IP (so per-IP login limits never couple tests). */
export function consoleBrowser(): ConsoleBrowser {
  const cookies = new Map<string, string>();
  const ip = freshIp();
  const remember = (res: Response) => {
    for (const line of res.headers.getSetCookie()) {
      const [pair = "", ...attributes] = line.split(";");
      const eq = pair.indexOf("=");
      const name = pair.slice(0, eq).trim();
      const value = pair.slice(eq + 1).trim();
      const expired = attributes.some((a) => /^\s*max-age=0\s*$/i.test(a)) || value === "";
      if (expired) cookies.delete(name);
      else cookies.set(name, value);
    }
    return res;
  };
  const send = async (method: string, path: string, body?: string, headers: Record<string, string> = {}) => {
    const h = new Headers(headers);
    h.set("cf-connecting-ip", ip);
    if (cookies.size > 0) h.set("cookie", [...cookies].map(([k, v]) => `${k}=${v}`).join("; "));
    return remember(await SELF.fetch(`${ORIGIN}${path}`, { method, headers: h, body, redirect: "manual" }));
  };
  const browser: ConsoleBrowser = {
    cookies,
    ip,
    get: (path, headers) => send("GET", path, undefined, headers),
    post: async (path, fields = {}, headers = {}) => {
      const form = new URLSearchParams({ _csrf: await browser.csrf(), ...fields });
      return send("POST", path, form.toString(), {
        origin: ORIGIN,
        "content-type": "application/x-www-form-urlencoded",
        ...headers,
      });
    },
    csrf: async () => {
      if (!cookies.has("__Host-console-csrf")) await browser.get("/console/sign-in");
      return decodeURIComponent(cookies.get("__Host-console-csrf") ?? "");
    },
    signIn: (username, password) => browser.post("/console/sign-in", { username, password }),
  };
  return browser;
}
