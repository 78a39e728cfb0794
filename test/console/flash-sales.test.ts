/**
 * The console's flash-sale page as a signed-in seller: scheduling a campaign from the form with a
 * window typed in the viewer's zone, its live counts in the list, the form's own field errors and
 * the API's refusals with what was typed kept, ending one early; another shop's seller sees none of
 * it and cannot end it.
 */
import { describe, expect, it } from "vitest";
import { newSeller } from "../helpers/catalog";
import { consoleBrowser } from "../helpers/console";
import { newCampaign } from "../helpers/flash-sales";
import { call, json } from "../helpers/http";
import { skuOnSale } from "../helpers/orders";

/** Asia/Shanghai: getTimezoneOffset() is -480 there (UTC is 8 hours behind). */
const SHANGHAI = "-480";

async function signedIn(user: { username: string; password: string }) {
  const browser = consoleBrowser();
  const res = await browser.signIn(user.username, user.password);
  expect(res.status, await res.clone().text()).toBe(303);
  return browser;
}

/** `ms` from now as a Shanghai wall-clock `datetime-local` value. */
function shanghaiLocal(ms: number): string {
  return new Date(Date.now() + ms + 8 * 3_600_000).toISOString().slice(0, 16);
}

describe("console flash sales", () => {
  it("schedules a campaign from the form in the viewer's zone and lists it with its counts", async () => {
    const { seller, skuId } = await skuOnSale(undefined, { stock: 20 });
    const browser = await signedIn(seller);
    const empty = await browser.get("/console/flash-sales");
    expect(empty.status).toBe(200);
    expect(await empty.text()).toContain("No flash sales yet.");
    const startsAt = shanghaiLocal(3_600_000);
    const endsAt = shanghaiLocal(2 * 3_600_000);
    const res = await browser.post("/console/flash-sales", {
      skuId,
      currency: "CNY",
      price: "9.90",
      quota: "5",
      startsAt,
      endsAt,
      tzOffset: SHANGHAI,
      perUserLimit: "2",
      buckets: "",
      idempotencyKey: crypto.randomUUID(),
    });
    expect(res.status, await res.clone().text()).toBe(303);
    const location = res.headers.get("location") ?? "";
    const campaignId = /campaign=(fls_[A-Z0-9]+)/.exec(location)?.[1] ?? "";
    expect(campaignId).not.toBe("");
    const page = await (await browser.get(location)).text();
    expect(page).toContain(`Flash sale ${campaignId} scheduled.`);
    expect(page).toContain(`data-testid="flash-sale-${campaignId}"`);
    expect(page).toContain("SCHEDULED");
    expect(page).toContain("CN¥9.90");

    // The API has what the form meant: the Shanghai wall-clock window in UTC, 9.90 as 990 fen.
    const api = await json<{
      price: unknown;
      quota: number;
      perUserLimit: number;
      startsAt: string;
      remaining: number;
    }>(await call("GET", `/admin/v1/flash-sales/${campaignId}`, { token: seller.token }));
    expect(api.body).toMatchObject({
      price: { amount: 990, currency: "CNY" },
      quota: 5,
      perUserLimit: 2,
      remaining: 5,
    });
    expect(api.body.startsAt).toBe(new Date(`${startsAt}:00+08:00`).toISOString());
  });

  it("shows the form's field errors and the API's refusals, keeping what was typed", async () => {
    const { seller, skuId } = await skuOnSale(undefined, { stock: 2 });
    const browser = await signedIn(seller);
    const base = {
      skuId,
      currency: "CNY",
      price: "9.90",
      quota: "5",
      startsAt: shanghaiLocal(-60_000),
      endsAt: shanghaiLocal(3_600_000),
      tzOffset: SHANGHAI,
      perUserLimit: "1",
    };
    const badPrice = await browser.post("/console/flash-sales", { ...base, price: "nine" });
    expect(badPrice.status).toBe(400);
    const badText = await badPrice.text();
    expect(badText).toContain("<code>price</code>");
    expect(badText).toContain(`value="${skuId}"`);
    // Two units in stock, a quota of five: the API's 409 as it words it.
    const short = await browser.post("/console/flash-sales", { ...base, idempotencyKey: crypto.randomUUID() });
    expect(short.status).toBe(409);
    const shortText = await short.text();
    expect(shortText).toContain("insufficient_stock");
    expect(shortText).toContain('value="5"');
  });

  it("ends a running campaign early: ENDED, nothing remaining, the quota back in stock", async () => {
    const campaign = await newCampaign({ quota: 4 });
    const browser = await signedIn(campaign.seller);
    const listed = await (await browser.get("/console/flash-sales")).text();
    expect(listed).toContain(`/console/flash-sales/${campaign.campaignId}/end`);
    expect(listed).toContain("RUNNING");
    const res = await browser.post(`/console/flash-sales/${campaign.campaignId}/end`, {
      idempotencyKey: crypto.randomUUID(),
    });
    expect(res.status, await res.clone().text()).toBe(303);
    const page = await (await browser.get(res.headers.get("location") ?? "")).text();
    expect(page).toContain(`Flash sale ${campaign.campaignId} ended`);
    expect(page).not.toContain(`/console/flash-sales/${campaign.campaignId}/end`);
    const api = await json<{ status: string; remaining: number; unsold: number | null }>(
      await call("GET", `/admin/v1/flash-sales/${campaign.campaignId}`, { token: campaign.seller.token }),
    );
    expect(api.body).toMatchObject({ status: "ENDED", remaining: 0, unsold: 4 });
  });

  it("keeps a seller to its own shop's campaigns", async () => {
    const campaign = await newCampaign({ quota: 2 });
    const other = await signedIn(await newSeller());
    const listed = await (await other.get("/console/flash-sales")).text();
    expect(listed).not.toContain(campaign.campaignId);
    const refused = await other.post(`/console/flash-sales/${campaign.campaignId}/end`, {
      idempotencyKey: crypto.randomUUID(),
    });
    expect(refused.status).toBe(404);
    expect(await refused.text()).toContain(`No flash sale ${campaign.campaignId}`);
  });
});
