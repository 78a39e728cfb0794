/**
 * Model-based test of a flash sale's quota across K bucket objects and their coordinator: random
 * sequences of admissions (alone and in parallel bursts), redemptions, releases, expiry sweeps,
 * grants lost on their way to a bucket (the coordinator answered, the bucket never applied it),
 * redelivery, recalls forced by an empty pool, the coordinator's end recall (every bucket's stock
 * back in the pool, exact grants after), evictions of any object, and close, run against the
 * real objects and a plain model of the admissions. After every step:
 * - quota = unallocated + in flight + Σ bucket stock + admitted + sold (the objects' own counts);
 * - admitted and sold equal the model's (every admission's fate is known from the answers);
 * - nobody holds more than the per-user limit; a refusal for the limit only when the model says so;
 * - sold out only once every unit was sold or the campaign closed.
 * At the end of an open campaign, shoppers of one bucket alone can still get every unit left (none
 * is stranded in another bucket); after close, everything unsold is back in the pool.
 */
import { env, evictDurableObject } from "cloudflare:test";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import type { FlashSaleBucket } from "../../durable-objects/flash-sale-bucket";
import { WAITER_TTL_MS } from "../../durable-objects/flash-sale-bucket";
import type { FlashSaleCoordinator } from "../../durable-objects/flash-sale-coordinator";
import { type AdmitOutcome, bucketOf, flashQuota, type QuotaCounts } from "../../shared/flash-sales/quota";

const quota = flashQuota(env);
const USERS = ["ann", "bob", "cai", "dee", "eli", "fay", "gus"] as const;
const TTL_MS = 60_000;
/** The model's clock starts a month ahead, so the objects' real alarms never expire an admission. */
const CLOCK_START = Date.now() + 30 * 24 * 3600 * 1000;
const ENDS_AT = CLOCK_START + 3_600_000;

type Op =
  | { kind: "admit"; users: string[]; quantity: number }
  | { kind: "redeem" | "release"; pick: number }
  | { kind: "expire"; bucket: number }
  | { kind: "lose_grant"; bucket: number; want: number }
  | { kind: "redeliver" }
  | { kind: "evict"; target: number /* -1: the coordinator */ }
  | { kind: "end_recall" }
  | { kind: "close" };

interface Admission {
  admissionId: string;
  userId: string;
  bucket: number;
  quantity: number;
  expiresAt: number;
  status: "admitted" | "sold" | "released" | "lapsed";
  orderId?: string;
}

interface Model {
  campaignId: string;
  quota: number;
  buckets: number;
  limit: number;
  now: number;
  admissions: Admission[];
  closed: boolean;
  everSoldOut: boolean;
  orders: number;
  endRecalled: boolean;
}

const opArb = (buckets: number): fc.Arbitrary<Op> =>
  fc.oneof(
    {
      weight: 6,
      arbitrary: fc.record({
        kind: fc.constant("admit" as const),
        users: fc.array(fc.constantFrom(...USERS), { minLength: 1, maxLength: 5 }),
        quantity: fc.integer({ min: 1, max: 2 }),
      }),
    },
    { weight: 3, arbitrary: fc.record({ kind: fc.constant("redeem" as const), pick: fc.nat() }) },
    { weight: 2, arbitrary: fc.record({ kind: fc.constant("release" as const), pick: fc.nat() }) },
    {
      weight: 1,
      arbitrary: fc.record({ kind: fc.constant("expire" as const), bucket: fc.integer({ min: 0, max: buckets - 1 }) }),
    },
    {
      weight: 1,
      arbitrary: fc.record({
        kind: fc.constant("lose_grant" as const),
        bucket: fc.integer({ min: 0, max: buckets - 1 }),
        want: fc.integer({ min: 1, max: 3 }),
      }),
    },
    { weight: 1, arbitrary: fc.record({ kind: fc.constant("redeliver" as const) }) },
    {
      weight: 2,
      arbitrary: fc.record({ kind: fc.constant("evict" as const), target: fc.integer({ min: -1, max: buckets - 1 }) }),
    },
    { weight: 1, arbitrary: fc.record({ kind: fc.constant("end_recall" as const) }) },
    { weight: 1, arbitrary: fc.record({ kind: fc.constant("close" as const) }) },
  );

const scenarioArb = fc
  .record({
    quota: fc.integer({ min: 1, max: 12 }),
    buckets: fc.integer({ min: 1, max: 4 }),
    limit: fc.integer({ min: 1, max: 3 }),
  })
  .chain((p) => fc.record({ plan: fc.constant(p), ops: fc.array(opArb(p.buckets), { minLength: 5, maxLength: 25 }) }));

