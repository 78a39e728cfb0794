/**
 * Ordering with a purchase token: the order at the flash price, the token redeemed exactly once
 * (an Idempotency-Key replay is the same order, another order is 409 purchase_token_used), a
 * lapsed admission refused with its unit back, an unpaid cancel while the campaign runs giving
 * the unit back to the campaign, payment selling the unit, sold out answered at the edge, ten
 * parallel orders from a stampede at the flash price, and settlement returning only the unsold
 * units to the SKU with its available / reserved / sold exact.
 */
import { env } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import type { FlashSaleBucket } from "../../durable-objects/flash-sale-bucket";
import { bucketOf, flashQuota } from "../../shared/flash-sales/quota";
import { freshIp } from "../helpers/factories";
import { admit, campaignOf, enter, newCampaign, orderFlash, proofOf, stampede } from "../helpers/flash-sales";
import { call, json } from "../helpers/http";
import { newShopper, type Shopper, stockOf } from "../helpers/orders";
import { eventually, pay, settle } from "../helpers/payments";
import { act } from "../helpers/sandbox";

const quota = flashQuota(env);

async function tokenFor(campaignId: string, shopper: Shopper, quantity = 1): Promise<string> {
  const res = await admit(campaignId, shopper, quantity);
  if (res.status !== 200 || !res.body.purchaseToken)
    throw new Error(`admit: ${res.status} ${JSON.stringify(res.body)}`);
  return res.body.purchaseToken;
}

async function orderView(shopper: Shopper, orderId: string) {
  return json<{ status: string; items: { skuId: string; quantity: number; unitPrice: { amount: number } }[] }>(
    await call("GET", `/v1/orders/${orderId}`, { token: shopper.token }),
  );
}

