/** Requests through the test platform's router (the same path a client takes locally). */
import { createExecutionContext, env, SELF } from "cloudflare:test";

export const ORIGIN = "http://127.0.0.1:8787";

export interface CallOptions {
  token?: string;
  body?: unknown;
  /** A raw body, sent as is (for malformed JSON and size tests). */
  rawBody?: string;
  headers?: Record<string, string>;
}

/** Sends `method path` through the router; JSON-encodes `body`. */
export function call(method: string, path: string, options: CallOptions = {}): Promise<Response> {
  const headers = new Headers(options.headers);
  if (options.token) headers.set("authorization", `Bearer ${options.token}`);
  let body: string | undefined = options.rawBody;
  if (options.body !== undefined) {
    body = JSON.stringify(options.body);
    if (!headers.has("content-type")) headers.set("content-type", "application/json");
  } else if (body !== undefined && !headers.has("content-type")) {
    headers.set("content-type", "application/json");
  }
  return SELF.fetch(`${ORIGIN}${path}`, { method, headers, body });
}

/** The parsed JSON body, with the status, for assertions that print the body when they fail. */
export async function json<T = Record<string, unknown>>(
  res: Response,
): Promise<{ status: number; body: T; res: Response }> {
  const text = await res.text();
  let body: unknown = text;
  try {
    body = JSON.parse(text);
  } catch {
    // Leave non-JSON bodies as text so a failing assertion shows them.
  }
  return { status: res.status, body: body as T, res };
}

/** Anything with a Worker-style fetch: an app built with a test clock. */
export interface FetchApp {
  fetch(request: Request, env: Cloudflare.Env, ctx: ExecutionContext): Response | Promise<Response>;
}

/**
 * Like `call`, but straight into `app` (built with a manual clock), bypassing the router; `env`
 * replaces the test env (other Worker vars).
 */
export async function callApp(
  app: FetchApp,
  method: string,
  path: string,
  options: CallOptions & { env?: Cloudflare.Env } = {},
): Promise<Response> {
  const headers = new Headers(options.headers);
  if (options.token) headers.set("authorization", `Bearer ${options.token}`);
  if (!headers.has("cf-connecting-ip"))
    headers.set("cf-connecting-ip", `10.200.${Math.floor(Math.random() * 255)}.${Math.floor(Math.random() * 255)}`);
  let body: string | undefined = options.rawBody;
  if (options.body !== undefined) {
    body = JSON.stringify(options.body);
    headers.set("content-type", "application/json");
  }
  return app.fetch(
    new Request(`${ORIGIN}${path}`, { method, headers, body }),
    options.env ?? env,
    createExecutionContext(),
  );
}
