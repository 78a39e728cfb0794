/**
 * Applying a payment event survives a consumer that dies halfway (issue #13): killed between
 * "marked PAID" and "stock confirmed", the redelivery finishes the job and posts nothing twice.
 * Also the pay call's deadline, checked with a clock the test controls.
 */
import { env } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import type { SkuInventory } from "../../durable-objects/sku-inventory";
import { inventoryOf } from "../../shared/inventory/binding";
import { orderStoreOf } from "../../shared/orders/order-store";
import { type PaymentsEnv, paymentAdapters } from "../../shared/payments/adapters";
import { applyProviderEvent } from "../../shared/payments/apply-provider-event";
import { payPayOrder } from "../../shared/payments/pay";
import { REQUEUE_AFTER_MS, requeueStaleEvents } from "../../shared/payments/requeue-events";
import { ManualClock, systemClock } from "../../shared/platform/clock";
import { dbOf } from "../../shared/platform/db";
import { AppError } from "../../shared/platform/errors";
import { createLogger } from "../../shared/platform/logger";
import { stockOf } from "../helpers/orders";
import {
  eventually,
  inboxStatus,
  ledgerOf,
  pay,
  payOrderOf,
  storedSuccess,
  transitionsOf,
  unpaidOrder,
} from "../helpers/payments";

const log = createLogger({ test: "apply-crash" });

/** SKU objects that die on `confirm`, as an evicted object or a crashed consumer would leave it. */
const dyingInventory = {
  getByName: () => ({
    confirm: async () => {
      throw new Error("the consumer died here");
    },
  }),
} as unknown as DurableObjectNamespace<SkuInventory>;

describe("a consumer that dies while applying a success", () => {
  it("killed between marked PAID and stock confirmed, finishes on redelivery: stock sold once, one capture", async () => {
    const order = await unpaidOrder({ stock: 6, quantity: 3 });
    const started = await pay(order.shopper, order.payOrderId);
    expect(started.status, JSON.stringify(started.body)).toBe(201);
    const ref = await storedSuccess(started.body.paymentId, order.payOrderId, order.payable);
    const deps = { db: dbOf(env.DB), orders: orderStoreOf(env, systemClock), clock: systemClock, log, producers: env };

    await expect(applyProviderEvent({ ...deps, inventory: dyingInventory }, ref)).rejects.toThrow(/died here/);
    // Marked PAID (one batch) but the holds are still holds, and the event is not done.
    expect((await payOrderOf(order.shopper, order.payOrderId)).body.paymentStatus).toBe("PAID");
    expect((await stockOf(order.seller, order.skuId)).body).toMatchObject({ reserved: 3, sold: 0 });
    expect(await inboxStatus(ref.providerEventId)).toBe("received");

    // The redelivery (twice, at once, for good measure).
    const again = await Promise.all([
      applyProviderEvent({ ...deps, inventory: inventoryOf(env) }, ref),
      applyProviderEvent({ ...deps, inventory: inventoryOf(env) }, ref),
    ]);
    expect(again.map((o) => o.status)).toContain("applied");
    expect(await inboxStatus(ref.providerEventId)).toBe("applied");
    expect((await stockOf(order.seller, order.skuId)).body).toMatchObject({ available: 3, reserved: 0, sold: 3 });
    expect((await ledgerOf(order.payOrderId)).map((t) => t.kind)).toEqual(["payment_captured"]);
    expect((await transitionsOf(order.orderIds[0] ?? ""))["status:PAID"]).toBe(1);
  });

  it("a success applied twice at once commits once: the loser retries and finds the work done", async () => {
    const order = await unpaidOrder({ stock: 5, quantity: 1 });
    const started = await pay(order.shopper, order.payOrderId);
    const ref = await storedSuccess(started.body.paymentId, order.payOrderId, order.payable);
    const deps = {
      db: dbOf(env.DB),
      orders: orderStoreOf(env, systemClock),
      clock: systemClock,
      log,
      producers: env,
      inventory: inventoryOf(env),
    };
    const outcomes = await Promise.allSettled(Array.from({ length: 5 }, () => applyProviderEvent(deps, ref)));
    // A loser of the race is told to retry (version_conflict, retryable), never applies twice.
    for (const o of outcomes) {
      if (o.status === "rejected") expect(o.reason).toMatchObject({ code: "version_conflict", retryable: true });
    }
    await applyProviderEvent(deps, ref);
    expect(await inboxStatus(ref.providerEventId)).toBe("applied");
    expect((await ledgerOf(order.payOrderId)).map((t) => t.kind)).toEqual(["payment_captured"]);
    expect((await stockOf(order.seller, order.skuId)).body).toMatchObject({ reserved: 0, sold: 1 });
  });
});

describe("an event whose queue message was lost", () => {
  it("is queued again by the events cron once it has waited too long, and applied", async () => {
    const order = await unpaidOrder();
    const started = await pay(order.shopper, order.payOrderId);
    const ref = await storedSuccess(started.body.paymentId, order.payOrderId, order.payable);
    const deps = { db: dbOf(env.DB), producers: env };
    // Too fresh: its message may still be on the way.
    expect(await requeueStaleEvents({ ...deps, clock: systemClock })).toBe(0);
    const later = new ManualClock(Date.now() + REQUEUE_AFTER_MS + 1000);
    expect(await requeueStaleEvents({ ...deps, clock: later })).toBeGreaterThanOrEqual(1);
    await eventually(
      () => inboxStatus(ref.providerEventId),
      (s) => s === "applied",
      "requeued event",
    );
    expect((await payOrderOf(order.shopper, order.payOrderId)).body.paymentStatus).toBe("PAID");
  });
});

describe("the pay call's deadline", () => {
  it("answers pay_order_expired once payBy has passed", async () => {
    const order = await unpaidOrder();
    const view = await payOrderOf(order.shopper, order.payOrderId);
    const clock = new ManualClock(Date.parse(view.body.payBy) + 1);
    const deps = {
      orders: orderStoreOf(env, clock),
      clock,
      adapters: paymentAdapters(env as unknown as PaymentsEnv),
      log,
      returnUrlOf: (id: string) => `https://shop.example.com/pay-orders/${id}`,
    };
    const attempt = payPayOrder(deps, { userId: order.shopper.id, payOrderId: order.payOrderId, method: "sandbox" });
    await expect(attempt).rejects.toBeInstanceOf(AppError);
    await expect(attempt).rejects.toMatchObject({ code: "pay_order_expired" });
    expect((await payOrderOf(order.shopper, order.payOrderId)).body).toMatchObject({
      paymentStatus: "UNPAID",
      payments: [],
    });
  });
});
