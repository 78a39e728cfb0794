/**
 * Vouchers after they are created: GET /admin/v1/vouchers (a seller its shop's only, never the
 * platform's; operators all, one shop's or one scope) with status and uses, and POST
 * /admin/v1/vouchers/:id/end (the checkout refuses the code from then on as expired; ending again
 * answers the same; another shop's seller and a seller ending a platform voucher get 404).
 */
import { describe, expect, it } from "vitest";
import type { VoucherView } from "../../shared/promotions/voucher-admin";
import { newSeller, operatorToken } from "../helpers/catalog";
import { call, json } from "../helpers/http";
import { newShopper, quote, skuOnSale } from "../helpers/orders";
import { newVoucher } from "../helpers/promotions";

type Page = { items: VoucherView[]; nextCursor: string | null };

function list(token: string, query = "") {
  return call("GET", `/admin/v1/vouchers${query}`, { token }).then(json<Page>);
}

function end(token: string, voucherId: string) {
  return call("POST", `/admin/v1/vouchers/${voucherId}/end`, {
    token,
    headers: { "idempotency-key": crypto.randomUUID() },
  }).then(json<VoucherView & { code?: string }>);
}

describe("listing vouchers", () => {
  it("shows a seller its shop's vouchers with status and uses, never another shop's or the platform's", async () => {
    const seller = await newSeller();
    const running = await newVoucher({ totalCount: 50 }, seller);
    const later = await newVoucher({ startsAt: new Date(Date.now() + 3_600_000).toISOString() }, seller);
    const batch = await newVoucher({ codes: { mode: "batch", count: 3 } }, seller);
    const others = await newVoucher({}, await newSeller());
    const platform = await newVoucher();

    const page = await list(seller.token);
    expect(page.status, JSON.stringify(page.body)).toBe(200);
    expect(page.body.items.map((v) => v.voucherId)).toEqual([batch.voucherId, later.voucherId, running.voucherId]);
    const [b, l, r] = page.body.items;
    expect(r).toMatchObject({
      scope: "shop",
      shopId: seller.shopId,
      status: "ACTIVE",
      kind: "fixed",
      value: { amount: 1000, currency: "CNY" },
      totalCount: 50,
      uses: 0,
      claimed: 0,
      budgetUsed: { amount: 0, currency: "CNY" },
      codeMode: "single",
      code: running.code,
    });
    expect(l?.status).toBe("SCHEDULED");
    expect(b).toMatchObject({ codeMode: "batch", code: null });

    const ids = (p: Page) => p.items.map((v) => v.voucherId);
    expect(ids((await list(seller.token, "?scope=platform")).body)).not.toContain(platform.voucherId);
    expect((await list(seller.token, `?shopId=${others.voucherId}`)).status).toBe(404);

    const operator = await operatorToken();
    const all = await list(operator, "?limit=100");
    expect(ids(all.body)).toEqual(expect.arrayContaining([platform.voucherId, others.voucherId, running.voucherId]));
    const shops = await list(operator, `?shopId=${seller.shopId}`);
    expect(ids(shops.body)).toEqual([batch.voucherId, later.voucherId, running.voucherId]);
    const platformOnly = await list(operator, "?scope=platform&limit=100");
    expect(platformOnly.body.items.every((v) => v.scope === "platform")).toBe(true);
    expect(ids(platformOnly.body)).toContain(platform.voucherId);
  });

  it("pages newest first with a cursor", async () => {
    const seller = await newSeller();
    const made = [];
    for (let i = 0; i < 3; i++) made.push((await newVoucher({}, seller)).voucherId);
    const first = await list(seller.token, "?limit=2");
    expect(first.body.items.map((v) => v.voucherId)).toEqual([made[2], made[1]]);
    const second = await list(seller.token, `?limit=2&cursor=${encodeURIComponent(first.body.nextCursor ?? "")}`);
    expect(second.body).toEqual({ items: [expect.objectContaining({ voucherId: made[0] })], nextCursor: null });
  });
});

describe("ending a voucher", () => {
  it("closes its window so the checkout refuses its code, answers a repeat the same, and keeps others out", async () => {
    const { seller, skuId } = await skuOnSale(undefined, { stock: 5, price: 79 });
    const voucher = await newVoucher({}, seller);
    const shopper = await newShopper();
    const before = await quote(shopper, [{ skuId, quantity: 1 }], { voucherCode: voucher.code });
    expect(before.status, JSON.stringify(before.body)).toBe(200);

    const other = await newSeller();
    expect((await end(other.token, voucher.voucherId)).status).toBe(404);
    expect((await end(other.token, (await newVoucher()).voucherId)).status).toBe(404);

    const ended = await end(seller.token, voucher.voucherId);
    expect(ended.status, JSON.stringify(ended.body)).toBe(200);
    expect(ended.body).toMatchObject({ voucherId: voucher.voucherId, status: "ENDED" });
    expect(Date.parse(ended.body.endsAt)).toBeLessThanOrEqual(Date.now());
    const after = await quote(shopper, [{ skuId, quantity: 1 }], { voucherCode: voucher.code });
    expect(after.status, JSON.stringify(after.body)).toBe(422);
    expect(after.body).toMatchObject({ code: "voucher_not_applicable", reason: "expired" });

    const again = await end(await operatorToken(), voucher.voucherId);
    expect(again.status).toBe(200);
    expect(again.body.endsAt).toBe(ended.body.endsAt);
  });

  it("gives a voucher not yet started an empty window at now", async () => {
    const seller = await newSeller();
    const later = await newVoucher({ startsAt: new Date(Date.now() + 3_600_000).toISOString() }, seller);
    const ended = await end(seller.token, later.voucherId);
    expect(ended.status, JSON.stringify(ended.body)).toBe(200);
    expect(ended.body.status).toBe("ENDED");
    expect(ended.body.startsAt).toBe(ended.body.endsAt);
  });
});