let runs = 0;

function coordinator(m: Model): DurableObjectStub<FlashSaleCoordinator> {
  return (env.FLASH_SALE_COORDINATOR as DurableObjectNamespace<FlashSaleCoordinator>).getByName(m.campaignId);
}

function bucket(m: Model, k: number): DurableObjectStub<FlashSaleBucket> {
  return (env.FLASH_SALE_BUCKET as DurableObjectNamespace<FlashSaleBucket>).getByName(`${m.campaignId}:${k}`);
}

const held = (m: Model, userId: string) =>
  m.admissions
    .filter((a) => a.userId === userId && (a.status === "admitted" || a.status === "sold"))
    .reduce((n, a) => n + a.quantity, 0);
const total = (m: Model, status: Admission["status"]) =>
  m.admissions.filter((a) => a.status === status).reduce((n, a) => n + a.quantity, 0);

function checkAdmit(m: Model, userId: string, quantity: number, o: AdmitOutcome): void {
  const over = held(m, userId) + quantity > m.limit;
  if (o.status === "limit_reached") expect(over).toBe(true);
  if (o.status === "sold_out") expect(m.closed || m.everSoldOut).toBe(true);
  if (o.status === "admitted") {
    expect(o.quantity).toBe(quantity);
    expect(over).toBe(false);
    expect(m.closed).toBe(false);
    expect(o.bucket).toBe(bucketOf(userId, m.buckets));
    m.admissions.push({ ...o, userId, status: "admitted" });
  }
}

async function apply(m: Model, op: Op): Promise<void> {
  switch (op.kind) {
    case "admit": {
      const outcomes = await Promise.all(
        op.users.map((userId) =>
          quota.admit({ campaignId: m.campaignId, userId, quantity: op.quantity, now: m.now, buckets: m.buckets }),
        ),
      );
      // Parallel entries of one shopper: the limit holds over all of them. Admissions first, so a
      // refusal is checked against everything that was admitted alongside it.
      const order = [...outcomes.keys()].sort(
        (x, y) => Number(outcomes[y]?.status === "admitted") - Number(outcomes[x]?.status === "admitted"),
      );
      for (const i of order) {
        const o = outcomes[i];
        if (o) checkAdmit(m, op.users[i] ?? "", op.quantity, o);
      }
      return;
    }
    case "redeem": {
      const a = m.admissions[op.pick % Math.max(1, m.admissions.length)];
      if (!a) return;
      m.orders += 1;
      const orderId = `ord_${m.orders}`;
      const r = await quota.redeem({ ...a, campaignId: m.campaignId, orderId, now: m.now, buckets: m.buckets });
      if (a.status === "admitted" && !m.closed && a.expiresAt > m.now) {
        expect(r).toEqual({ status: "sold" });
        a.status = "sold";
        a.orderId = orderId;
      } else if (a.status === "sold") {
        expect(r).toEqual({ status: "already_sold", orderId: a.orderId });
      } else {
        expect(r).toEqual({ status: "lapsed" });
        if (a.status === "admitted") a.status = "lapsed";
      }
      if (total(m, "sold") === m.quota) m.everSoldOut = true;
      return;
    }
    case "release": {
      const a = m.admissions[op.pick % Math.max(1, m.admissions.length)];
      if (!a) return;
      await quota.release({ ...a, campaignId: m.campaignId, buckets: m.buckets });
      if (!m.closed && (a.status === "admitted" || a.status === "sold")) a.status = "released";
      return;
    }
    case "expire": {
      m.now += TTL_MS;
      const n = await bucket(m, op.bucket).expireDue(m.now);
      const due = m.admissions.filter((a) => a.bucket === op.bucket && a.status === "admitted" && a.expiresAt <= m.now);
      expect(n).toBe(due.length);
      for (const a of due) a.status = "lapsed";
      return;
    }
    case "lose_grant": {
      // The coordinator answers a bucket's request, and the answer is lost: the units are in flight.
      const report = await bucket(m, op.bucket).snapshot({
        campaignId: m.campaignId,
        bucket: op.bucket,
        grantIds: [],
        recallIds: [],
      });
      await coordinator(m).requestGrant({ campaignId: m.campaignId, want: op.want, report });
      return;
    }
    case "redeliver":
      await coordinator(m).redeliver();
      return;
    case "evict":
      await evictDurableObject(op.target < 0 ? coordinator(m) : bucket(m, op.target));
      return;
    case "end_recall": {
      // Its time has come (the alarm's check); only the first one moves anything.
      await coordinator(m).recallBeforeEnd(ENDS_AT);
      const c = await quota.counts(m.campaignId);
      if (!m.endRecalled)
        expect(
          c.bucketStock.every((s) => s === 0),
          JSON.stringify(c),
        ).toBe(true);
      m.endRecalled = true;
      return;
    }
    case "close": {
      const result = await quota.close(m.campaignId);
      m.closed = true;
      for (const a of m.admissions) if (a.status === "admitted") a.status = "lapsed";
      const sold = total(m, "sold");
      expect(result).toEqual({ sold, unsold: m.quota - sold });
      return;
    }
  }
}

