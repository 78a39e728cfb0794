/**
 * Dev-only routing by path prefix, standing in for Cloudflare's routes on one local origin:
 * `/admin/*` and `/console/*` → admin, `/webhooks/*` → payments-webhook, `/sandbox/*` → the sandbox providers
 * (when present), everything else → storefront.
 */
import { AppError } from "../../shared/platform/errors";
import { ulid } from "../../shared/platform/ids";
import { problemResponse } from "../../shared/platform/problem";

/** Anything that answers a request: a service binding, or a Worker's handler in tests. */
export interface RouteTarget {
  fetch(request: Request): Promise<Response>;
}

export interface RouteTargets {
  storefront: RouteTarget;
  admin: RouteTarget;
  webhooks: RouteTarget;
  /** The sandbox providers (local dev and tests only); without it `/sandbox/*` is a 404. */
  sandbox?: RouteTarget;
  /** The Swagger UI files behind the docs pages (local dev has no CDN). */
  docsAssets?: RouteTarget;
}

/** Where local docs pages load Swagger UI from (`DOCS_ASSETS_BASE` + `/swagger-ui-dist/`). */
export const DOCS_ASSETS_PREFIX = "/__assets/swagger-ui-dist/";

/** The bench's ceiling: the cheapest possible answer from the runtime, with no framework at all. */
export const HELLO_PATH = "/__hello";

function hasPrefix(path: string, prefix: string): boolean {
  return path === prefix || path.startsWith(`${prefix}/`);
}

/** Which Worker serves `pathname`. */
export function targetOf(pathname: string): "storefront" | "admin" | "webhooks" | "sandbox" {
  if (hasPrefix(pathname, "/admin") || hasPrefix(pathname, "/console")) return "admin";
  if (hasPrefix(pathname, "/sandbox")) return "sandbox";
  if (hasPrefix(pathname, "/webhooks")) return "webhooks";
  return "storefront";
}

/** Forwards `request` to the Worker that owns its path. */
export function routeRequest(request: Request, targets: RouteTargets): Promise<Response> | Response {
  const url = new URL(request.url);
  if (url.pathname === HELLO_PATH) return new Response("hello");
  if (targets.docsAssets && url.pathname.startsWith(DOCS_ASSETS_PREFIX)) {
    return targets.docsAssets.fetch(
      new Request(new URL(`/${url.pathname.slice(DOCS_ASSETS_PREFIX.length)}`, url), request),
    );
  }
  const target = targetOf(url.pathname);
  if (target === "sandbox") {
    if (targets.sandbox) return targets.sandbox.fetch(request);
    const requestId = request.headers.get("x-request-id") ?? `req_${ulid()}`;
    return problemResponse(
      new AppError("not_found", { detail: `No route for ${request.method} ${url.pathname}` }),
      requestId,
    );
  }
  return targets[target].fetch(request);
}
