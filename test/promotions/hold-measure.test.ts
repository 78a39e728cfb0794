/**
 * The measurement behind docs/decisions.md "Voucher counts: a conditional D1 batch, not a Durable
 * Object per voucher": 100 concurrent voucher holds as D1 batches against 100 concurrent calls
 * to one Durable Object serializing a counter (the rate limiter's, the same shape a voucher object
 * would have), in this test runtime. The holds must also come out exact.
 */
import { env } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { dbOf } from "../../shared/platform/db";
import { newId } from "../../shared/platform/ids";
import { holdPromotions } from "../../shared/promotions/holds";
import { newVoucher } from "../helpers/promotions";

const percentile = (sorted: number[], p: number) =>
  sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * p))] ?? 0;

async function timed(n: number, one: (i: number) => Promise<unknown>) {
  const latencies: number[] = [];
  const start = performance.now();
  await Promise.all(
    Array.from({ length: n }, async (_, i) => {
      const t = performance.now();
      await one(i);
      latencies.push(performance.now() - t);
    }),
  );
  const wall = performance.now() - start;
  latencies.sort((a, b) => a - b);
  return {
    wallMs: Math.round(wall),
    p50Ms: Math.round(percentile(latencies, 0.5)),
    p95Ms: Math.round(percentile(latencies, 0.95)),
  };
}

describe("holding voucher uses", () => {
  it("holds 100 concurrent uses exactly, and measures them beside a Durable Object counter", async () => {
    const db = dbOf(env.DB);
    const v = await newVoucher({ totalCount: 1000, perUserLimit: 1 });
    const now = Date.now();
    const sagas = Array.from({ length: 100 }, (_, i) => ({
      id: newId("saga", now),
      userId: `usr_measure_${now}_${i}`,
    }));
    await env.DB.batch(
      sagas.map((s) =>
        env.DB.prepare(
          "insert into order_sagas (id, user_id, status, context, lease_until, version, created_at, updated_at) values (?, ?, 'running', '{}', ?, 1, ?, ?)",
        ).bind(s.id, s.userId, now + 60_000, now, now),
      ),
    );
    const d1 = await timed(100, (i) =>
      holdPromotions(db, {
        sagaId: sagas[i]?.id ?? "",
        userId: sagas[i]?.userId ?? "",
        vouchers: [{ voucherId: v.voucherId, code: v.code, amount: 1000 }],
        coins: 0,
        now,
      }),
    );
    const row = await env.DB.prepare("select taken from vouchers where id = ?")
      .bind(v.voucherId)
      .first<{ taken: number }>();
    expect(row?.taken).toBe(100);
    const counter = env.RATE_LIMITER.getByName(`measure:${now}`);
    const object = await timed(100, () => counter.hit(1000, 60_000, now));
    console.log(
      JSON.stringify({ measured: "100 concurrent holds", d1ConditionalBatch: d1, durableObjectCounter: object }),
    );
  });
});
