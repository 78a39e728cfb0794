/**
 * Flash-sale campaigns and entry through the Workers: the quota carved out of the SKU's stock
 * (and 409 `insufficient_stock`), who may manage a campaign, the window (not_started / ended),
 * the entry proof, the per-user limit, a stampede on a quota of 10, sold out answered at the edge
 * without touching the quota objects, and an early end returning the unsold units to the SKU.
 */
import { env } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { flashQuota } from "../../shared/flash-sales/quota";
import { newSeller, operatorToken } from "../helpers/catalog";
import { admit, campaignOf, campaignPage, enter, newCampaign, proofOf, stampede } from "../helpers/flash-sales";
import { call, json } from "../helpers/http";
import { newShopper, skuOnSale, stockOf } from "../helpers/orders";

const quota = flashQuota(env);

describe("campaigns (admin)", () => {
  it("carves the quota out of the SKU's available stock and shows live counts", async () => {
    const c = await newCampaign({ stock: 20, quota: 10 });
    expect(c.status).toBe("RUNNING");
    const stock = await stockOf(c.seller, c.skuId);
    expect(stock.body).toMatchObject({ available: 10, reserved: 10, sold: 0 });
    const view = await campaignOf(c.campaignId, c.seller.token);
    expect(view.status, JSON.stringify(view.body)).toBe(200);
    expect(view.body).toMatchObject({ status: "RUNNING", admitted: 0, sold: 0, remaining: 10, unsold: null });
  });

  it("refuses a quota the SKU's stock cannot cover with 409 insufficient_stock, holding nothing", async () => {
    const { seller, skuId } = await skuOnSale(undefined, { stock: 5 });
    const now = Date.now();
    const res = await json<{ code: string; available: number }>(
      await call("POST", "/admin/v1/flash-sales", {
        token: seller.token,
        body: {
          skuId,
          price: { amount: 990, currency: "CNY" },
          quota: 6,
          startsAt: new Date(now).toISOString(),
          endsAt: new Date(now + 60_000).toISOString(),
          perUserLimit: 1,
        },
      }),
    );
    expect(res.status, JSON.stringify(res.body)).toBe(409);
    expect(res.body).toMatchObject({ code: "insufficient_stock", available: 5 });
    expect((await stockOf(seller, skuId)).body).toMatchObject({ available: 5, reserved: 0 });
  });

  it("validates the window, the limit and the price", async () => {
    const { seller, skuId } = await skuOnSale();
    const now = Date.now();
    const res = await json<{ errors: { field: string }[] }>(
      await call("POST", "/admin/v1/flash-sales", {
        token: seller.token,
        body: {
          skuId,
          price: { amount: 0, currency: "CNY" },
          quota: 2,
          startsAt: new Date(now + 60_000).toISOString(),
          endsAt: new Date(now).toISOString(),
          perUserLimit: 3,
        },
      }),
    );
    expect(res.status).toBe(400);
    expect(res.body.errors.map((e) => e.field).sort()).toEqual(["endsAt", "perUserLimit", "price"]);
  });

  it("another shop's seller sees a 404; an operator sees it; the shop's list pages with nextCursor", async () => {
    const c = await newCampaign();
    const other = await newSeller();
    expect((await campaignOf(c.campaignId, other.token)).status).toBe(404);
    const end = await json(await call("POST", `/admin/v1/flash-sales/${c.campaignId}/end`, { token: other.token }));
    expect(end.status, JSON.stringify(end.body)).toBe(404);
    expect((await campaignOf(c.campaignId, c.seller.token)).body).toMatchObject({ status: "RUNNING" });
    expect((await campaignOf(c.campaignId, await operatorToken())).status).toBe(200);
    const second = await newCampaign();
    const page = await json<{ items: { campaignId: string }[]; nextCursor: string | null }>(
      await call("GET", "/admin/v1/flash-sales?limit=1", { token: c.seller.token }),
    );
    expect(page.body.items.map((i) => i.campaignId)).toEqual([c.campaignId]);
    expect(page.body.nextCursor).toBeNull();
    const ops = await json<{ items: { campaignId: string }[]; nextCursor: string | null }>(
      await call("GET", `/admin/v1/flash-sales?limit=1&shopId=${second.seller.shopId}`, {
        token: await operatorToken(),
      }),
    );
    expect(ops.body.items.map((i) => i.campaignId)).toEqual([second.campaignId]);
  });

  it("ending early stops entries and returns the unsold units to the SKU (sold ones stay carved)", async () => {
    const c = await newCampaign({ stock: 20, quota: 10 });
    const shopper = await newShopper();
    expect((await admit(c.campaignId, shopper)).status).toBe(200);
    const ended = await json<{ status: string; unsold: number }>(
      await call("POST", `/admin/v1/flash-sales/${c.campaignId}/end`, { token: c.seller.token }),
    );
    expect(ended.status, JSON.stringify(ended.body)).toBe(200);
    // The admission was not ordered before the end: it lapses, so all ten go back.
    expect(ended.body).toMatchObject({ status: "ENDED", unsold: 10 });
    expect((await stockOf(c.seller, c.skuId)).body).toMatchObject({ available: 20, reserved: 0, sold: 0 });
    const again = await json<{ unsold: number }>(
      await call("POST", `/admin/v1/flash-sales/${c.campaignId}/end`, { token: c.seller.token }),
    );
    expect(again.body.unsold).toBe(10);
    expect((await stockOf(c.seller, c.skuId)).body).toMatchObject({ available: 20, reserved: 0 });
  });
});

