import { env } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { inventoryOf } from "../../shared/inventory/binding";
import { createOrder } from "../../shared/orders/create-order";
import { orderStoreOf } from "../../shared/orders/order-store";
import { cancelOrder, expireOverdue, expireUnpaid } from "../../shared/orders/orders";
import { FINISHED_SAGA_RETENTION_MS } from "../../shared/orders/sweeper";
import { SYSTEM_ACTOR } from "../../shared/platform/actor";
import { ManualClock } from "../../shared/platform/clock";
import { dbOf } from "../../shared/platform/db";
import { runHousekeeping } from "../../workers/events/worker";
import { call, json } from "../helpers/http";
import { orderD1 } from "../helpers/order-d1";
import { newShopper, orderDepsFor, skuOnSale } from "../helpers/orders";

const deps = (clock: ManualClock, vars: Record<string, string> = {}) => orderDepsFor(clock, { vars });

async function orderFor(clock: ManualClock, quantity = 2) {
  const { seller, skuId } = await skuOnSale(undefined, { stock: 10 });
  const shopper = await newShopper();
  clock.set(Date.now()); // after the product's price took effect
  const created = await createOrder(deps(clock), {
    userId: shopper.id,
    ip: "10.1.1.1",
    body: { items: [{ skuId, quantity }], addressId: shopper.addressId },
  });
  return { seller, skuId, shopper, created, orderId: created.orders[0]?.orderId as string };
}

const statusOf = async (orderId: string) =>
  (await orderD1(orderId))
    .prepare("select status, payment_status, cancel_reason from orders where id = ?")
    .bind(orderId)
    .first();

describe("unpaid orders", () => {
  it("cancel themselves when the payment timeout arrives, releasing their stock, once", async () => {
    const clock = new ManualClock(Date.now());
    const { skuId, created, orderId } = await orderFor(clock);
    const ops = orderDepsFor(clock);
    // Early (a drained outbox row, Queues' delay cap): retried later, nothing changes.
    await expect(expireUnpaid(ops, created.payOrderId)).rejects.toMatchObject({ code: "unavailable", retryable: true });
    expect(await statusOf(orderId)).toMatchObject({ status: "CREATED" });
    clock.set(Date.parse(created.payBy) + 1);
    expect(await expireUnpaid(ops, created.payOrderId)).toBe(1);
    expect(await statusOf(orderId)).toEqual({
      status: "CANCELLED",
      payment_status: "CLOSED",
      cancel_reason: "payment_timeout",
    });
    expect(await inventoryOf(env).getByName(skuId).view()).toMatchObject({ available: 10, reserved: 0 });
    // The same message again changes nothing.
    expect(await expireUnpaid(ops, created.payOrderId)).toBe(0);
  });

  it("are cancelled by the cron when their timeout message was lost", async () => {
    const clock = new ManualClock(Date.now());
    const { skuId, created, orderId } = await orderFor(clock);
    clock.set(Date.parse(created.payBy) + 61_000);
    const result = await runHousekeeping(env, clock);
    expect(result.overdueCancelled).toBeGreaterThanOrEqual(1);
    expect(await statusOf(orderId)).toMatchObject({ status: "CANCELLED", cancel_reason: "payment_timeout" });
    expect(await inventoryOf(env).getByName(skuId).view()).toMatchObject({ available: 10, reserved: 0 });
    expect(
      await expireOverdue({
        db: dbOf(env.DB),
        orders: orderStoreOf(env, clock),
        clock,
        producers: env,
        inventory: inventoryOf(env),
      }),
    ).toBe(0);
    // A week on, the finished saga behind the order is purged; the order stays.
    clock.advance(FINISHED_SAGA_RETENTION_MS + 1);
    expect((await runHousekeeping(env, clock)).sagasPurged).toBeGreaterThanOrEqual(1);
    const left = await (await orderD1(created.payOrderId))
      .prepare("select count(*) as n from order_sagas where id = (select saga_id from pay_orders where id = ?)")
      .bind(created.payOrderId)
      .first<{ n: number }>();
    expect(left?.n).toBe(0);
    expect(await statusOf(orderId)).toMatchObject({ status: "CANCELLED" });
  });

  it("stay cancelled: a shopper cannot cancel twice and a timeout after a cancel does nothing", async () => {
    const clock = new ManualClock(Date.now());
    const { created, orderId, shopper } = await orderFor(clock);
    const cancel = await json(await call("POST", `/v1/orders/${orderId}/cancel`, { token: shopper.token }));
    expect(cancel.status).toBe(200);
    clock.set(Date.parse(created.payBy) + 1);
    const ops = orderDepsFor(clock);
    expect(await expireUnpaid(ops, created.payOrderId)).toBe(0);
    expect(await statusOf(orderId)).toMatchObject({ cancel_reason: "cancelled by the shopper" });
  });
});

