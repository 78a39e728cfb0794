/**
 * The flash-sale quota through shared/flash-sales/quota.ts against the real coordinator and
 * bucket objects: admission, the per-user limit, redeem exactly once, release and lapse returning
 * units, close recalling everything, and the stampede (500 parallel entries of 200 shoppers on a
 * quota of 100, with one bucket and with eight): exactly 100 admitted, nobody over the limit.
 */
import { env, runDurableObjectAlarm } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import type { FlashSaleBucket } from "../../durable-objects/flash-sale-bucket";
import { type AdmitOutcome, bucketOf, flashQuota, type QuotaPlan } from "../../shared/flash-sales/quota";
import { expectBalanced, quotaPlan } from "../helpers/flash-sales";

const quota = flashQuota(env);
const plan = (over: Partial<QuotaPlan> = {}) => quotaPlan("fs_test", over);

function admitted(o: AdmitOutcome): Extract<AdmitOutcome, { status: "admitted" }> {
  if (o.status !== "admitted") throw new Error(`expected admitted, got ${JSON.stringify(o)}`);
  return o;
}

describe("flash-sale quota", () => {
  it("admits, enforces the per-user limit, redeems exactly once and balances after each step", async () => {
    const p = plan({ quota: 5, perUserLimit: 2 });
    await quota.open(p);
    await quota.open(p); // idempotent
    expectBalanced(await quota.counts(p.campaignId));

    const a = admitted(await quota.admit({ campaignId: p.campaignId, userId: "u1", quantity: 2, now: Date.now() }));
    expect(a.quantity).toBe(2);
    expect(a.expiresAt).toBeGreaterThan(Date.now());
    expect(await quota.admit({ campaignId: p.campaignId, userId: "u1", quantity: 1, now: Date.now() })).toEqual({
      status: "limit_reached",
    });
    let c = await quota.counts(p.campaignId);
    expectBalanced(c);
    expect(c.admitted).toBe(2);

    const redeem = { campaignId: p.campaignId, admissionId: a.admissionId, userId: "u1", orderId: "ord_1" };
    expect(await quota.redeem(redeem)).toEqual({ status: "sold" });
    expect(await quota.redeem(redeem)).toEqual({ status: "sold" }); // the same order again
    expect(await quota.redeem({ ...redeem, orderId: "ord_2" })).toEqual({ status: "already_sold", orderId: "ord_1" });
    expect(await quota.redeem({ ...redeem, userId: "someone-else" })).toEqual({ status: "lapsed" });
    c = await quota.counts(p.campaignId);
    expectBalanced(c);
    expect([c.admitted, c.sold, c.remaining]).toEqual([0, 2, 3]);
    expect(await quota.remaining(p.campaignId)).toBe(3);
    // Bought is still held: the limit counts it.
    expect((await quota.admit({ campaignId: p.campaignId, userId: "u1", quantity: 1, now: Date.now() })).status).toBe(
      "limit_reached",
    );
  });

  it("gives a released or lapsed admission's unit to the next shopper, and a lapsed one cannot be redeemed", async () => {
    const p = plan({ quota: 1, admissionTtlMs: 60_000 });
    await quota.open(p);
    const now = Date.now();
    const first = admitted(await quota.admit({ campaignId: p.campaignId, userId: "a", quantity: 1, now }));
    expect((await quota.admit({ campaignId: p.campaignId, userId: "b", quantity: 1, now })).status).toBe("queued");
    await quota.release({ campaignId: p.campaignId, admissionId: first.admissionId, userId: "a" });
    await quota.release({ campaignId: p.campaignId, admissionId: first.admissionId, userId: "a" }); // idempotent
    expectBalanced(await quota.counts(p.campaignId));
    // b waited first: the unit is b's (a coming back is behind b).
    expect((await quota.admit({ campaignId: p.campaignId, userId: "a", quantity: 1, now })).status).toBe("queued");
    const second = admitted(await quota.admit({ campaignId: p.campaignId, userId: "b", quantity: 1, now }));

    // b never orders: the bucket's alarm returns the unit when the admission's time is up.
    const stub = env.FLASH_SALE_BUCKET.getByName(`${p.campaignId}:0`) as DurableObjectStub<FlashSaleBucket>;
    expect(await stub.expireDue(second.expiresAt)).toBe(1);
    expect(
      await quota.redeem({ campaignId: p.campaignId, admissionId: second.admissionId, userId: "b", orderId: "o" }),
    ).toEqual({ status: "lapsed" });
    const c = await quota.counts(p.campaignId);
    expectBalanced(c);
    expect([c.admitted, c.sold, c.bucketStock[0]]).toEqual([0, 0, 1]);
  });

  it("expires an unredeemed admission with the bucket's own alarm", async () => {
    const p = plan({ quota: 1, admissionTtlMs: 1 });
    await quota.open(p);
    const a = admitted(await quota.admit({ campaignId: p.campaignId, userId: "late", quantity: 1, now: Date.now() }));
    await new Promise((r) => setTimeout(r, 5));
    const stub = env.FLASH_SALE_BUCKET.getByName(`${p.campaignId}:${a.bucket}`);
    // The alarm may already have fired by itself; running it again changes nothing.
    await runDurableObjectAlarm(stub);
    const c = await quota.counts(p.campaignId);
    expect([c.admitted, c.bucketStock[0]]).toEqual([0, 1]);
  });

  it("answers sold out once every unit is sold, and close recalls what is unsold (idempotent)", async () => {
    const p = plan({ quota: 4, buckets: 2 });
    await quota.open(p);
    const users = Array.from({ length: 8 }, (_, i) => `shopper-${i}`);
    const outcomes = await Promise.all(
      users.map((userId) => quota.admit({ campaignId: p.campaignId, userId, quantity: 1, now: Date.now() })),
    );
    const wins = outcomes.flatMap((o, i) => (o.status === "admitted" ? [{ o, userId: users[i] ?? "" }] : []));
    // Units may sit in a bucket whose shoppers came first; a second round rebalances.
    for (const [i, o] of outcomes.entries()) {
      if (o.status === "admitted") continue;
      const again = await quota.admit({
        campaignId: p.campaignId,
        userId: users[i] ?? "",
        quantity: 1,
        now: Date.now(),
      });
      if (again.status === "admitted") wins.push({ o: again, userId: users[i] ?? "" });
    }
    expect(wins).toHaveLength(4);
    for (const [n, w] of wins.slice(0, 3).entries()) {
      const a = admitted(w.o);
      expect(
        (
          await quota.redeem({
            campaignId: p.campaignId,
            admissionId: a.admissionId,
            userId: w.userId,
            orderId: `ord_${n}`,
          })
        ).status,
      ).toBe("sold");
    }
    const closed = await quota.close(p.campaignId);
    expect(closed).toEqual({ sold: 3, unsold: 1 });
    expect(await quota.close(p.campaignId)).toEqual(closed);
    const c = await quota.counts(p.campaignId);
    expectBalanced(c);
    expect(c).toMatchObject({ unallocated: 1, inFlight: 0, admitted: 0, sold: 3, closed: true });
    expect(c.bucketStock).toEqual([0, 0]);
    // The fourth admission lapsed at close.
    const last = admitted(wins[3]?.o ?? { status: "sold_out" });
    expect(
      (
        await quota.redeem({
          campaignId: p.campaignId,
          admissionId: last.admissionId,
          userId: wins[3]?.userId ?? "",
          orderId: "x",
        })
      ).status,
    ).toBe("lapsed");
    expect(
      (await quota.admit({ campaignId: p.campaignId, userId: "after", quantity: 1, now: Date.now() })).status,
    ).toBe("sold_out");
  });

  for (const buckets of [1, 8]) {
    it(`stampede with K=${buckets}: 500 parallel entries of 200 shoppers on 100 units admit exactly 100, nobody over the limit`, async () => {
      const p = plan({ quota: 100, buckets, perUserLimit: 1 });
      await quota.open(p);
      const users = Array.from({ length: 200 }, (_, i) => `stampede-${buckets}-${i}`);
      const entries = Array.from({ length: 500 }, (_, i) => users[i % users.length] ?? "");
      const admittedBy = new Map<string, number>();
      // Shoppers retry while queued, as the entry route tells them to, until nothing is left to wait for.
      let pending = entries;
      for (let round = 0; round < 30 && pending.length > 0; round++) {
        const outcomes = await Promise.all(
          pending.map((userId) => quota.admit({ campaignId: p.campaignId, userId, quantity: 1, now: Date.now() })),
        );
        const next: string[] = [];
        for (const [i, o] of outcomes.entries()) {
          const userId = pending[i] ?? "";
          if (o.status === "admitted") admittedBy.set(userId, (admittedBy.get(userId) ?? 0) + o.quantity);
          else if (o.status === "queued") next.push(userId);
        }
        const total = [...admittedBy.values()].reduce((a, b) => a + b, 0);
        if (total === 100) break;
        pending = [...new Set(next)];
        await new Promise((r) => setTimeout(r, 20));
      }
      const total = [...admittedBy.values()].reduce((a, b) => a + b, 0);
      expect(total).toBe(100);
      expect(Math.max(...admittedBy.values())).toBe(1);
      const c = await quota.counts(p.campaignId);
      expectBalanced(c);
      expect(c).toMatchObject({ admitted: 100, sold: 0, remaining: 0, unallocated: 0, inFlight: 0 });
      // Every shopper asks the bucket its id hashes to.
      expect(new Set(users.map((u) => bucketOf(u, buckets))).size).toBe(buckets);
    });
  }
});