describe("flash-sale orders", () => {
  it("orders at the flash price, once per token; a replay with the same Idempotency-Key is the same order", async () => {
    const c = await newCampaign({ stock: 20, quota: 10, price: 990 });
    const shopper = await newShopper();
    const token = await tokenFor(c.campaignId, shopper);
    const key = crypto.randomUUID();
    const first = await orderFlash(shopper, token, { "idempotency-key": key });
    expect(first.status, JSON.stringify(first.body)).toBe(201);
    const orderId = first.body.orders[0]?.orderId ?? "";
    const view = await orderView(shopper, orderId);
    expect(view.body.items).toEqual([
      expect.objectContaining({ skuId: c.skuId, quantity: 1, unitPrice: expect.objectContaining({ amount: 990 }) }),
    ]);
    const replay = await orderFlash(shopper, token, { "idempotency-key": key });
    expect(replay.status).toBe(201);
    expect(replay.body.orders[0]?.orderId).toBe(orderId);
    const second = await orderFlash(shopper, token, { "idempotency-key": crypto.randomUUID() });
    expect(second.status, JSON.stringify(second.body)).toBe(409);
    expect(second.body.code).toBe("purchase_token_used");
    // The unit moved from the campaign's carve-out to the order's hold: available did not move.
    expect((await stockOf(c.seller, c.skuId)).body).toMatchObject({ available: 10, reserved: 10, sold: 0 });
    expect((await campaignOf(c.campaignId, c.seller.token)).body).toMatchObject({ admitted: 0, sold: 1, remaining: 9 });
  });

  it("refuses another shopper's token (400) and a malformed one, ordering nothing", async () => {
    const c = await newCampaign();
    const [owner, thief] = [await newShopper(), await newShopper()];
    const token = await tokenFor(c.campaignId, owner);
    const stolen = await orderFlash(thief, token);
    expect(stolen.status).toBe(400);
    expect((await orderFlash(thief, "nonsense")).status).toBe(400);
    expect((await campaignOf(c.campaignId, c.seller.token)).body).toMatchObject({ admitted: 1, sold: 0 });
  });

  it("a lapsed admission is refused with 409 admission_lapsed and its unit goes to the next shopper", async () => {
    const c = await newCampaign({ quota: 1 });
    const [slow, next] = [await newShopper(), await newShopper()];
    const token = await tokenFor(c.campaignId, slow);
    // The bucket's alarm, run at the admission's expiry, returns the unit.
    const bucket = env.FLASH_SALE_BUCKET.getByName(
      `${c.campaignId}:${bucketOf(slow.id, 1)}`,
    ) as DurableObjectStub<FlashSaleBucket>;
    expect(await bucket.expireDue(Date.now() + 10 * 60_000)).toBe(1);
    const late = await orderFlash(slow, token);
    expect(late.status, JSON.stringify(late.body)).toBe(409);
    expect(late.body.code).toBe("admission_lapsed");
    expect((await stockOf(c.seller, c.skuId)).body).toMatchObject({ reserved: 1, sold: 0 });
    const nextToken = await tokenFor(c.campaignId, next);
    expect((await orderFlash(next, nextToken)).status).toBe(201);
  });

  it("an unpaid order cancelled while the campaign runs gives its unit back to the campaign", async () => {
    const c = await newCampaign({ stock: 3, quota: 1 });
    const [first, second] = [await newShopper(), await newShopper()];
    const placed = await orderFlash(first, await tokenFor(c.campaignId, first));
    expect(placed.status).toBe(201);
    const orderId = placed.body.orders[0]?.orderId ?? "";
    const cancelled = await call("POST", `/v1/orders/${orderId}/cancel`, { token: first.token });
    expect(cancelled.status).toBe(200);
    // The SKU object put the unit back into the carve-out at once; the consumer frees the admission.
    expect((await stockOf(c.seller, c.skuId)).body).toMatchObject({ available: 2, reserved: 1, sold: 0 });
    await eventually(
      () => quota.counts(c.campaignId),
      (counts) => counts.sold === 0 && counts.remaining === 1,
      "the cancelled order's admission back in the quota",
    );
    const again = await orderFlash(second, await tokenFor(c.campaignId, second));
    expect(again.status, JSON.stringify(again.body)).toBe(201);
    expect((await stockOf(c.seller, c.skuId)).body).toMatchObject({ available: 2, reserved: 1, sold: 0 });
  });

  it("paying sells the unit; once sold out the edge answers 409 without calling the quota objects", async () => {
    const c = await newCampaign({ stock: 5, quota: 1 });
    const [buyer, late] = [await newShopper(), await newShopper()];
    const placed = await orderFlash(buyer, await tokenFor(c.campaignId, buyer));
    const started = await pay(buyer, placed.body.payOrderId);
    expect(started.status, JSON.stringify(started.body)).toBe(201);
    await act(started.body.paymentId, "succeed");
    await settle();
    await eventually(
      () => stockOf(c.seller, c.skuId),
      (s) => s.body.sold === 1,
      "the paid unit sold in the SKU object",
    );
    expect((await stockOf(c.seller, c.skuId)).body).toMatchObject({ available: 4, reserved: 0, sold: 1 });
    const proof = await proofOf(c.campaignId, late);
    const first = await enter(c.campaignId, late, { quantity: 1, entryProof: proof });
    expect(first.status, JSON.stringify(first.body)).toBe(409);
    expect(first.body.code).toBe("sold_out");
    const before = await quota.stats(c.campaignId);
    const again = await Promise.all(
      Array.from({ length: 5 }, () => enter(c.campaignId, late, { quantity: 1, entryProof: proof }, freshIp())),
    );
    expect(again.map((a) => a.body.code)).toEqual(Array(5).fill("sold_out"));
    const after = await quota.stats(c.campaignId);
    expect(after.buckets.map((b) => b.calls)).toEqual(before.buckets.map((b) => b.calls));
  });

  it("a stampede on a quota of ten: ten orders at the flash price, and the end returns only the unsold", async () => {
    const c = await newCampaign({ stock: 25, quota: 10, buckets: 2, price: 500, endsInMs: 60_000 });
    const shoppers: Shopper[] = [];
    for (let i = 0; i < 30; i++) shoppers.push(await newShopper());
    const { tokens, answers } = await stampede(c.campaignId, shoppers, 10);
    expect(answers.filter((e) => e.status >= 500)).toEqual([]);
    const admitted = [...tokens].map(([i, token]) => ({ shopper: shoppers[i] as Shopper, token }));
    expect(admitted).toHaveLength(10);
    // Seven order (in parallel), three never do.
    const orders = await Promise.all(admitted.slice(0, 7).map((a) => orderFlash(a.shopper, a.token)));
    expect(orders.map((o) => o.status)).toEqual(Array(7).fill(201));
    const views = await Promise.all(
      orders.map((o, i) => orderView(admitted[i]?.shopper as Shopper, o.body.orders[0]?.orderId ?? "")),
    );
    expect(views.every((v) => v.body.items[0]?.unitPrice.amount === 500)).toBe(true);
    expect((await stockOf(c.seller, c.skuId)).body).toMatchObject({ available: 15, reserved: 10, sold: 0 });
    const ended = await json<{ status: string; sold: number; unsold: number }>(
      await call("POST", `/admin/v1/flash-sales/${c.campaignId}/end`, { token: c.seller.token }),
    );
    expect(ended.body).toMatchObject({ status: "ENDED", sold: 7, unsold: 3 });
    // The three unordered units are back; the seven ordered ones stay held by their orders.
    expect((await stockOf(c.seller, c.skuId)).body).toMatchObject({ available: 18, reserved: 7, sold: 0 });
    // An order cancelled after the end returns its unit to the SKU's stock, not to the campaign.
    const cancelled = await call("POST", `/v1/orders/${orders[0]?.body.orders[0]?.orderId}/cancel`, {
      token: admitted[0]?.shopper.token as string,
    });
    expect(cancelled.status).toBe(200);
    expect((await stockOf(c.seller, c.skuId)).body).toMatchObject({ available: 19, reserved: 6, sold: 0 });
    // A token admitted before the end cannot order after it.
    const tooLate = await orderFlash(admitted[9]?.shopper as Shopper, admitted[9]?.token as string);
    expect(tooLate.status).toBe(409);
    expect(tooLate.body.code).toBe("admission_lapsed");
  }, 120_000);
});
