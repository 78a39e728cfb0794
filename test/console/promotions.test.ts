/**
 * The console's promotion forms as a signed-in seller and operator: a fixed voucher with one code
 * and a window typed in the viewer's zone, a percent voucher with a cap and a batch of codes shown
 * once, the form's own field errors and the API's refusals (a taken code) with what was typed kept,
 * a form sent twice creating once; threshold tiers; a seller kept to its shop; operators' platform
 * vouchers and coin grants.
 */
import { env } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { newSeller } from "../helpers/catalog";
import { consoleBrowser } from "../helpers/console";
import { createUser } from "../helpers/factories";
import { newVoucher } from "../helpers/promotions";

const OPERATOR = { username: "admin", password: "admin-dev-password" };
/** Asia/Shanghai: getTimezoneOffset() is -480 there (UTC is 8 hours behind). */
const SHANGHAI = "-480";

async function signedIn(user: { username: string; password: string }) {
  const browser = consoleBrowser();
  const res = await browser.signIn(user.username, user.password);
  expect(res.status, await res.clone().text()).toBe(303);
  return browser;
}

function code(prefix: string): string {
  return `${prefix}${crypto.randomUUID().replaceAll("-", "").slice(0, 10)}`.toUpperCase();
}

const FIXED = {
  name: "满 100 减 10 店铺券",
  currency: "CNY",
  kind: "fixed",
  value: "10.00",
  minSpend: "100",
  startsAt: "2026-12-01T00:00",
  endsAt: "2027-01-01T00:00",
  tzOffset: SHANGHAI,
  totalCount: "1000",
  perUserLimit: "1",
  budget: "5000.00",
  claimable: "on",
  codeMode: "single",
};

type VoucherRow = {
  id: string;
  scope: string;
  shop_id: string | null;
  kind: string;
  value: number;
  max_discount: number | null;
  min_spend: number;
  budget: number | null;
  claimable: number;
  starts_at: number;
  ends_at: number;
  sku_ids: string | null;
  category_id: number | null;
};

async function voucherOfCode(voucherCode: string): Promise<VoucherRow | null> {
  return env.DB.prepare("select v.* from vouchers v join voucher_codes c on c.voucher_id = v.id where c.code = ?")
    .bind(voucherCode)
    .first<VoucherRow>();
}

