/**
 * Dev-only routing by path prefix, standing in for Cloudflare's routes on one local origin:
 * `/admin/*` → admin, `/webhooks/*` → payments-webhook, everything else → storefront.
 */

/** Anything that answers a request: a service binding, or a Worker's handler in tests. */
export interface RouteTarget {
  fetch(request: Request): Promise<Response>;
}

export interface RouteTargets {
  storefront: RouteTarget;
  admin: RouteTarget;
  webhooks: RouteTarget;
}

/** The bench's ceiling: the cheapest possible answer from the runtime, with no framework at all. */
export const HELLO_PATH = "/__hello";

function hasPrefix(path: string, prefix: string): boolean {
  return path === prefix || path.startsWith(`${prefix}/`);
}

/** Which Worker serves `pathname`. */
export function targetOf(pathname: string): keyof RouteTargets {
  if (hasPrefix(pathname, "/admin")) return "admin";
  if (hasPrefix(pathname, "/webhooks")) return "webhooks";
  return "storefront";
}

/** Forwards `request` to the Worker that owns its path. */
export function routeRequest(request: Request, targets: RouteTargets): Promise<Response> | Response {
  const { pathname } = new URL(request.url);
  if (pathname === HELLO_PATH) return new Response("hello");
  return targets[targetOf(pathname)].fetch(request);
}
