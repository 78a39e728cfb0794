import { afterEach, describe, expect, it } from "vitest";
import type { SalesReport } from "../../shared/reports/sales";
import { DEMO, tokenFor } from "../helpers/callers";
import { newSeller } from "../helpers/catalog";
import { call, json } from "../helpers/http";
import { settle, unpaidOrder } from "../helpers/payments";
import { orderRefundState, paidOrder, refunded } from "../helpers/refunds";
import { calm } from "../helpers/sandbox";

afterEach(async () => {
  await calm();
  await settle();
});

const today = () => new Date().toISOString().slice(0, 10);

async function report(token: string, query: string) {
  return json<SalesReport & { code?: string }>(await call("GET", `/admin/v1/reports/sales?${query}`, { token }));
}

describe("sales reports from the orders' facts", () => {
  it("match the orders placed, paid and refunded: per shop for its seller and operators, all shops for operators", async () => {
    const seller = await newSeller();
    const unpaid = await unpaidOrder({ seller, quantity: 1 });
    const first = await paidOrder({ seller, quantity: 2 });
    const second = await paidOrder({ seller, quantity: 1 });
    // The seller refunds one of the first order's two units.
    const [item] = (await orderRefundState(first.orderId)).items;
    const refund = await json<{ refundId: string; amount: { amount: number } }>(
      await call("POST", `/admin/v1/orders/${first.orderId}/refunds`, {
        token: seller.token,
        body: { items: [{ orderItemId: item?.id, quantity: 1 }], reason: "缺货" },
        headers: { "idempotency-key": crypto.randomUUID() },
      }),
    );
    expect(refund.status, JSON.stringify(refund.body)).toBe(201);
    await refunded(refund.body.refundId);

    const gmv = first.payable + second.payable;
    const expected = {
      period: today(),
      currency: "CNY",
      orders: 3,
      paidOrders: 2,
      gmv: { amount: gmv, currency: "CNY" },
      refunded: { amount: refund.body.amount.amount, currency: "CNY" },
      refunds: 1,
      netSales: { amount: gmv - refund.body.amount.amount, currency: "CNY" },
      averageOrderValue: { amount: Math.round(gmv / 2), currency: "CNY" },
    };
    expect(unpaid.payable).toBeGreaterThan(0);

    const own = await report(seller.token, `from=${today()}&to=${today()}&granularity=day`);
    expect(own.status, JSON.stringify(own.body)).toBe(200);
    expect(own.body.shopId).toBe(seller.shopId);
    expect(own.body.periods).toEqual([expected]);
    const { period: _period, ...totals } = expected;
    expect(own.body.totals).toEqual([totals]);

    const operator = await tokenFor(DEMO.operator);
    const oneShop = await report(operator, `from=${today()}&to=${today()}&shopId=${seller.shopId}`);
    expect(oneShop.body.periods).toEqual([expected]);
    const all = await report(operator, `from=${today()}&to=${today()}`);
    expect(all.body.shopId).toBeNull();
    const allToday = all.body.periods.find((p) => p.currency === "CNY");
    expect(allToday?.orders).toBeGreaterThanOrEqual(3);
    expect(allToday?.gmv.amount).toBeGreaterThanOrEqual(gmv);

    // Another seller sees only their own shop: nothing sold, every day still answered.
    const other = await newSeller();
    const empty = await report(other.token, `from=${today()}&to=${today()}`);
    expect(empty.body.periods).toEqual([
      {
        ...expected,
        orders: 0,
        paidOrders: 0,
        gmv: { amount: 0, currency: "CNY" },
        refunded: { amount: 0, currency: "CNY" },
        refunds: 0,
        netSales: { amount: 0, currency: "CNY" },
        averageOrderValue: null,
      },
    ]);
    expect((await report(other.token, `from=${today()}&to=${today()}&shopId=${seller.shopId}`)).status).toBe(404);
  });

  it("answers every day of the range and months, and refuses a reversed or too long range", async () => {
    const seller = await newSeller();
    const days = await report(seller.token, "from=2026-01-30&to=2026-02-02");
    expect(days.status).toBe(200);
    expect(days.body.periods.map((p) => p.period)).toEqual(["2026-01-30", "2026-01-31", "2026-02-01", "2026-02-02"]);
    const months = await report(seller.token, "from=2026-01-30&to=2026-03-01&granularity=month");
    expect(months.body.periods.map((p) => p.period)).toEqual(["2026-01", "2026-02", "2026-03"]);
    expect((await report(seller.token, "from=2026-02-02&to=2026-02-01")).status).toBe(400);
    expect((await report(seller.token, "from=2025-01-01&to=2026-06-01")).status).toBe(400);
    expect((await report(seller.token, "from=2026-02-30&to=2026-03-01")).status).toBe(400);
    expect((await report(await tokenFor(DEMO.shopper), "from=2026-02-01&to=2026-02-01")).status).toBe(403);
  });
});