describe("console vouchers", () => {
  it("creates a shop's fixed voucher with one code, its window read in the viewer's zone", async () => {
    const seller = await newSeller();
    const browser = await signedIn(seller);
    expect(await (await browser.get("/console/vouchers")).text()).toContain("Create voucher");
    const shared = code("SHOP");
    // A seller's form cannot make a platform voucher: the scope it sends is ignored.
    const res = await browser.post("/console/vouchers", {
      ...FIXED,
      scope: "platform",
      code: shared.toLowerCase(),
      skuIds: "sku_A, sku_B\nsku_C",
      idempotencyKey: crypto.randomUUID(),
    });
    const html = await res.text();
    expect(res.status, html).toBe(201);
    expect(html).toContain("Voucher created");
    expect(html).toContain(`<code data-testid="voucher-code">${shared}</code>`);
    const row = await voucherOfCode(shared);
    expect(row).toMatchObject({
      scope: "shop",
      shop_id: seller.shopId,
      kind: "fixed",
      value: 1_000,
      min_spend: 10_000,
      budget: 500_000,
      claimable: 1,
      max_discount: null,
      sku_ids: JSON.stringify(["sku_A", "sku_B", "sku_C"]),
      starts_at: Date.parse("2026-11-30T16:00:00Z"),
      ends_at: Date.parse("2026-12-31T16:00:00Z"),
    });
  });

  it("creates a percent voucher with a cap and a batch of codes, shown once", async () => {
    const browser = await signedIn(await newSeller());
    const res = await browser.post("/console/vouchers", {
      ...FIXED,
      kind: "percent",
      value: "",
      percent: "15",
      maxDiscount: "30.00",
      categoryId: "1003001",
      claimable: "",
      codeMode: "batch",
      codeCount: "5",
      totalCount: "5",
      idempotencyKey: crypto.randomUUID(),
    });
    const html = await res.text();
    expect(res.status, html).toBe(201);
    expect(html).toContain("with 5 single-use codes");
    const codes = /data-testid="voucher-codes">([^<]*)</.exec(html)?.[1]?.split("\n") ?? [];
    expect(codes).toHaveLength(5);
    const row = await voucherOfCode(codes[0] ?? "");
    expect(row).toMatchObject({ kind: "percent", value: 15, max_discount: 3_000, category_id: 1003001, claimable: 0 });
    for (const c of codes) expect((await voucherOfCode(c))?.id).toBe(row?.id);
  });

  it("shows the form's field errors and the API's refusals, keeping what was typed", async () => {
    const browser = await signedIn(await newSeller());
    const percent = await browser.post("/console/vouchers", {
      ...FIXED,
      kind: "percent",
      percent: "a lot",
      code: "X1234",
    });
    expect(percent.status).toBe(400);
    const form = await percent.text();
    expect(form).toContain("<code>percent</code>");
    expect(form).toContain('value="a lot"');
    expect(form).toContain("满 100 减 10 店铺券");

    const window = await browser.post("/console/vouchers", { ...FIXED, endsAt: "2026-11-01T00:00", code: "X1235" });
    expect(window.status).toBe(400);
    expect(await window.text()).toContain("<code>endsAt</code>");

    const taken = code("TAKEN");
    const first = await browser.post("/console/vouchers", { ...FIXED, code: taken });
    expect(first.status).toBe(201);
    const again = await browser.post("/console/vouchers", { ...FIXED, name: "Second", code: taken });
    expect(again.status).toBe(409);
    const refused = await again.text();
    expect(refused).toContain("duplicate_voucher_code");
    expect(refused).toContain('value="Second"');
  });

  it("creates once for a form sent twice, and once among racing different forms with one code", async () => {
    const browser = await signedIn(await newSeller());
    const once = code("ONCE");
    const key = crypto.randomUUID();
    const answers = await Promise.all(
      [0, 1].map(() => browser.post("/console/vouchers", { ...FIXED, code: once, idempotencyKey: key })),
    );
    // A copy racing the first is refused while it runs (409, the idempotency key in progress) or
    // answered with its result; a copy sent after it gets the same 201. Either way one voucher.
    const statuses = answers.map((a) => a.status).sort();
    expect([
      [201, 201],
      [201, 409],
    ]).toContainEqual(statuses);
    const again = await browser.post("/console/vouchers", { ...FIXED, code: once, idempotencyKey: key });
    expect(again.status).toBe(201);
    const count = await env.DB.prepare("select count(*) as n from voucher_codes where code = ?")
      .bind(once)
      .first<{ n: number }>();
    expect(count?.n).toBe(1);

    const raced = code("RACE");
    const racedStatuses = (
      await Promise.all(
        [0, 1, 2].map((i) =>
          browser.post("/console/vouchers", {
            ...FIXED,
            name: `race ${i}`,
            code: raced,
            idempotencyKey: crypto.randomUUID(),
          }),
        ),
      )
    )
      .map((a) => a.status)
      .sort();
    expect(racedStatuses).toEqual([201, 409, 409]);
  });

  it("lets operators create a platform voucher, and a shop's for the shop they name", async () => {
    const operator = await signedIn(OPERATOR);
    const platform = code("PLAT");
    const res = await operator.post("/console/vouchers", { ...FIXED, scope: "platform", code: platform });
    expect(res.status, await res.clone().text()).toBe(201);
    expect(await voucherOfCode(platform)).toMatchObject({ scope: "platform", shop_id: null });

    const seller = await newSeller();
    const forShop = code("FORSHOP");
    const shop = await operator.post("/console/vouchers", {
      ...FIXED,
      scope: "shop",
      shopId: seller.shopId ?? "",
      code: forShop,
    });
    expect(shop.status, await shop.clone().text()).toBe(201);
    expect(await voucherOfCode(forShop)).toMatchObject({ scope: "shop", shop_id: seller.shopId });
  });
});

