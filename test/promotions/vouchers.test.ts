/** Creating vouchers and threshold discounts, claiming vouchers into wallets, and operators' coin grants. */
import { describe, expect, it } from "vitest";
import { newSeller, operatorToken } from "../helpers/catalog";
import { call, json } from "../helpers/http";
import { newShopper, placeOrder, quote, skuOnSale } from "../helpers/orders";
import { coinsOf, freshCode, grantCoins, newThreshold, newVoucher, voucherBody } from "../helpers/promotions";

const cny = (amount: number) => ({ amount, currency: "CNY" });

describe("creating vouchers", () => {
  it("lets operators create platform vouchers and refuses sellers (403)", async () => {
    const seller = await newSeller();
    const refused = await json(
      await call("POST", "/admin/v1/vouchers", { token: seller.token, body: voucherBody({ scope: "platform" }) }),
    );
    expect(refused.status, JSON.stringify(refused.body)).toBe(403);
    const created = await newVoucher();
    expect(created.voucherId).toMatch(/^vch_/);
    expect(created.codes).toHaveLength(1);
  });

  it("makes a seller's voucher its own shop's and hides other shops (404)", async () => {
    const seller = await newSeller();
    const other = await newSeller();
    const mine = await newVoucher({ claimable: true }, seller);
    const listed = await json<{ items: { voucherId: string; shopId: string }[] }>(
      await call("GET", `/v1/vouchers?shopId=${seller.shopId}`),
    );
    expect(listed.body.items.map((v) => v.voucherId)).toEqual([mine.voucherId]);
    expect(listed.body.items[0]?.shopId).toBe(seller.shopId);
    const foreign = await json(
      await call("POST", "/admin/v1/vouchers", {
        token: seller.token,
        body: voucherBody({ scope: "shop", shopId: other.shopId }),
      }),
    );
    expect(foreign.status, JSON.stringify(foreign.body)).toBe(404);
  });

  it("makes a batch of unique codes", async () => {
    const v = await newVoucher({ codes: { mode: "batch", count: 25 }, totalCount: 25 });
    expect(v.codes).toHaveLength(25);
    expect(new Set(v.codes).size).toBe(25);
  });

  it("refuses a code another voucher has (409 duplicate_voucher_code)", async () => {
    const code = freshCode();
    await newVoucher({ codes: { mode: "single", code } });
    const again = await json(
      await call("POST", "/admin/v1/vouchers", {
        token: await operatorToken(),
        body: voucherBody({ codes: { mode: "single", code } }),
      }),
    );
    expect(again.status, JSON.stringify(again.body)).toBe(409);
    expect(again.body).toMatchObject({ code: "duplicate_voucher_code" });
  });

  it.each([
    ["a percent value on a fixed voucher", { value: 10 }, "value"],
    ["money on a percent voucher", { kind: "percent", value: cny(100) }, "value"],
    ["a percent of 100", { kind: "percent", value: 100 }, "value"],
    ["a budget in another currency", { budget: { amount: 100, currency: "USD" } }, "budget"],
    ["an end before the start", { endsAt: "2020-01-01T00:00:00Z" }, "endsAt"],
    ["more batch codes than uses", { totalCount: 2, codes: { mode: "batch", count: 3 } }, "codes.count"],
  ])("refuses %s (400 naming the field)", async (_name, overrides, field) => {
    const res = await json<{ errors: { field: string }[] }>(
      await call("POST", "/admin/v1/vouchers", { token: await operatorToken(), body: voucherBody(overrides) }),
    );
    expect(res.status, JSON.stringify(res.body)).toBe(400);
    expect(res.body.errors.map((e) => e.field)).toContain(field);
  });
});

describe("threshold discounts", () => {
  it("are created for the seller's shop, and refuse a tier whose off is not below its spend", async () => {
    const seller = await newSeller();
    expect(
      await newThreshold(seller, [
        [200, 20],
        [300, 40],
      ]),
    ).toMatch(/^thd_/);
    const bad = await json(
      await call("POST", "/admin/v1/threshold-discounts", {
        token: seller.token,
        body: {
          name: "坏的",
          tiers: [{ spend: cny(100), off: cny(100) }],
          startsAt: "2026-01-01T00:00:00Z",
          endsAt: "2027-01-01T00:00:00Z",
        },
      }),
    );
    expect(bad.status, JSON.stringify(bad.body)).toBe(400);
  });
});

