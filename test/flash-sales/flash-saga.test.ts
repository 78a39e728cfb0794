/**
 * An order saga with a purchase token that dies mid-way: once its lease lapses the sweeper gives
 * the held units back to the campaign's carve-out and, when the admission was already redeemed
 * (the order never written), the admission back to the quota, so the unit is for sale again. An
 * admission the saga never redeemed stays with its shopper, whose token still orders.
 */
import { env } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { flashQuota } from "../../shared/flash-sales/quota";
import { createOrder } from "../../shared/orders/create-order";
import { SimulatedCrash } from "../../shared/orders/saga";
import { SAGA_LEASE_MS } from "../../shared/orders/settings";
import { sweepStaleSagas } from "../../shared/orders/sweeper";
import { ManualClock } from "../../shared/platform/clock";
import { admit, newCampaign, orderFlash } from "../helpers/flash-sales";
import { countOnShards } from "../helpers/order-d1";
import { newShopper, orderDepsFor, type Shopper, stockOf } from "../helpers/orders";

const quota = flashQuota(env);

async function tokenFor(campaignId: string, shopper: Shopper): Promise<string> {
  const res = await admit(campaignId, shopper);
  if (res.status !== 200 || !res.body.purchaseToken)
    throw new Error(`admit: ${res.status} ${JSON.stringify(res.body)}`);
  return res.body.purchaseToken;
}

/** Order deps whose runner "dies" just before `step` (no compensation runs), with the quota bound. */
function crashingAt(step: string) {
  const deps = orderDepsFor(new ManualClock(Date.now()), {
    hooks: {
      beforeStep: (name) => {
        if (name === step) throw new SimulatedCrash(step);
      },
    },
  });
  return { ...deps, flashQuota: quota };
}

async function crashOrder(step: string, shopper: Shopper, purchaseToken: string) {
  const deps = crashingAt(step);
  await expect(
    createOrder(deps, { userId: shopper.id, ip: "10.16.0.1", body: { purchaseToken, addressId: shopper.addressId } }),
  ).rejects.toBeInstanceOf(SimulatedCrash);
  return deps;
}

async function orderCount(skuId: string): Promise<number> {
  return countOnShards("select count(*) as n from order_items where sku_id = ?", skuId);
}

describe("a flash-sale order saga that dies", () => {
  for (const step of ["snapshot_lines", "write_orders"]) {
    it(`after redeeming (at ${step}): the sweeper returns the admission, and the unit sells to the next shopper`, async () => {
      const c = await newCampaign({ stock: 4, quota: 1 });
      const [first, next] = [await newShopper(), await newShopper()];
      const deps = await crashOrder(step, first, await tokenFor(c.campaignId, first));
      // Redeemed, with its units held for an order that will never be written.
      expect(await quota.counts(c.campaignId)).toMatchObject({ sold: 1, admitted: 0, remaining: 0 });
      expect((await stockOf(c.seller, c.skuId)).body).toMatchObject({ available: 3, reserved: 1 });

      // The lease still runs: the sweeper leaves the saga alone.
      expect((await sweepStaleSagas(deps)).compensated).toBe(0);
      deps.clock.advance(SAGA_LEASE_MS + 1);
      expect((await sweepStaleSagas(deps)).compensated).toBe(1);
      const counts = await quota.counts(c.campaignId);
      expect(counts).toMatchObject({ sold: 0, admitted: 0, remaining: 1 });
      expect(counts.unallocated + counts.inFlight + counts.bucketStock.reduce((a, b) => a + b, 0)).toBe(1);
      // The carve-out has its unit back (available did not move: it is still the campaign's).
      expect((await stockOf(c.seller, c.skuId)).body).toMatchObject({ available: 3, reserved: 1 });
      expect(await orderCount(c.skuId)).toBe(0);
      // A second sweep changes nothing.
      expect((await sweepStaleSagas(deps)).compensated).toBe(0);
      expect(await quota.counts(c.campaignId)).toMatchObject({ sold: 0, remaining: 1 });

      const placed = await orderFlash(next, await tokenFor(c.campaignId, next));
      expect(placed.status, JSON.stringify(placed.body)).toBe(201);
      expect(await quota.counts(c.campaignId)).toMatchObject({ sold: 1, remaining: 0 });
      expect((await stockOf(c.seller, c.skuId)).body).toMatchObject({ available: 3, reserved: 1 });
    });
  }

  it("before redeeming: the sweeper leaves the admission with its shopper, whose token still orders", async () => {
    const c = await newCampaign({ stock: 4, quota: 1 });
    const shopper = await newShopper();
    const token = await tokenFor(c.campaignId, shopper);
    const deps = await crashOrder("redeem_admission", shopper, token);
    deps.clock.advance(SAGA_LEASE_MS + 1);
    expect((await sweepStaleSagas(deps)).compensated).toBe(1);
    expect(await quota.counts(c.campaignId)).toMatchObject({ sold: 0, admitted: 1, remaining: 0 });
    expect((await stockOf(c.seller, c.skuId)).body).toMatchObject({ available: 3, reserved: 1 });

    const placed = await orderFlash(shopper, token);
    expect(placed.status, JSON.stringify(placed.body)).toBe(201);
    expect(await quota.counts(c.campaignId)).toMatchObject({ sold: 1, admitted: 0, remaining: 0 });
    expect(await orderCount(c.skuId)).toBe(1);
  });
});