describe("console threshold discounts", () => {
  it("creates tiers read from 'spend | off' lines, and names a bad line's field", async () => {
    const seller = await newSeller();
    const browser = await signedIn(seller);
    const name = `满减 ${crypto.randomUUID()}`;
    const window = { startsAt: "2026-12-01T00:00", endsAt: "2026-12-12T00:00", tzOffset: SHANGHAI, currency: "CNY" };
    const bad = await browser.post("/console/threshold-discounts", { ...window, name, tiers: "200 | 20\n300 | lots" });
    expect(bad.status).toBe(400);
    expect(await bad.text()).toContain("<code>tiers.1.off</code>");

    const res = await browser.post("/console/threshold-discounts", {
      ...window,
      name,
      tiers: "200.00 | 20.00\n300 | 40",
      idempotencyKey: crypto.randomUUID(),
    });
    const html = await res.text();
    expect(res.status, html).toBe(201);
    expect(html).toMatch(/Threshold discount thd_[0-9A-Z]+ created\./);
    const row = await env.DB.prepare("select * from threshold_discounts where name = ?")
      .bind(name)
      .first<{ shop_id: string; tiers: string; starts_at: number }>();
    expect(row?.shop_id).toBe(seller.shopId);
    expect(JSON.parse(row?.tiers ?? "[]")).toEqual([
      { spend: 20_000, off: 2_000 },
      { spend: 30_000, off: 4_000 },
    ]);
    expect(row?.starts_at).toBe(Date.parse("2026-11-30T16:00:00Z"));
  });
});

describe("console vouchers list", () => {
  it("lists a seller's vouchers with status and uses, and ends one; another seller sees and ends none", async () => {
    const seller = await newSeller();
    const running = await newVoucher({ name: "列表券", totalCount: 30 }, seller);
    const later = await newVoucher({ startsAt: new Date(Date.now() + 3_600_000).toISOString() }, seller);
    const platform = await newVoucher();
    const browser = await signedIn(seller);
    const listed = await (await browser.get("/console/vouchers")).text();
    expect(listed).toContain(`data-testid="voucher-${running.voucherId}"`);
    expect(listed).toContain(`<code>${running.code}</code>`);
    expect(listed).toContain("0 / 30");
    expect(listed).toContain("ACTIVE");
    expect(listed).toContain("SCHEDULED");
    expect(listed).toContain(`/console/vouchers/${later.voucherId}/end`);
    expect(listed).not.toContain(platform.voucherId);

    const other = await signedIn(await newSeller());
    expect(await (await other.get("/console/vouchers")).text()).not.toContain(running.voucherId);
    const refused = await other.post(`/console/vouchers/${running.voucherId}/end`, {
      idempotencyKey: crypto.randomUUID(),
    });
    expect(refused.status).toBe(404);
    expect(await refused.text()).toContain(`No voucher ${running.voucherId}`);

    const ended = await browser.post(`/console/vouchers/${running.voucherId}/end`, {
      idempotencyKey: crypto.randomUUID(),
    });
    expect(ended.status, await ended.clone().text()).toBe(303);
    const after = await (await browser.get(ended.headers.get("location") ?? "")).text();
    expect(after).toContain(`Voucher ${running.voucherId} ended.`);
    expect(after).not.toContain(`/console/vouchers/${running.voucherId}/end`);
    expect(after).toContain(`/console/vouchers/${later.voucherId}/end`);
  });

  it("shows operators platform and shop vouchers, filtered by scope", async () => {
    const seller = await newSeller();
    const shops = await newVoucher({}, seller);
    const platform = await newVoucher();
    const operator = await signedIn(OPERATOR);
    const all = await (await operator.get("/console/vouchers")).text();
    expect(all).toContain(platform.voucherId);
    expect(all).toContain(shops.voucherId);
    const only = await (await operator.get("/console/vouchers?scope=platform")).text();
    expect(only).toContain(platform.voucherId);
    expect(only).not.toContain(shops.voucherId);
  });
});

describe("console coins", () => {
  it("grants a shopper coins as an operator; a seller gets the API's refusal", async () => {
    const shopper = await createUser("shopper");
    const operator = await signedIn(OPERATOR);
    const granted = await operator.post("/console/coins", {
      userId: shopper.id,
      amount: "500",
      reason: "compensation for a late delivery",
      idempotencyKey: crypto.randomUUID(),
    });
    const html = await granted.text();
    expect(granted.status, html).toBe(201);
    expect(html).toContain(`Granted 500 coins; ${shopper.id} now has 500.`);
    const taken = await operator.post("/console/coins", { userId: shopper.id, amount: "-600", reason: "too many" });
    expect(taken.status).toBe(409);
    expect(await taken.text()).toContain("insufficient_coins");

    const seller = await signedIn(await newSeller());
    const refused = await seller.post("/console/coins", { userId: shopper.id, amount: "5", reason: "x" });
    expect(refused.status).toBe(403);
  });
});
