/**
 * Regressions (hardening #11, defect 7): an order batch that committed but whose answer was lost
 * made the saga compensate and release the holds of an order that exists; an Idempotency-Key
 * whose lock lapsed (or whose stored answer was lost) let a retry run a second saga and make a
 * second order.
 */
import { env } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { inventoryOf } from "../../shared/inventory/binding";
import { createOrder } from "../../shared/orders/create-order";
import { SAGA_LEASE_MS } from "../../shared/orders/settings";
import { sweepStaleSagas } from "../../shared/orders/sweeper";
import { ManualClock } from "../../shared/platform/clock";
import { dbOf } from "../../shared/platform/db";
import { newId } from "../../shared/platform/ids";
import { faultyD1, firstBatchesWriting } from "../helpers/faulty-d1";
import { countOnShards, shopperD1 } from "../helpers/order-d1";
import { newShopper, orderDepsFor, ordersThrough, placeOrder, type Shopper, skuOnSale } from "../helpers/orders";

async function setup() {
  const { skuId } = await skuOnSale(undefined, { stock: 10 });
  const shopper = await newShopper();
  const input = {
    userId: shopper.id,
    ip: "10.9.9.8",
    body: { items: [{ skuId, quantity: 3 }], addressId: shopper.addressId },
  };
  return { skuId, shopper, input };
}

async function facts(skuId: string, shopper: Shopper) {
  const view = await inventoryOf(env).getByName(skuId).view();
  const home = await shopperD1(shopper.id);
  const orders = await home
    .prepare("select count(*) as n from orders where user_id = ?")
    .bind(shopper.id)
    .first<{ n: number }>();
  const sagas = await home
    .prepare("select status from order_sagas where user_id = ? order by created_at")
    .bind(shopper.id)
    .all<{ status: string }>();
  return {
    available: view.available,
    reserved: view.reserved,
    orders: orders?.n ?? 0,
    sagas: sagas.results.map((s) => s.status),
  };
}

describe("an order batch whose outcome the runner did not hear", () => {
  it("recovers forward when the batch committed but its answer was lost: the holds stay with the order", async () => {
    const { skuId, shopper, input } = await setup();
    const deps = orderDepsFor(new ManualClock(Date.now()));
    const lossy = {
      ...deps,
      orders: ordersThrough((d1) => faultyD1(d1, { loseBatchAnswer: firstBatchesWriting("pay_orders") })),
    };
    const result = await createOrder(lossy, input);
    expect(result.orders).toHaveLength(1);
    expect(await facts(skuId, shopper)).toEqual({ available: 7, reserved: 3, orders: 1, sagas: ["completed"] });
  });

  it("undoes the checkout when the batch never arrived, fencing the saga first", async () => {
    const { skuId, shopper, input } = await setup();
    const deps = orderDepsFor(new ManualClock(Date.now()));
    const lost = {
      ...deps,
      orders: ordersThrough((d1) => faultyD1(d1, { failBatch: firstBatchesWriting("pay_orders") })),
    };
    await expect(createOrder(lost, input)).rejects.toThrow();
    expect(await facts(skuId, shopper)).toEqual({ available: 10, reserved: 0, orders: 0, sagas: ["compensated"] });
  });

  it("leaves the saga to the sweeper when it cannot even look, and the sweeper undoes it", async () => {
    const { skuId, shopper, input } = await setup();
    const clock = new ManualClock(Date.now());
    const deps = orderDepsFor(clock);
    let batchFailed = false;
    const firstOrderBatch = firstBatchesWriting("pay_orders");
    const dark = (d1: D1Database) =>
      faultyD1(d1, {
        failBatch: (sql) => {
          batchFailed ||= firstOrderBatch(sql);
          return batchFailed;
        },
        // After the batch failed, D1 stays unreachable for this runner.
        failStatement: () => batchFailed,
      });
    await expect(
      createOrder({ ...deps, db: dbOf(dark(env.DB)), orders: ordersThrough(dark) }, input),
    ).rejects.toMatchObject({ code: "unavailable" });
    expect(await facts(skuId, shopper)).toMatchObject({ reserved: 3, orders: 0, sagas: ["running"] });
    clock.advance(SAGA_LEASE_MS + 1);
    expect((await sweepStaleSagas(orderDepsFor(clock))).compensated).toBe(1);
    expect(await facts(skuId, shopper)).toEqual({ available: 10, reserved: 0, orders: 0, sagas: ["compensated"] });
  });
});

