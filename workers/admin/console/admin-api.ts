/**
 * How console pages reach the platform: the admin API itself, called inside the Worker
 * (`app.request`) with the signed-in user's access token, so every page is held to exactly the
 * API's rules (roles, a seller's own shop only, validation, idempotency) and there is no second
 * backend to keep in step with it.
 */
import type { AppContext } from "../../../shared/platform/app-env";
import type { ProblemDocument } from "../../../shared/platform/problem";
import type { AdminApp, AdminBindings } from "../app";
import type { ConsoleUser } from "./session";

/** What the console needs of the admin app: its in-process request entry point. */
export type InProcessApp = Pick<AdminApp, "request">;

/** An API answer: the status and parsed body, and the problem document when it failed. */
export type ApiAnswer<T> =
  | { ok: true; status: number; body: T; headers: Headers }
  | { ok: false; status: number; problem: ProblemDocument; headers: Headers };

/** A cursor-paged list answer (API.md: `{items, nextCursor}`). */
export type ListPage<T> = { items: T[]; nextCursor: string | null };

export interface SendOptions {
  /** A JSON body, or a raw one with its content type (bulk uploads send CSV). */
  body?: unknown;
  raw?: { text: string; contentType: string };
  /** Sent on creating POSTs so a form submitted twice creates once. */
  idempotencyKey?: string;
}

export interface AdminApi {
  get<T>(path: string, query?: Record<string, string | undefined>): Promise<ApiAnswer<T>>;
  send<T>(method: "POST" | "PUT" | "PATCH" | "DELETE", path: string, options?: SendOptions): Promise<ApiAnswer<T>>;
}

/** A problem document for an answer that is not one (never expected from the kernel). */
function unexpected(status: number, text: string, requestId: string): ProblemDocument {
  return {
    type: "about:blank",
    title: "Unexpected answer",
    status,
    detail: text.slice(0, 200) || `The admin API answered ${status}`,
    instance: requestId,
    code: "internal",
  };
}

/** The admin API as `user`, for one console request. */
export function adminApiFor(app: InProcessApp, c: AppContext<AdminBindings>, user: ConsoleUser): AdminApi {
  const origin = new URL(c.req.url).origin;
  const call = async <T>(method: string, path: string, options: SendOptions = {}): Promise<ApiAnswer<T>> => {
    const headers = new Headers({ authorization: `Bearer ${user.accessToken}`, accept: "application/json" });
    // The API's per-IP rules and logs see the browser's address, and its lines join the page's.
    const ip = c.req.header("cf-connecting-ip");
    if (ip) headers.set("cf-connecting-ip", ip);
    headers.set("x-request-id", c.var.requestId);
    let body: string | undefined;
    if (options.raw) {
      body = options.raw.text;
      headers.set("content-type", options.raw.contentType);
    } else if (options.body !== undefined) {
      body = JSON.stringify(options.body);
      headers.set("content-type", "application/json");
    }
    if (options.idempotencyKey) headers.set("idempotency-key", options.idempotencyKey);
    const res = await app.request(
      new Request(new URL(path, origin), { method, headers, body }),
      undefined,
      c.env,
      c.executionCtx,
    );
    const text = await res.text();
    let parsed: unknown = null;
    try {
      parsed = text ? JSON.parse(text) : null;
    } catch {
      parsed = null;
    }
    if (res.ok) return { ok: true, status: res.status, body: parsed as T, headers: res.headers };
    const problem =
      parsed && typeof parsed === "object" && "code" in parsed
        ? (parsed as ProblemDocument)
        : unexpected(res.status, text, c.var.requestId);
    return { ok: false, status: res.status, problem, headers: res.headers };
  };
  return {
    get: (path, query) => {
      const params = new URLSearchParams();
      for (const [k, v] of Object.entries(query ?? {})) if (v !== undefined && v !== "") params.set(k, v);
      const qs = params.toString();
      return call("GET", qs ? `${path}?${qs}` : path);
    },
    send: (method, path, options) => call(method, path, options),
  };
}