describe("claiming vouchers", () => {
  it("hands out exactly totalCount claims to 30 shoppers racing for 5 (the rest 409 used_up)", async () => {
    const v = await newVoucher({ claimable: true, totalCount: 5, codes: { mode: "batch", count: 5 } });
    const shoppers = [];
    for (let i = 0; i < 30; i++) shoppers.push(await newShopper());
    const answers = await Promise.all(
      shoppers.map(async (s) =>
        json<{ code: string }>(await call("POST", `/v1/vouchers/${v.voucherId}/claim`, { token: s.token })),
      ),
    );
    const won = answers.filter((a) => a.status === 201);
    expect(won).toHaveLength(5);
    expect(new Set(won.map((a) => a.body.code))).toEqual(new Set(v.codes));
    expect(answers.filter((a) => a.status === 409).map((a) => (a.body as { code?: string }).code)).toEqual(
      Array(25).fill("used_up"),
    );
    const listed = await json<{ items: { voucherId: string }[] }>(await call("GET", "/v1/vouchers"));
    expect(listed.body.items.map((i) => i.voucherId)).not.toContain(v.voucherId);
  });

  it("holds one shopper to perUserLimit under 10 parallel claims (409 per_user_limit) and fills the wallet", async () => {
    const v = await newVoucher({ claimable: true, perUserLimit: 2 });
    const shopper = await newShopper();
    const answers = await Promise.all(
      Array.from({ length: 10 }, async () =>
        json<{ code?: string }>(await call("POST", `/v1/vouchers/${v.voucherId}/claim`, { token: shopper.token })),
      ),
    );
    expect(answers.filter((a) => a.status === 201)).toHaveLength(2);
    expect(answers.filter((a) => a.status === 409).every((a) => a.body.code === "per_user_limit")).toBe(true);
    const wallet = await json<{ items: { voucherId: string; code: string }[] }>(
      await call("GET", "/v1/me/vouchers", { token: shopper.token }),
    );
    expect(wallet.body.items).toEqual([
      expect.objectContaining({ voucherId: v.voucherId, code: v.code }),
      expect.objectContaining({ voucherId: v.voucherId, code: v.code }),
    ]);
  });

  it("answers 404 for a code-only voucher", async () => {
    const v = await newVoucher({ claimable: false });
    const shopper = await newShopper();
    const res = await json(await call("POST", `/v1/vouchers/${v.voucherId}/claim`, { token: shopper.token }));
    expect(res.status, JSON.stringify(res.body)).toBe(404);
  });
});