function checkCounts(m: Model, c: QuotaCounts): void {
  const stock = c.bucketStock.reduce((a, b) => a + b, 0);
  expect(c.unallocated + c.inFlight + stock + c.admitted + c.sold, JSON.stringify(c)).toBe(m.quota);
  expect(c.admitted).toBe(total(m, "admitted"));
  expect(c.sold).toBe(total(m, "sold"));
  for (const userId of USERS) expect(held(m, userId)).toBeLessThanOrEqual(m.limit);
  if (m.closed) {
    expect(c).toMatchObject({ closed: true, admitted: 0, unallocated: m.quota - c.sold });
    expect(stock).toBe(0);
  }
}

/**
 * Shoppers hashing to one bucket keep coming (fresh ids, the clock past every earlier waiter's
 * place) until nothing is left: they must get every unit not admitted or sold, wherever it sat.
 */
async function drainThroughOneBucket(m: Model, k: number): Promise<void> {
  await coordinator(m).redeliver();
  m.now += WAITER_TTL_MS + 1;
  let left = m.quota - total(m, "admitted") - total(m, "sold");
  for (let i = 0, tries = 0; left > 0 && tries < 200; i++) {
    const userId = `drain-${k}-${i}`;
    if (bucketOf(userId, m.buckets) !== k) continue;
    tries += 1;
    let o = await quota.admit({ campaignId: m.campaignId, userId, quantity: 1, now: m.now, buckets: m.buckets });
    for (let wait = 0; o.status === "queued" && wait < 20; wait++) {
      await new Promise((r) => setTimeout(r, Math.min(o.status === "queued" ? o.retryAfterMs : 0, 300)));
      o = await quota.admit({ campaignId: m.campaignId, userId, quantity: 1, now: m.now, buckets: m.buckets });
    }
    checkAdmit(m, userId, 1, o);
    expect(o.status, `unit stranded: ${JSON.stringify(await quota.counts(m.campaignId))}`).toBe("admitted");
    left -= 1;
  }
  const c = await quota.counts(m.campaignId);
  checkCounts(m, c);
  expect(c.remaining).toBe(0);
}

describe("flash-sale quota model", () => {
  it("keeps the invariant and the limits through random steps with evictions and lost moves", async () => {
    await fc.assert(
      fc.asyncProperty(scenarioArb, async ({ plan, ops }) => {
        runs += 1;
        const m: Model = {
          campaignId: `fs_model_${runs}_${crypto.randomUUID().slice(0, 8)}`,
          quota: plan.quota,
          buckets: plan.buckets,
          limit: plan.limit,
          now: CLOCK_START,
          admissions: [],
          closed: false,
          everSoldOut: false,
          orders: 0,
          endRecalled: false,
        };
        await quota.open({
          campaignId: m.campaignId,
          quota: m.quota,
          buckets: m.buckets,
          perUserLimit: m.limit,
          startsAt: CLOCK_START - 1_000,
          endsAt: ENDS_AT,
          admissionTtlMs: TTL_MS,
        });
        checkCounts(m, await quota.counts(m.campaignId));
        for (const op of ops) {
          await apply(m, op);
          checkCounts(m, await quota.counts(m.campaignId));
        }
        if (!m.closed) await drainThroughOneBucket(m, ops.length % m.buckets);
        await quota.close(m.campaignId);
        m.closed = true;
        for (const a of m.admissions) if (a.status === "admitted") a.status = "lapsed";
        checkCounts(m, await quota.counts(m.campaignId));
      }),
      { numRuns: 25, interruptAfterTimeLimit: 200_000 },
    );
  }, 240_000);
});