describe("anti-fraud rules", () => {
  it("limit orders per shopper per minute (429 with Retry-After) before any stock is held", async () => {
    const clock = new ManualClock(Date.now());
    const { skuId } = await skuOnSale(undefined, { stock: 10 });
    const shopper = await newShopper();
    clock.set(Date.now());
    const limited = deps(clock, { ORDER_USER_LIMIT_PER_MINUTE: "2" });
    const input = {
      userId: shopper.id,
      ip: "10.2.2.2",
      body: { items: [{ skuId, quantity: 1 }], addressId: shopper.addressId },
    };
    await createOrder(limited, input);
    await createOrder(limited, input);
    await expect(createOrder(limited, input)).rejects.toMatchObject({
      code: "rate_limited",
      headers: { "Retry-After": expect.any(String) },
    });
    expect(await inventoryOf(env).getByName(skuId).view()).toMatchObject({ available: 8, reserved: 2 });
    clock.advance(60_001);
    await expect(createOrder(limited, input)).resolves.toMatchObject({ orders: [{ status: "CREATED" }] });
  });

  it("limit orders per client IP and cap the amount of one checkout", async () => {
    const clock = new ManualClock(Date.now());
    const { skuId } = await skuOnSale(undefined, { stock: 10, price: 79 });
    const [a, b] = await Promise.all([newShopper(), newShopper()]);
    clock.set(Date.now());
    const limited = deps(clock, { ORDER_IP_LIMIT_PER_MINUTE: "1", ORDER_MAX_PAYABLE: "20000" });
    const body = (s: typeof a) => ({ items: [{ skuId, quantity: 1 }], addressId: s.addressId });
    await createOrder(limited, { userId: a.id, ip: "10.3.3.3", body: body(a) });
    await expect(createOrder(limited, { userId: b.id, ip: "10.3.3.3", body: body(b) })).rejects.toMatchObject({
      code: "rate_limited",
    });
    await expect(
      createOrder(limited, {
        userId: b.id,
        ip: "10.3.3.4",
        body: { items: [{ skuId, quantity: 3 }], addressId: b.addressId },
      }),
    ).rejects.toMatchObject({ code: "amount_cap", extensions: { limit: 20000, payable: expect.any(Number) } });
    expect(await inventoryOf(env).getByName(skuId).view()).toMatchObject({ available: 9, reserved: 1 });
  });
});

describe("a cancel whose stock release fails", () => {
  it("still cancels; the order.cancelled consumer releases the stock", async () => {
    const clock = new ManualClock(Date.now());
    const { skuId, orderId } = await orderFor(clock, 3);
    const real = inventoryOf(env);
    // The SKU objects are unreachable for this request only.
    const unreachable = {
      getByName: () => ({
        release: async () => {
          throw new Error("object unreachable");
        },
      }),
    } as unknown as typeof real;
    const ops = { db: dbOf(env.DB), orders: orderStoreOf(env, clock), clock, producers: env, inventory: unreachable };
    await expect(cancelOrder(ops, { orderId, actor: SYSTEM_ACTOR, reason: "changed my mind" })).resolves.toMatchObject({
      status: "CANCELLED",
    });
    // The event went out on the real queue; its consumer releases the hold.
    let view = await real.getByName(skuId).view();
    for (let i = 0; i < 50 && view.reserved !== 0; i++) {
      await new Promise((r) => setTimeout(r, 100));
      view = await real.getByName(skuId).view();
    }
    expect(view).toMatchObject({ available: 10, reserved: 0 });
  });
});
