/**
 * Dev-only endpoint for `npm run bench:flash` (bench/flash.ts), in the dev router (never deployed):
 *
 *   GET /__bench/flash/<campaignId>          the quota's exact counts (every bucket audited, the
 *                                            invariant's terms) and each object's calls and busiest second
 *   GET /__bench/flash/<campaignId>/stats    each object's calls and busiest second alone (no audit, so
 *                                            sampling it does not load the objects it measures)
 *   POST /__bench/flash/<campaignId>/redeem  {admissionId, userId, orderId}: redeems an admission
 *                                            straight through the quota (BENCH_FLASH_REDEEM=quota, for
 *                                            a tree whose order route does not take purchase tokens yet)
 *
 * The public routes show admitted, sold and remaining; the bench also needs the split over
 * unallocated, in flight and each bucket's stock, and the per-object load, which only the objects know.
 */
import { flashQuota } from "../../shared/flash-sales/quota";

export const FLASH_BENCH_PREFIX = "/__bench/flash/";

export interface FlashBenchEnv {
  FLASH_SALE_COORDINATOR: DurableObjectNamespace;
  FLASH_SALE_BUCKET: DurableObjectNamespace;
}

export async function flashBenchRequest(request: Request, env: FlashBenchEnv): Promise<Response> {
  const [campaignId = "", action] = new URL(request.url).pathname.slice(FLASH_BENCH_PREFIX.length).split("/");
  const quota = flashQuota(env);
  if (!/^[\w-]{1,128}$/.test(campaignId)) return Response.json({ error: "campaignId" }, { status: 400 });
  if (request.method === "GET" && action === undefined) {
    const [counts, stats] = await Promise.all([quota.counts(campaignId), quota.stats(campaignId)]);
    return Response.json({ counts, stats });
  }
  if (request.method === "GET" && action === "stats") return Response.json({ stats: await quota.stats(campaignId) });
  if (request.method === "POST" && action === "redeem") {
    const body = (await request.json()) as { admissionId?: unknown; userId?: unknown; orderId?: unknown };
    const { admissionId, userId, orderId } = body;
    if (typeof admissionId !== "string" || typeof userId !== "string" || typeof orderId !== "string") {
      return Response.json({ error: "admissionId, userId and orderId" }, { status: 400 });
    }
    return Response.json(await quota.redeem({ campaignId, admissionId, userId, orderId }));
  }
  return Response.json({ error: "no such flash bench endpoint" }, { status: 404 });
}