describe("a claimable voucher's code at checkout", () => {
  const claim = async (token: string, voucherId: string) =>
    json<{ code?: string }>(await call("POST", `/v1/vouchers/${voucherId}/claim`, { token }));

  it("works without claiming it first, and the per-user limit still holds under 10 parallel orders", async () => {
    const { skuId } = await skuOnSale(undefined, { price: 100, stock: 100 });
    const v = await newVoucher({ claimable: true, perUserLimit: 2, totalCount: 50 });
    const shopper = await newShopper();
    const body = { items: [{ skuId, quantity: 1 }], addressId: shopper.addressId, voucherCode: v.code };
    const answers = await Promise.all(Array.from({ length: 10 }, () => placeOrder(shopper, body)));
    expect(answers.filter((a) => a.status === 201)).toHaveLength(2);
    for (const refused of answers.filter((a) => a.status !== 201)) {
      expect(["voucher_exhausted", "voucher_not_applicable"]).toContain(refused.body.code);
    }
    const again = await quote(shopper, [{ skuId, quantity: 1 }], { voucherCode: v.code });
    expect(again.body).toMatchObject({ code: "voucher_not_applicable", reason: "per_user_limit" });
    // Claiming afterwards adds nothing usable: the wallet counts the uses against the claims.
    expect((await claim(shopper.token, v.voucherId)).status).toBe(201);
    const wallet = await json<{ items: unknown[] }>(await call("GET", "/v1/me/vouchers", { token: shopper.token }));
    expect(wallet.body.items).toEqual([]);
    // Another shopper who never claimed it still may.
    const other = await newShopper();
    const theirs = await placeOrder(other, { ...body, addressId: other.addressId });
    expect(theirs.status, JSON.stringify(theirs.body)).toBe(201);
  });

  it("keeps a claimed batch code its claimant's, and never hands out a code already used unclaimed", async () => {
    const { skuId } = await skuOnSale(undefined, { price: 100, stock: 100 });
    const v = await newVoucher({ claimable: true, totalCount: 3, codes: { mode: "batch", count: 3 } });
    const [a, b, c, d] = await Promise.all([newShopper(), newShopper(), newShopper(), newShopper()]);
    if (!a || !b || !c || !d) throw new Error("shoppers");
    const order = (s: typeof a, code: string) =>
      placeOrder(s, { items: [{ skuId, quantity: 1 }], addressId: s.addressId, voucherCode: code });

    const claimed = (await claim(a.token, v.voucherId)).body.code ?? "";
    expect(v.codes).toContain(claimed);
    const stolen = await order(b, claimed);
    expect(stolen.status, JSON.stringify(stolen.body)).toBe(422);
    expect(stolen.body).toMatchObject({ code: "voucher_not_applicable", reason: "out_of_scope" });
    expect((await order(a, claimed)).status).toBe(201);

    // B uses an unclaimed code straight away; C's claim gets the last one, D's finds none.
    const unclaimed = v.codes.filter((x) => x !== claimed);
    expect((await order(b, unclaimed[0] ?? "")).status).toBe(201);
    const cs = await claim(c.token, v.voucherId);
    expect(cs.status, JSON.stringify(cs.body)).toBe(201);
    expect(cs.body.code).toBe(unclaimed[1]);
    const ds = await claim(d.token, v.voucherId);
    expect([ds.status, (ds.body as { code?: string }).code]).toEqual([409, "used_up"]);
  });
});

describe("coins granted by operators", () => {
  it("shows the balance in GET /v1/me and the history in /v1/me/coins, and never overdraws", async () => {
    const shopper = await newShopper();
    expect(await coinsOf(shopper.token)).toBe(0);
    expect(await grantCoins(shopper.id, 300)).toBe(300);
    const taken = await json(
      await call("POST", `/admin/v1/users/${shopper.id}/coins`, {
        token: await operatorToken(),
        body: { amount: -301, reason: "too much" },
      }),
    );
    expect(taken.status, JSON.stringify(taken.body)).toBe(409);
    expect(taken.body).toMatchObject({ code: "insufficient_coins" });
    expect(await grantCoins(shopper.id, -100)).toBe(200);
    const history = await json<{ balance: number; items: { amount: number; reason: string }[] }>(
      await call("GET", "/v1/me/coins", { token: shopper.token }),
    );
    expect(history.body.balance).toBe(200);
    expect(history.body.items.map((i) => i.amount)).toEqual([-100, 300]);
    expect(history.body.items[0]?.reason).toContain("test grant");
  });

  it("takes coins exactly once under 20 parallel takes of the whole balance", async () => {
    const shopper = await newShopper();
    await grantCoins(shopper.id, 50);
    const operator = await operatorToken();
    const answers = await Promise.all(
      Array.from({ length: 20 }, async () =>
        json(
          await call("POST", `/admin/v1/users/${shopper.id}/coins`, {
            token: operator,
            body: { amount: -50, reason: "race" },
          }),
        ),
      ),
    );
    expect(answers.filter((a) => a.status === 201)).toHaveLength(1);
    expect(await coinsOf(shopper.token)).toBe(0);
  });

  it("answers 404 for an unknown user", async () => {
    const res = await json(
      await call("POST", "/admin/v1/users/usr_00000000000000000000000ZZZ/coins", {
        token: await operatorToken(),
        body: { amount: 5, reason: "nobody" },
      }),
    );
    expect(res.status, JSON.stringify(res.body)).toBe(404);
  });
});
