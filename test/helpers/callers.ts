/** Access tokens for the seeded demo accounts and for made-up callers. */
import { env } from "cloudflare:test";
import { demoId } from "../../db/seed/fixtures";
import { type Caller, signAccessToken } from "../../shared/platform/auth";
import { type Clock, systemClock } from "../../shared/platform/clock";

export const DEMO = {
  operator: { userId: demoId("usr", 1), roles: ["operator"] },
  seller1: { userId: demoId("usr", 2), roles: ["seller"], shopId: demoId("shp", 1) },
  seller2: { userId: demoId("usr", 3), roles: ["seller"], shopId: demoId("shp", 2) },
  shopper: { userId: demoId("usr", 4), roles: ["shopper"] },
} satisfies Record<string, Caller>;

/** A valid access token for `caller`, as login will issue it. */
export function tokenFor(caller: Caller, clock: Clock = systemClock, ttlSeconds?: number): Promise<string> {
  return signAccessToken(
    caller,
    { secret: env.JWT_SECRET, issuer: "edge-commerce", audience: "edge-commerce", clock },
    ttlSeconds,
  );
}
