/**
 * The home page's flash-sale slot: the campaigns open now or soon, with their product and flash
 * price, cached with the page and never stale past a campaign's creation, start or early end.
 */
import { env } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { rebuildSearchDocument } from "../../shared/catalog/indexer";
import { dbOf } from "../../shared/platform/db";
import { operatorToken } from "../helpers/catalog";
import { newCampaign } from "../helpers/flash-sales";
import { call, json } from "../helpers/http";

interface SlotItem {
  campaignId: string;
  productId: string;
  skuId: string;
  price: { amount: number; currency: string };
  regularPrice: { amount: number } | null;
  status: string;
  link: string;
}
interface HomeView {
  modules: { kind: string; items: SlotItem[] }[];
}

/** A campaign whose product is indexed (the slot shows only products on shelf in search). */
async function indexedCampaign(options: Parameters<typeof newCampaign>[0] = {}) {
  const campaign = await newCampaign(options);
  const sku = await env.DB.prepare("SELECT product_id FROM skus WHERE id = ?")
    .bind(campaign.skuId)
    .first<{ product_id: string }>();
  const productId = sku?.product_id as string;
  await rebuildSearchDocument(dbOf(env.DB), productId, Date.now());
  return { ...campaign, productId };
}

async function slot(path: string) {
  const res = await json<HomeView>(await call("GET", path));
  expect(res.status, JSON.stringify(res.body)).toBe(200);
  const module = res.body.modules.find((m) => m.kind === "flash_sale");
  return { items: module?.items ?? [], cache: res.res.headers.get("x-cache") };
}

async function publishHome(path: string, token: string, modules: object[]) {
  expect((await call("PUT", path, { token, body: { modules } })).status).toBe(200);
  expect((await call("POST", `${path}/publish`, { token })).status).toBe(200);
}

describe("the home page's flash-sale slot", () => {
  it("shows the campaigns open now or soon, soonest ending first, and follows new and ended ones at once", async () => {
    const running = await indexedCampaign({ endsInMs: 30 * 60_000 });
    const scheduled = await indexedCampaign({ startsInMs: 60 * 60_000, endsInMs: 2 * 60 * 60_000 });
    const operator = await operatorToken();
    await publishHome("/admin/v1/home", operator, [{ kind: "flash_sale", title: "限时秒杀" }]);

    const first = await slot("/v1/home");
    expect(first.items.map((i) => [i.campaignId, i.status])).toEqual([
      [running.campaignId, "RUNNING"],
      [scheduled.campaignId, "SCHEDULED"],
    ]);
    expect(first.items[0]).toMatchObject({
      productId: running.productId,
      skuId: running.skuId,
      price: { amount: 990, currency: "CNY" },
      regularPrice: { amount: 7900 },
      link: `/v1/flash-sales/${running.campaignId}`,
    });
    expect((await slot("/v1/home")).cache).toBe("HIT");

    // A campaign created after the page was cached shows on the next request.
    const later = await indexedCampaign({ endsInMs: 90 * 60_000 });
    const withNew = await slot("/v1/home");
    expect(withNew.cache).toBe("MISS");
    expect(withNew.items.map((i) => i.campaignId)).toEqual([
      running.campaignId,
      later.campaignId,
      scheduled.campaignId,
    ]);

    // Ended early: gone from the slot on the next request.
    const ended = await call("POST", `/admin/v1/flash-sales/${running.campaignId}/end`, {
      token: running.seller.token,
    });
    expect(ended.status).toBe(200);
    expect((await slot("/v1/home")).items.map((i) => i.campaignId)).toEqual([later.campaignId, scheduled.campaignId]);
  });

  it("on a shop's page, shows only that shop's campaigns: of those named, or every open one", async () => {
    const own = await indexedCampaign();
    const ownSoon = await indexedCampaign({ startsInMs: 60_000 });
    const other = await indexedCampaign();
    await publishHome(`/admin/v1/shops/${own.seller.shopId}/home`, own.seller.token, [
      { kind: "flash_sale", title: "本店秒杀", campaignIds: [other.campaignId, own.campaignId] },
    ]);
    const shopSlot = await slot(`/v1/shops/${own.seller.shopId}/home`);
    expect(shopSlot.items.map((i) => i.campaignId)).toEqual([own.campaignId]);

    await publishHome(`/admin/v1/shops/${ownSoon.seller.shopId}/home`, ownSoon.seller.token, [
      { kind: "flash_sale", title: "本店秒杀" },
    ]);
    expect((await slot(`/v1/shops/${ownSoon.seller.shopId}/home`)).items).toMatchObject([
      { campaignId: ownSoon.campaignId, status: "SCHEDULED" },
    ]);
  });
});