describe("one Idempotency-Key, one order", () => {
  it("answers a second attempt with the same request key while the first still runs: in progress, no second saga", async () => {
    const { skuId, shopper, input } = await setup();
    const requestKey = `idem_${newId("request")}`;
    let resume: () => void = () => undefined;
    const paused = new Promise<void>((r) => {
      resume = r;
    });
    let reached: () => void = () => undefined;
    const atReserve = new Promise<void>((r) => {
      reached = r;
    });
    const slow = orderDepsFor(new ManualClock(Date.now()), {
      hooks: {
        beforeStep: async (name) => {
          if (name !== "reserve_stock") return;
          reached();
          await paused;
        },
      },
    });
    const first = createOrder(slow, { ...input, requestKey });
    await atReserve;
    const deps = orderDepsFor(new ManualClock(Date.now()));
    await expect(createOrder(deps, { ...input, requestKey })).rejects.toMatchObject({
      code: "idempotency_in_progress",
    });
    resume();
    const made = await first;
    // Once it finished, the same key answers with the order it made.
    const again = await createOrder(deps, { ...input, requestKey });
    expect(again).toEqual(made);
    expect(await facts(skuId, shopper)).toEqual({ available: 7, reserved: 3, orders: 1, sagas: ["completed"] });
  });

  it("lets a key whose attempt was undone (out of stock) make its order on a later retry", async () => {
    const { skuId } = await skuOnSale(undefined, { stock: 2 });
    const shopper = await newShopper();
    const requestKey = `idem_${newId("request")}`;
    const deps = orderDepsFor(new ManualClock(Date.now()));
    const input = {
      userId: shopper.id,
      ip: "10.9.9.7",
      body: { items: [{ skuId, quantity: 2 }], addressId: shopper.addressId },
      requestKey,
    };
    await inventoryOf(env)
      .getByName(skuId)
      .reserve({
        skuId,
        reservationId: `other-${requestKey}`,
        quantity: 2,
        ttlMs: 60_000,
        actor: "test",
        at: Date.now(),
      });
    await expect(createOrder(deps, input)).rejects.toMatchObject({ code: "out_of_stock" });
    await inventoryOf(env)
      .getByName(skuId)
      .release({ skuId, reservationId: `other-${requestKey}`, actor: "test", at: Date.now(), reason: "test" });
    const made = await createOrder(deps, input);
    expect(made.orders).toHaveLength(1);
  });

  it("through HTTP: a retry after the stored answer was lost and the lock lapsed gets the same order, not a second", async () => {
    const { skuId } = await skuOnSale(undefined, { stock: 10 });
    const shopper = await newShopper();
    const headers = { "Idempotency-Key": `order-${newId("request")}` };
    const body = { items: [{ skuId, quantity: 1 }], addressId: shopper.addressId };
    const first = await placeOrder(shopper, body, headers);
    expect(first.status, JSON.stringify(first.body)).toBe(201);
    // As if storing the answer had failed: the key is still "running", and its lock has lapsed.
    await env.DB.prepare(
      "update idempotency_keys set state = 'running', locked_until = 0, response_body = null, response_status = null where key = ?",
    )
      .bind(headers["Idempotency-Key"])
      .run();
    const retry = await placeOrder(shopper, body, headers);
    expect(retry.status, JSON.stringify(retry.body)).toBe(201);
    expect(retry.body.payOrderId).toBe(first.body.payOrderId);
    expect(await countOnShards("select count(*) as n from orders where user_id = ?", shopper.id)).toBe(1);
  });
});