describe("entering (storefront)", () => {
  it("before the start is 403 not_started with Retry-After; the page already hands out the proof", async () => {
    const c = await newCampaign({ startsInMs: 60_000 });
    const shopper = await newShopper();
    const page = await campaignPage(c.campaignId, shopper.token);
    expect(page.body).toMatchObject({ status: "SCHEDULED", remaining: 10 });
    expect(page.body.entryProof).toEqual(expect.any(String));
    const res = await enter(c.campaignId, shopper, { quantity: 1, entryProof: page.body.entryProof });
    expect(res.status, JSON.stringify(res.body)).toBe(403);
    expect(res.body.code).toBe("not_started");
    expect(Number(res.res.headers.get("retry-after"))).toBeGreaterThan(50);
  });

  it("after the end is 403 ended", async () => {
    const c = await newCampaign({ endsInMs: 6_000 });
    const shopper = await newShopper();
    const entryProof = await proofOf(c.campaignId, shopper);
    // The campaign's own end (set up on a busy machine it is later than 6 s after the test began).
    const endsAt = Date.parse((await campaignPage(c.campaignId)).body.endsAt);
    await new Promise((r) => setTimeout(r, Math.max(0, endsAt - Date.now()) + 200));
    const res = await enter(c.campaignId, shopper, { quantity: 1, entryProof });
    expect(res.status, JSON.stringify(res.body)).toBe(403);
    expect(res.body.code).toBe("ended");
    expect((await campaignPage(c.campaignId, shopper.token)).body).toMatchObject({ status: "ENDED", remaining: 0 });
  });

  it("needs an entry proof of this shopper for this campaign (403 proof_required), a guest gets none", async () => {
    const c = await newCampaign();
    const other = await newCampaign();
    const [shopper, someoneElse] = [await newShopper(), await newShopper()];
    expect((await campaignPage(c.campaignId)).body.entryProof).toBeUndefined();
    const cases = [
      { quantity: 1 },
      { quantity: 1, entryProof: "not-a-proof" },
      { quantity: 1, entryProof: await proofOf(c.campaignId, someoneElse) },
      { quantity: 1, entryProof: await proofOf(other.campaignId, shopper) },
    ];
    for (const body of cases) {
      const res = await enter(c.campaignId, shopper, body);
      expect(res.status, JSON.stringify(body)).toBe(403);
      expect(res.body.code).toBe("proof_required");
    }
    expect((await quota.counts(c.campaignId)).admitted).toBe(0);
    expect((await admit(c.campaignId, shopper)).status).toBe(200);
  });

  it("enforces the per-user limit: 429 limit_reached past it, in one entry or over several", async () => {
    const c = await newCampaign({ quota: 10, perUserLimit: 2 });
    const shopper = await newShopper();
    const entryProof = await proofOf(c.campaignId, shopper);
    expect((await enter(c.campaignId, shopper, { quantity: 3, entryProof })).body.code).toBe("limit_reached");
    const first = await enter(c.campaignId, shopper, { quantity: 2, entryProof });
    expect(first.status, JSON.stringify(first.body)).toBe(200);
    expect(first.body).toMatchObject({ status: "admitted", quantity: 2 });
    const second = await enter(c.campaignId, shopper, { quantity: 1, entryProof });
    expect(second.status).toBe(429);
    expect(second.body.code).toBe("limit_reached");
  });

  it("fifty parallel entries on a quota of ten (two buckets): exactly ten admitted, the rest queued, never a 5xx", async () => {
    const c = await newCampaign({ stock: 30, quota: 10, buckets: 2 });
    const shoppers = [];
    // One at a time: users made in the same millisecond could share a phone number.
    for (let i = 0; i < 50; i++) shoppers.push(await newShopper());
    const { tokens, answers } = await stampede(c.campaignId, shoppers, 10);
    expect(answers.filter((a) => a.status >= 500)).toEqual([]);
    expect(tokens.size).toBe(10);
    // While admitted buyers may still lapse, the others wait (订单蓄洪) rather than being told sold out.
    const rest = answers.filter((a) => a.status !== 200);
    expect(rest.every((a) => (a.status === 202 && a.body.status === "queued") || a.body.code === "sold_out")).toBe(
      true,
    );
    expect(rest.filter((a) => a.status === 202).every((a) => Number(a.res.headers.get("retry-after")) >= 1)).toBe(true);
    // One more round changes nothing: the quota is all admitted.
    const late = await stampede(c.campaignId, shoppers.slice(0, 5), 1);
    expect(late.tokens.size).toBe(0);
    expect(await quota.counts(c.campaignId)).toMatchObject({ admitted: 10, sold: 0, remaining: 0 });
  }, 90_000);
});
