/**
 * A flash sale's quota, as the rest of the platform sees it: the one module that reaches the
 * campaign's coordinator and bucket objects (durable-objects/flash-sale-*.ts). The contract with
 * the campaign, route and order code is /tmp/briefs/flash-contract.md; the design and its
 * invariant are in docs/flash-sales.md.
 *
 * A shopper always lands in the same bucket (a stable hash of the user id), which is where the
 * per-user limit is kept. An object that is overloaded or restarting answers `queued` (the shopper
 * retries after retryAfterMs), never an error: a stampede must not turn into 5xx.
 */
import type { FlashSaleBucket } from "../../durable-objects/flash-sale-bucket";
import type { FlashSaleCoordinator } from "../../durable-objects/flash-sale-coordinator";
import type { CallStats } from "../../durable-objects/flash-sale-protocol";

export interface QuotaPlan {
  campaignId: string;
  quota: number;
  buckets: number;
  perUserLimit: number;
  /** Epoch ms. */
  startsAt: number;
  /** Epoch ms. */
  endsAt: number;
  /** How long an admission waits for its order before the unit goes back (default 5 minutes). */
  admissionTtlMs?: number;
}

export type AdmitOutcome =
  | { status: "admitted"; admissionId: string; bucket: number; quantity: number; expiresAt: number }
  | { status: "queued"; position: number; retryAfterMs: number }
  | { status: "sold_out" }
  | { status: "limit_reached" };

/** `sold` also answers the same order asking again (a retried order creation). */
export type RedeemOutcome = { status: "sold" } | { status: "already_sold"; orderId: string } | { status: "lapsed" };

export interface QuotaCounts {
  quota: number;
  unallocated: number;
  inFlight: number;
  bucketStock: number[];
  admitted: number;
  sold: number;
  /** quota − sold − admitted */
  remaining: number;
  /** Whether close has finished. */
  closed: boolean;
  /** Shoppers in the buckets' queues (seen in the last few seconds). */
  waiting: number;
}

/** Optional on every call: the campaign's bucket count when the caller has it (saves a lookup). */
interface Buckets {
  buckets?: number;
}

export interface FlashQuota {
  /** Idempotent by campaignId. */
  open(plan: QuotaPlan): Promise<void>;
  admit(i: { campaignId: string; userId: string; quantity: number; now: number } & Buckets): Promise<AdmitOutcome>;
  /** Exactly once per admissionId. */
  redeem(
    i: { campaignId: string; admissionId: string; userId: string; orderId: string; now?: number } & Buckets,
  ): Promise<RedeemOutcome>;
  /**
   * The admitted (or sold, while running) units back: token lapsed, order cancelled unpaid, or
   * (`soldOnly`) an order saga that redeemed it and died before writing the order. Idempotent.
   */
  release(i: { campaignId: string; admissionId: string; userId: string; soldOnly?: boolean } & Buckets): Promise<void>;
  /** Ends admission, voids unredeemed admissions, recalls everything; idempotent. */
  close(campaignId: string): Promise<{ sold: number; unsold: number }>;
  /** Exact: every bucket audited until a round ran with nothing moving (the invariant's terms). */
  counts(campaignId: string): Promise<QuotaCounts>;
  /** quota − sold − admitted, from one round of bucket reads: what a campaign page shows. */
  remaining(campaignId: string): Promise<number>;
  /** Each object's calls and busiest second (in memory since the object last started). */
  stats(campaignId: string): Promise<{ coordinator: CallStats; buckets: CallStats[] }>;
}

export interface FlashQuotaEnv {
  FLASH_SALE_COORDINATOR: DurableObjectNamespace;
  FLASH_SALE_BUCKET: DurableObjectNamespace;
}

/** FNV-1a (32 bits) of the user id modulo K: the shopper's bucket, the same in every isolate. */
export function bucketOf(userId: string, buckets: number): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < userId.length; i++) {
    h ^= userId.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return (h >>> 0) % buckets;
}

/** Answer to a shopper while an object is overloaded or restarting. */
const BUSY: AdmitOutcome = { status: "queued", position: 0, retryAfterMs: 1_000 };

/** Bucket counts never change for a campaign: remembered per isolate. */
const knownBuckets = new Map<string, number>();

/** The runtime marks errors of an overloaded or briefly unavailable object. */
function isTransient(error: unknown): boolean {
  const e = error as { overloaded?: unknown; retryable?: unknown } | null;
  return typeof e === "object" && e !== null && (e.overloaded === true || e.retryable === true);
}

export function flashQuota(env: FlashQuotaEnv): FlashQuota {
  const coordinators = env.FLASH_SALE_COORDINATOR as DurableObjectNamespace<FlashSaleCoordinator>;
  const bucketObjects = env.FLASH_SALE_BUCKET as DurableObjectNamespace<FlashSaleBucket>;
  const coordinator = (campaignId: string) => coordinators.getByName(campaignId);
  const bucketStub = (campaignId: string, k: number) => bucketObjects.getByName(`${campaignId}:${k}`);

  async function bucketsOf(campaignId: string, given?: number): Promise<number> {
    if (given) return given;
    const known = knownBuckets.get(campaignId);
    if (known) return known;
    const plan = await coordinator(campaignId).plan();
    if (!plan) throw new Error(`flash sale ${campaignId} was never opened`);
    knownBuckets.set(campaignId, plan.buckets);
    return plan.buckets;
  }

  async function bucketFor(campaignId: string, userId: string, given?: number) {
    const k = bucketOf(userId, await bucketsOf(campaignId, given));
    return { k, stub: bucketStub(campaignId, k) };
  }

  return {
    async open(plan) {
      await coordinator(plan.campaignId).open(plan);
      knownBuckets.set(plan.campaignId, plan.buckets);
    },

    async admit({ campaignId, userId, quantity, now, buckets }) {
      try {
        const { k, stub } = await bucketFor(campaignId, userId, buckets);
        return await stub.admit({ campaignId, bucket: k, userId, quantity, now });
      } catch (error) {
        if (isTransient(error)) return BUSY;
        throw error;
      }
    },

    async redeem({ campaignId, admissionId, userId, orderId, now, buckets }) {
      const { k, stub } = await bucketFor(campaignId, userId, buckets);
      return stub.redeem({ campaignId, bucket: k, admissionId, userId, orderId, now: now ?? Date.now() });
    },

    async release({ campaignId, admissionId, userId, soldOnly, buckets }) {
      const { k, stub } = await bucketFor(campaignId, userId, buckets);
      await stub.release({ campaignId, bucket: k, admissionId, userId, ...(soldOnly ? { soldOnly } : {}) });
    },

    close: (campaignId) => coordinator(campaignId).close(),

    counts: (campaignId) => coordinator(campaignId).counts(),
    remaining: (campaignId) => coordinator(campaignId).remaining(),

    async stats(campaignId) {
      const k = await bucketsOf(campaignId);
      const [coordinatorStats, ...bucketStats] = await Promise.all([
        coordinator(campaignId).stats(),
        ...Array.from({ length: k }, (_, i) => bucketStub(campaignId, i).stats()),
      ]);
      return { coordinator: coordinatorStats as CallStats, buckets: bucketStats as CallStats[] };
    },
  };
}
