/**
 * What one order costs in round trips: `createOrder` for one unit of one SKU with every D1 call,
 * Durable Object RPC and queue send counted. D1: each `batch` is one round trip, and so is each
 * prepared statement executed on its own (`first`, `all`, `run`, `raw`). The counts are asserted
 * exactly, so a change that adds a round trip to checkout fails here and has to say so.
 */
import { env } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { QUEUES } from "../../shared/events/queues";
import { inventoryOf } from "../../shared/inventory/binding";
import { createOrder, type OrderDeps } from "../../shared/orders/create-order";
import { orderSettingsSchema } from "../../shared/orders/settings";
import { systemClock } from "../../shared/platform/clock";
import { dbOf } from "../../shared/platform/db";
import { authEnvSchema, readEnv } from "../../shared/platform/env";
import { countingD1, type Trip } from "../helpers/counting-d1";
import { newShopper, skuOnSale } from "../helpers/orders";

/** A Durable Object namespace whose stubs count every RPC call into `trips`. */
function countingNamespace<N extends object>(ns: N, label: string, trips: Trip[]): N {
  const stubOf = (stub: object, name: string) =>
    new Proxy(stub, {
      get(target, prop) {
        const value = Reflect.get(target, prop, target);
        if (typeof value !== "function" || typeof prop !== "string") return value;
        return (...args: unknown[]) => {
          trips.push({ to: label, what: `${prop} (${name})` });
          return Reflect.apply(value, target, args);
        };
      },
    });
  return new Proxy(ns, {
    get(target, prop) {
      const value = Reflect.get(target, prop, target);
      if (typeof value !== "function") return value;
      if (prop === "getByName" || prop === "get") {
        return (...args: unknown[]) => stubOf(Reflect.apply(value, target, args), String(args[0]));
      }
      return value.bind(target);
    },
  });
}

/** The queue producers, counting every send. */
function countingProducers(trips: Trip[]): OrderDeps["producers"] {
  const producers: OrderDeps["producers"] = {};
  for (const binding of Object.values(QUEUES)) {
    producers[binding] = new Proxy(env[binding], {
      get(target, prop) {
        const value = Reflect.get(target, prop, target);
        if (typeof value !== "function") return value;
        if (prop === "send" || prop === "sendBatch") {
          return (...args: unknown[]) => {
            trips.push({ to: "Queue", what: `${prop} to ${binding}` });
            return Reflect.apply(value, target, args);
          };
        }
        return value.bind(target);
      },
    });
  }
  return producers;
}

/** The storefront's order deps (workers/storefront/deps.ts `orderDeps`), counted. */
function countedOrderDeps(trips: Trip[]): OrderDeps {
  const tokens = readEnv(authEnvSchema, env);
  return {
    db: dbOf(countingD1(env.DB, trips)),
    clock: systemClock,
    producers: countingProducers(trips),
    inventory: countingNamespace(inventoryOf(env), "SkuInventory", trips),
    orderNumbers: countingNamespace(env.ORDER_NUMBERS, "OrderNumbers", trips),
    rateLimiter: countingNamespace(env.RATE_LIMITER, "RateLimiter", trips),
    settings: readEnv(orderSettingsSchema, env),
    tokenKey: { secret: tokens.secret, issuer: tokens.issuer },
  };
}

describe("round trips of one order", () => {
  it("creates an order of one SKU in 4 D1 round trips, 4 object RPCs and 2 queue sends", async () => {
    const { skuId } = await skuOnSale(undefined, { stock: 10 });
    const shopper = await newShopper();
    const trips: Trip[] = [];

    const result = await createOrder(countedOrderDeps(trips), {
      userId: shopper.id,
      ip: "10.9.8.7",
      body: { items: [{ skuId, quantity: 1 }], addressId: shopper.addressId },
    });
    expect(result.orders).toHaveLength(1);

    const count = (to: string) => trips.filter((t) => t.to === to).length;
    const counts = {
      d1: count("D1"),
      d1Batches: trips.filter((t) => t.to === "D1" && t.what.startsWith("batch")).length,
      objectRpcs: count("SkuInventory") + count("OrderNumbers") + count("RateLimiter"),
      skuInventory: count("SkuInventory"),
      orderNumbers: count("OrderNumbers"),
      rateLimiter: count("RateLimiter"),
      queueSends: count("Queue"),
    };
    console.log(
      `createOrder, 1 SKU: ${JSON.stringify(counts)}\n${trips.map((t, i) => `  ${i + 1}. ${t.to}: ${t.what}`).join("\n")}`,
    );
    expect(counts).toEqual({
      // checkout facts (batch), the shops' running threshold discounts (promotions, issue #15; to be
      // folded into the facts batch by issue #21), saga row (insert), orders (batch), outbox rows
      // deleted after the sends
      d1: 5,
      d1Batches: 2,
      // two rate limits (user, IP), one hold, one block of order numbers
      objectRpcs: 4,
      skuInventory: 1,
      orderNumbers: 1,
      rateLimiter: 2,
      // order.created and order.payment_timeout
      queueSends: 2,
    });
    // In this order (the two rate limits go out together).
    expect(trips.map((t) => t.to)).toEqual([
      "D1",
      "D1",
      "RateLimiter",
      "RateLimiter",
      "D1",
      "SkuInventory",
      "OrderNumbers",
      "D1",
      "Queue",
      "Queue",
      "D1",
    ]);
  });
});
