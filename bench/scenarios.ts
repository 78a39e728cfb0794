/**
 * The routes the bench drives. `hello` is the ceiling: the dev router answers it without any
 * framework, so every other route's throughput is reported as a ratio of what the runtime itself
 * does on this machine in the same run. Later issues add their routes here.
 */

import { DEV_JWT_SECRET } from "../scripts/local.ts";
import { signAccessToken } from "../shared/platform/auth.ts";
import { systemClock } from "../shared/platform/clock.ts";
import type { Scenario } from "./lib/load.ts";

export const CEILING = "hello (router only)";

/** Builds the scenarios; some need an operator token signed with the local dev secret. */
export async function scenarios(): Promise<Scenario[]> {
  const operator = await signAccessToken(
    { userId: "usr_00000000000000000000000001", roles: ["operator"] },
    { secret: DEV_JWT_SECRET, issuer: "edge-commerce", audience: "edge-commerce", clock: systemClock },
    3600,
  );
  const auth = { authorization: `Bearer ${operator}` };
  return [
    { name: CEILING, path: "/__hello" },
    { name: "storefront GET /v1/health", path: "/v1/health" },
    { name: "admin GET /admin/v1/health", path: "/admin/v1/health" },
    { name: "webhooks GET /webhooks/health", path: "/webhooks/health" },
    { name: "storefront 404 problem+json", path: "/v1/does-not-exist", expectStatus: 404 },
    { name: "admin GET dead-letters (JWT + D1 read)", path: "/admin/v1/dead-letters?limit=20", headers: auth },
    {
      name: "admin POST canary, idempotent replay (JWT + D1)",
      method: "POST",
      path: "/admin/v1/ops/event-canaries",
      headers: { ...auth, "content-type": "application/json", "idempotency-key": "bench-replay" },
      body: JSON.stringify({ queue: "order-events" }),
      expectStatus: 202,
    },
  ];
}
