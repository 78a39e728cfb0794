/** Flash-sale helpers: a campaign on a fresh SKU, the entry proof, entering, ordering with a purchase token. */
import { expect } from "vitest";
import type { QuotaCounts, QuotaPlan } from "../../shared/flash-sales/quota";
import type { Seller } from "./catalog";
import { call, json } from "./http";
import { type Shopper, skuOnSale } from "./orders";

export interface Campaign {
  campaignId: string;
  skuId: string;
  seller: Seller;
}

/** A campaign on a fresh SKU with `stock` units; by default running now for an hour at 9.90 CNY. */
export async function newCampaign(
  options: {
    stock?: number;
    quota?: number;
    perUserLimit?: number;
    buckets?: number;
    startsInMs?: number;
    endsInMs?: number;
    price?: number;
  } = {},
): Promise<Campaign & { status: string }> {
  const { seller, skuId } = await skuOnSale(undefined, { stock: options.stock ?? 20, price: 79 });
  const now = Date.now();
  const res = await json<{ campaignId: string; status: string }>(
    await call("POST", "/admin/v1/flash-sales", {
      token: seller.token,
      body: {
        skuId,
        price: { amount: options.price ?? 990, currency: "CNY" },
        quota: options.quota ?? 10,
        startsAt: new Date(now + (options.startsInMs ?? -1_000)).toISOString(),
        endsAt: new Date(now + (options.endsInMs ?? 3_600_000)).toISOString(),
        perUserLimit: options.perUserLimit ?? 1,
        ...(options.buckets ? { buckets: options.buckets } : {}),
      },
    }),
  );
  if (res.status !== 201) throw new Error(`campaign: ${res.status} ${JSON.stringify(res.body)}`);
  return { ...res.body, skuId, seller };
}

export interface CampaignPage {
  remaining: number;
  endsAt: string;
  status: string;
  entryProof?: string;
  entryProofExpiresAt?: string;
}

export async function campaignPage(campaignId: string, token?: string) {
  return json<CampaignPage>(await call("GET", `/v1/flash-sales/${campaignId}`, token ? { token } : {}));
}

export async function proofOf(campaignId: string, shopper: { token: string }): Promise<string> {
  const page = await campaignPage(campaignId, shopper.token);
  if (page.status !== 200 || !page.body.entryProof)
    throw new Error(`page: ${page.status} ${JSON.stringify(page.body)}`);
  return page.body.entryProof;
}

export interface EntryAnswer {
  status: string;
  purchaseToken?: string;
  quantity?: number;
  expiresAt?: string;
  position?: number;
  retryAfterMs?: number;
  code?: string;
}

export async function enter(campaignId: string, shopper: { token: string }, body: object, ip?: string) {
  return json<EntryAnswer>(
    await call("POST", `/v1/flash-sales/${campaignId}/enter`, {
      token: shopper.token,
      body,
      ...(ip ? { headers: { "cf-connecting-ip": ip } } : {}),
    }),
  );
}

/** Fetches a proof and enters, retrying while queued; the last answer. */
export async function admit(campaignId: string, shopper: { token: string }, quantity = 1) {
  const entryProof = await proofOf(campaignId, shopper);
  for (let attempt = 0; ; attempt++) {
    const res = await enter(campaignId, shopper, { quantity, entryProof });
    if (res.status !== 202 || attempt >= 20) return res;
    await new Promise((r) => setTimeout(r, Math.min(res.body.retryAfterMs ?? 100, 200)));
  }
}

export async function campaignOf(campaignId: string, token: string) {
  return json<{
    status: string;
    admitted: number;
    sold: number;
    remaining: number;
    unsold: number | null;
    settledAt: string | null;
  }>(await call("GET", `/admin/v1/flash-sales/${campaignId}`, { token }));
}

export async function orderFlash(shopper: Shopper, purchaseToken: string, headers: Record<string, string> = {}) {
  return json<{
    payOrderId: string;
    orders: { orderId: string; total: { amount: number } }[];
    payable: { amount: number };
    code?: string;
  }>(
    await call("POST", "/v1/orders", {
      token: shopper.token,
      body: { purchaseToken, addressId: shopper.addressId },
      headers,
    }),
  );
}

/**
 * Everyone enters at once; the queued enter again after retryAfterMs, as a client would, until
 * `enough` are admitted or nobody is queued (at most 20 rounds). Every answer is kept for checks.
 */
export async function stampede(campaignId: string, shoppers: readonly { token: string }[], enough: number) {
  const proofs = await Promise.all(shoppers.map((s) => proofOf(campaignId, s)));
  const tokens = new Map<number, string>();
  const answers: Awaited<ReturnType<typeof enter>>[] = [];
  let waiting = shoppers.map((_, i) => i);
  for (let round = 0; round < 20 && waiting.length > 0 && tokens.size < enough; round++) {
    const entries = await Promise.all(
      waiting.map((i) => enter(campaignId, shoppers[i] as { token: string }, { quantity: 1, entryProof: proofs[i] })),
    );
    answers.push(...entries);
    entries.forEach((e, j) => {
      if (e.body.purchaseToken) tokens.set(waiting[j] as number, e.body.purchaseToken);
    });
    waiting = waiting.filter((_, j) => entries[j]?.status === 202);
    const wait = Math.max(...entries.map((e) => e.body.retryAfterMs ?? 0));
    await new Promise((r) => setTimeout(r, Math.min(wait, 300)));
  }
  return { tokens, answers };
}

/**
 * A quota plan for driving the coordinator and buckets directly: a fresh campaign id under
 * `prefix` (storage is shared by a file's tests), running from a second ago for an hour.
 */
export function quotaPlan(prefix: string, over: Partial<QuotaPlan> = {}): QuotaPlan {
  const now = Date.now();
  return {
    campaignId: `${prefix}_${crypto.randomUUID().slice(0, 13)}`,
    quota: 10,
    buckets: 1,
    perUserLimit: 1,
    startsAt: now - 1_000,
    endsAt: now + 3_600_000,
    ...over,
  };
}

/** The quota's invariant, from the objects' own counts: every unit in exactly one place. */
export function expectBalanced(c: QuotaCounts): void {
  const stock = c.bucketStock.reduce((a, b) => a + b, 0);
  expect(c.unallocated + c.inFlight + stock + c.admitted + c.sold, JSON.stringify(c)).toBe(c.quota);
  expect(c.remaining, JSON.stringify(c)).toBe(c.quota - c.sold - c.admitted);
}
