/**
 * Sales reports over two order shards (issue #20): with the slot table split (slot % 2), a shop's
 * orders and refunds on either shard are all counted, each once, even when a shard still holds a
 * moved slot's copy awaiting its purge.
 */
import { env } from "cloudflare:test";
import { eq } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { orders, payOrders, refunds } from "../../db/schema";
import { dbOf } from "../../shared/platform/db";
import type { SalesReport } from "../../shared/reports/sales";
import { newSeller, type Seller } from "../helpers/catalog";
import { call, json } from "../helpers/http";
import type { Shopper } from "../helpers/orders";
import { settle, unpaidOrder } from "../helpers/payments";
import { paidOrder, refunded } from "../helpers/refunds";
import { shardsHolding, shopperOnShard, splitSlotsOverTwoShards } from "../helpers/shards";

beforeAll(splitSlotsOverTwoShards);
afterAll(settle);

const SHARDS = [env.ORDERS_0, env.ORDERS_1] as const;
const today = () => new Date().toISOString().slice(0, 10);

async function report(token: string) {
  return json<SalesReport & { code?: string }>(
    await call("GET", `/admin/v1/reports/sales?from=${today()}&to=${today()}&granularity=day`, { token }),
  );
}

/** One unit of the order's first item refunded by its seller, through to REFUNDED; the refund's amount. */
async function refundOneUnit(seller: Seller, orderId: string, shard: 0 | 1) {
  const item = await SHARDS[shard]
    .prepare("SELECT id FROM order_items WHERE order_id = ? ORDER BY id LIMIT 1")
    .bind(orderId)
    .first<{ id: string }>();
  const refund = await json<{ refundId: string; amount: { amount: number } }>(
    await call("POST", `/admin/v1/orders/${orderId}/refunds`, {
      token: seller.token,
      body: { items: [{ orderItemId: item?.id, quantity: 1 }], reason: "缺货" },
      headers: { "idempotency-key": crypto.randomUUID() },
    }),
  );
  expect(refund.status, JSON.stringify(refund.body)).toBe(201);
  await refunded(refund.body.refundId);
  return { refundId: refund.body.refundId, amount: refund.body.amount.amount };
}

interface Sold {
  orders: number;
  paidOrders: number;
  gmv: number;
  refunded: number;
  refunds: number;
}

/** On `shopper`'s shard: an unpaid order, a paid one, and a paid one of two units with one refunded. */
async function sellOn(seller: Seller, shopper: Shopper, shard: 0 | 1) {
  const unpaid = await unpaidOrder({ seller, shopper, quantity: 1 });
  const single = await paidOrder({ seller, shopper, quantity: 1 });
  const double = await paidOrder({ seller, shopper, quantity: 2 });
  for (const orderId of [...unpaid.orderIds, single.orderId, double.orderId]) {
    expect(await shardsHolding("orders", orderId)).toEqual([shard]);
  }
  const refund = await refundOneUnit(seller, double.orderId, shard);
  expect(await shardsHolding("refunds", refund.refundId)).toEqual([shard]);
  const sold: Sold = {
    orders: 3,
    paidOrders: 2,
    gmv: single.payable + double.payable,
    refunded: refund.amount,
    refunds: 1,
  };
  return { sold, refundedOrderId: double.orderId, refundId: refund.refundId };
}

function expectedDay(sold: Sold) {
  return {
    period: today(),
    currency: "CNY",
    orders: sold.orders,
    paidOrders: sold.paidOrders,
    gmv: { amount: sold.gmv, currency: "CNY" },
    refunded: { amount: sold.refunded, currency: "CNY" },
    refunds: sold.refunds,
    netSales: { amount: sold.gmv - sold.refunded, currency: "CNY" },
    averageOrderValue: { amount: Math.round(sold.gmv / sold.paidOrders), currency: "CNY" },
  };
}

describe("sales reports over two order shards", () => {
  let seller: Seller;
  let expected: ReturnType<typeof expectedDay>;
  let onShard1: { refundedOrderId: string; refundId: string };

  it("sum one shop's orders and refunds on shard 0 and on shard 1", async () => {
    seller = await newSeller();
    const zero = await sellOn(seller, await shopperOnShard(0), 0);
    const one = await sellOn(seller, await shopperOnShard(1), 1);
    onShard1 = one;
    const sum: Sold = {
      orders: zero.sold.orders + one.sold.orders,
      paidOrders: zero.sold.paidOrders + one.sold.paidOrders,
      gmv: zero.sold.gmv + one.sold.gmv,
      refunded: zero.sold.refunded + one.sold.refunded,
      refunds: zero.sold.refunds + one.sold.refunds,
    };
    expected = expectedDay(sum);

    const own = await report(seller.token);
    expect(own.status, JSON.stringify(own.body)).toBe(200);
    expect(own.body.shopId).toBe(seller.shopId);
    expect(own.body.periods).toEqual([expected]);
    const { period: _period, ...totals } = expected;
    expect(own.body.totals).toEqual([totals]);
  });

  it("counts a moved slot's stale copy on shard 0 once, from the shard its slot is routed to", async () => {
    // Copy a shard-1 order, its pay order and its refund to shard 0, as a move not yet purged leaves them.
    const from = dbOf(env.ORDERS_1);
    const to = dbOf(env.ORDERS_0);
    const [order] = await from.select().from(orders).where(eq(orders.id, onShard1.refundedOrderId));
    if (!order) throw new Error("no shard-1 order");
    const [payOrder] = await from.select().from(payOrders).where(eq(payOrders.id, order.payOrderId));
    const [refund] = await from.select().from(refunds).where(eq(refunds.id, onShard1.refundId));
    await to.insert(payOrders).values(payOrder as never);
    await to.insert(orders).values(order);
    await to.insert(refunds).values(refund as never);
    expect(await shardsHolding("orders", order.id)).toEqual([0, 1]);
    expect(await shardsHolding("refunds", onShard1.refundId)).toEqual([0, 1]);

    const own = await report(seller.token);
    expect(own.status, JSON.stringify(own.body)).toBe(200);
    expect(own.body.periods).toEqual([expected]);
  });
});
