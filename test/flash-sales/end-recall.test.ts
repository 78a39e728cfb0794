/**
 * The coordinator's timed recall near the end of a flash sale: its alarm is armed for
 * `endRecallAt` (a minute before the end, at most a tenth of the window); from then on every
 * bucket's unsold stock is back in the pool and grants are exactly what a short bucket asks (no
 * prefetch), so late shoppers of any bucket still buy the last units. Once, and unchanged by the
 * coordinator's eviction; a campaign opened already inside that lead starts that way.
 */
import { env, evictDurableObject, runDurableObjectAlarm, runInDurableObject } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { endRecallAt, type FlashSaleCoordinator } from "../../durable-objects/flash-sale-coordinator";
import { bucketOf, flashQuota, type QuotaPlan } from "../../shared/flash-sales/quota";
import { expectBalanced, quotaPlan } from "../helpers/flash-sales";
import { eventually } from "../helpers/payments";

const quota = flashQuota(env);
const plan = (over: Partial<QuotaPlan> = {}) => quotaPlan("fs_end", { quota: 16, buckets: 4, ...over });

function coordinator(campaignId: string): DurableObjectStub<FlashSaleCoordinator> {
  return (env.FLASH_SALE_COORDINATOR as DurableObjectNamespace<FlashSaleCoordinator>).getByName(campaignId);
}

/** A shopper id that hashes to bucket `k`. */
function shopperOf(k: number, buckets: number, tag: string): string {
  for (let i = 0; ; i++) if (bucketOf(`${tag}-${i}`, buckets) === k) return `${tag}-${i}`;
}

/** One shopper of each bucket enters (retrying while queued); each must be admitted. */
async function oneShopperPerBucket(p: QuotaPlan, tag: string): Promise<void> {
  for (let k = 0; k < p.buckets; k++) {
    const userId = shopperOf(k, p.buckets, tag);
    let o = await quota.admit({ campaignId: p.campaignId, userId, quantity: 1, now: Date.now() });
    for (let tries = 0; o.status === "queued" && tries < 20; tries++) {
      await new Promise((r) => setTimeout(r, 50));
      o = await quota.admit({ campaignId: p.campaignId, userId, quantity: 1, now: Date.now() });
    }
    expect(o, `bucket ${k}`).toMatchObject({ status: "admitted", bucket: k });
  }
}

describe("the end recall", () => {
  it("is armed for endRecallAt, takes every bucket's stock back once, and grants exactly afterwards", async () => {
    const p = plan();
    await quota.open(p);
    const opened = await quota.counts(p.campaignId);
    expect(opened).toMatchObject({ unallocated: 8, bucketStock: [2, 2, 2, 2] });
    // Open armed the alarm for the first grants' redelivery; once that ran, the end recall's is next.
    await runDurableObjectAlarm(coordinator(p.campaignId));
    const armed = await runInDurableObject(coordinator(p.campaignId), (_o, state) => state.storage.getAlarm());
    expect(armed).toBe(endRecallAt(p));
    expect(endRecallAt(p)).toBe(p.endsAt - 60_000);

    expect(await coordinator(p.campaignId).recallBeforeEnd(endRecallAt(p) - 1)).toBe(0);
    await evictDurableObject(coordinator(p.campaignId));
    expect(await coordinator(p.campaignId).recallBeforeEnd(endRecallAt(p))).toBe(8);
    const recalled = await quota.counts(p.campaignId);
    expectBalanced(recalled);
    expect(recalled).toMatchObject({ unallocated: 16, inFlight: 0, bucketStock: [0, 0, 0, 0] });
    await evictDurableObject(coordinator(p.campaignId));
    expect(await coordinator(p.campaignId).recallBeforeEnd(p.endsAt)).toBe(0);

    // Late shoppers of every bucket buy; each bucket gets exactly its unit, none ahead.
    await oneShopperPerBucket(p, "late");
    const after = await quota.counts(p.campaignId);
    expectBalanced(after);
    expect(after).toMatchObject({ admitted: 4, unallocated: 12, bucketStock: [0, 0, 0, 0] });
  });

  it("runs from the alarm once its time comes", async () => {
    // A window of 20 s: the lead is a tenth of it (2 s), so the recall is due 1 s from now.
    const now = Date.now();
    const p = plan({ quota: 8, buckets: 2, startsAt: now - 17_000, endsAt: now + 3_000 });
    await quota.open(p);
    while (Date.now() <= endRecallAt(p)) await new Promise((r) => setTimeout(r, 100));
    // It may have fired by itself already; running it again changes nothing.
    await runDurableObjectAlarm(coordinator(p.campaignId));
    const c = await eventually(
      () => quota.counts(p.campaignId),
      (c) => c.unallocated === 8,
      "every unit back in the pool",
    );
    expect(c.bucketStock).toEqual([0, 0]);
    await oneShopperPerBucket(p, "due");
    expect(await quota.counts(p.campaignId)).toMatchObject({ admitted: 2, unallocated: 6, bucketStock: [0, 0] });
  });

  it("a campaign opened inside the lead keeps every unit in the pool and grants exactly", async () => {
    const now = Date.now();
    const p = plan({ quota: 6, buckets: 3, startsAt: now - 600_000, endsAt: now + 30_000 });
    await quota.open(p);
    expect(await quota.counts(p.campaignId)).toMatchObject({ unallocated: 6, bucketStock: [0, 0, 0] });
    await oneShopperPerBucket(p, "inside");
    const c = await quota.counts(p.campaignId);
    expectBalanced(c);
    expect(c).toMatchObject({ admitted: 3, unallocated: 3, bucketStock: [0, 0, 0] });
  });
});
