/** Promotion helpers: vouchers and threshold discounts created through the admin API, coins granted. */
import { operatorToken, type Seller } from "./catalog";
import { call, json } from "./http";

const DAY = 24 * 3600 * 1000;
const cny = (amount: number) => ({ amount, currency: "CNY" });

let serial = 0;

/** A code no other test uses. */
export function freshCode(prefix = "T"): string {
  serial += 1;
  return `${prefix}${Date.now().toString(36).toUpperCase()}${serial}${Math.floor(Math.random() * 1e6)}`.slice(0, 32);
}

/** A voucher body running from yesterday to tomorrow: 10 yuan off, no minimum, 100 uses, once per shopper. */
export function voucherBody(overrides: Record<string, unknown> = {}) {
  const now = Date.now();
  return {
    name: "测试券",
    scope: "platform",
    kind: "fixed",
    value: cny(1000),
    minSpend: cny(0),
    startsAt: new Date(now - DAY).toISOString(),
    endsAt: new Date(now + DAY).toISOString(),
    totalCount: 100,
    perUserLimit: 1,
    claimable: false,
    codes: { mode: "single", code: freshCode() },
    ...overrides,
  };
}

/** Creates a voucher: a platform one as an operator, a shop one as `seller`. */
export async function newVoucher(overrides: Record<string, unknown> = {}, seller?: Seller) {
  const body = voucherBody({ ...(seller ? { scope: "shop" } : {}), ...overrides });
  const token = seller ? seller.token : await operatorToken();
  const res = await json<{ voucherId: string; codes: string[] }>(
    await call("POST", "/admin/v1/vouchers", { token, body }),
  );
  if (res.status !== 201) throw new Error(`voucher: ${res.status} ${JSON.stringify(res.body)}`);
  return { ...res.body, code: res.body.codes[0] as string };
}

/** A threshold discount (满减) of `seller`'s shop with tiers in yuan: [[spend, off], ...]. */
export async function newThreshold(seller: Seller, tiers: [number, number][]) {
  const now = Date.now();
  const res = await json<{ thresholdDiscountId: string }>(
    await call("POST", "/admin/v1/threshold-discounts", {
      token: seller.token,
      body: {
        name: "满减",
        tiers: tiers.map(([spend, off]) => ({ spend: cny(spend * 100), off: cny(off * 100) })),
        startsAt: new Date(now - DAY).toISOString(),
        endsAt: new Date(now + DAY).toISOString(),
      },
    }),
  );
  if (res.status !== 201) throw new Error(`threshold: ${res.status} ${JSON.stringify(res.body)}`);
  return res.body.thresholdDiscountId;
}

/** An operator grants `userId` coins. */
export async function grantCoins(userId: string, amount: number) {
  const res = await json<{ balance: number }>(
    await call("POST", `/admin/v1/users/${userId}/coins`, {
      token: await operatorToken(),
      body: { amount, reason: "test grant" },
    }),
  );
  if (res.status !== 201) throw new Error(`coins: ${res.status} ${JSON.stringify(res.body)}`);
  return res.body.balance;
}

/** The shopper's coin balance as GET /v1/me shows it. */
export async function coinsOf(token: string): Promise<number> {
  const res = await json<{ coins: { balance: number } }>(await call("GET", "/v1/me", { token }));
  return res.body.coins.balance;
}
