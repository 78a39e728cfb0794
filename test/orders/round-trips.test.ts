/**
 * What one order costs in round trips: `createOrder` for one unit of one SKU with every D1 call,
 * Durable Object RPC and queue send counted, on the request path (before `createOrder` answers)
 * and after it (what `publish_events` hands to `waitUntil`, as the storefront hands it to the
 * Worker's: started, never waited for). D1: each `batch` is one round trip, and so is each prepared statement executed on its
 * own (`first`, `all`, `run`, `raw`). The counts are asserted exactly, so a change that adds a
 * round trip to checkout fails here and has to say so. So is the CPU that is easiest to waste:
 * drizzle renders each statement sent exactly once (it rendered 1.6 times per statement before
 * `inChunks` kept its check's rendering).
 */
import { env } from "cloudflare:test";
import { beforeAll, describe, expect, it } from "vitest";
import { setQuantity } from "../../shared/cart/cart";
import { createQuote } from "../../shared/checkout/create-quote";
import { QUEUES } from "../../shared/events/queues";
import { inventoryOf } from "../../shared/inventory/binding";
import { createOrder, type OrderDeps } from "../../shared/orders/create-order";
import { orderSettingsSchema } from "../../shared/orders/settings";
import { systemClock } from "../../shared/platform/clock";
import { type Db, dbOf } from "../../shared/platform/db";
import { authEnvSchema, readEnv } from "../../shared/platform/env";
import { countingD1, countingOrderStore, type Trip } from "../helpers/counting-d1";
import { newShopper, skuOnSale } from "../helpers/orders";
import { shopperOnShard, splitSlotsOverTwoShards } from "../helpers/shards";

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

/** The storefront's order deps (workers/storefront/deps.ts `orderDeps`), counted; `later` collects the `waitUntil` work. */
function countedOrderDeps(trips: Trip[], later: Promise<unknown>[]): OrderDeps {
  const tokens = readEnv(authEnvSchema, env);
  return {
    waitUntil: (work) => later.push(work),
    db: dbOf(countingD1(env.DB, trips)),
    orders: countingOrderStore(trips),
    clock: systemClock,
    producers: countingProducers(trips),
    inventory: countingNamespace(inventoryOf(env), "SkuInventory", trips),
    orderNumbers: countingNamespace(env.ORDER_NUMBERS, "OrderNumbers", trips),
    rateLimiter: countingNamespace(env.RATE_LIMITER, "RateLimiter", trips),
    settings: readEnv(orderSettingsSchema, env),
    tokenKey: { secret: tokens.secret, issuer: tokens.issuer },
  };
}

const count = (trips: readonly Trip[], to: string) => trips.filter((t) => t.to === to).length;

/** The statements the trips sent: a batch's each, one for a statement executed on its own. */
const statementsSent = (trips: readonly Trip[]) =>
  trips
    .filter((t) => t.to.startsWith("D1"))
    .reduce((n, t) => n + (t.what.startsWith("batch of ") ? Number.parseInt(t.what.slice(9), 10) : 1), 0);

/** Counts every rendering (SQL text and parameters) drizzle makes through these databases' dialects. */
function countRenders(dbs: readonly Db[]): { renders: number } {
  const counter = { renders: 0 };
  for (const db of new Set(dbs)) {
    const dialect = (db as unknown as { dialect: { sqlToQuery: (...args: unknown[]) => unknown } }).dialect;
    const render = dialect.sqlToQuery.bind(dialect);
    dialect.sqlToQuery = (...args: unknown[]) => {
      counter.renders++;
      return render(...args);
    };
  }
  return counter;
}

/**
 * Places one order of one unit of a fresh SKU (in the shopper's cart first, or not) for a shopper
 * on order shard `shard` (the file splits the slots: shard 1 is another database than the
 * commerce one, shard 0 is the commerce database itself), counting every trip.
 */
async function countedOrder({ inCart, shard }: { inCart: boolean; shard: 0 | 1 }) {
  const { skuId } = await skuOnSale(undefined, { stock: 10 });
  const shopper = await shopperOnShard(shard);
  if (inCart) await setQuantity(dbOf(env.DB), { userId: shopper.id }, systemClock, skuId, 1);
  const trips: Trip[] = [];
  const later: Promise<unknown>[] = [];

  // What publish_events starts is not waited for (the storefront hands it to waitUntil).
  let answered = Number.NaN;
  const deps = {
    ...countedOrderDeps(trips, later),
    hooks: {
      beforeStep: (step: string) => {
        if (step === "publish_events") answered = trips.length;
      },
    },
  };
  const rendering = countRenders([deps.db, ...deps.orders.all().map((shard) => shard.db)]);
  const result = await createOrder(deps, {
    userId: shopper.id,
    ip: "10.9.8.7",
    body: { items: [{ skuId, quantity: 1 }], addressId: shopper.addressId },
  });
  expect(result.orders).toHaveLength(1);
  await Promise.all(later);
  const requestPath = trips.slice(0, answered);
  const afterResponse = trips.slice(answered);

  const counts = {
    d1: count(requestPath, "D1"),
    d1Orders: count(requestPath, "D1 orders"),
    d1Batches: requestPath.filter((t) => t.to.startsWith("D1") && t.what.startsWith("batch")).length,
    objectRpcs:
      count(requestPath, "SkuInventory") + count(requestPath, "OrderNumbers") + count(requestPath, "RateLimiter"),
    skuInventory: count(requestPath, "SkuInventory"),
    orderNumbers: count(requestPath, "OrderNumbers"),
    rateLimiter: count(requestPath, "RateLimiter"),
    queueSends: count(requestPath, "Queue"),
    // Rendering a statement is the costliest part of building it: each is rendered once.
    rendersPerStatement: rendering.renders / statementsSent(trips),
    afterResponse: {
      d1: count(afterResponse, "D1"),
      d1Orders: count(afterResponse, "D1 orders"),
      queueSends: count(afterResponse, "Queue"),
    },
  };
  console.log(
    `createOrder, 1 SKU${inCart ? " (in the cart)" : ""}: ${JSON.stringify(counts)}\n${trips.map((t, i) => `  ${i + 1}. ${t.to}: ${t.what}`).join("\n")}`,
  );
  return { counts, requestPath, afterResponse };
}

/** What an order of one SKU costs on the request path for a shopper on shard 1, wherever its SKU was. */
const REQUEST_PATH = {
  // The checkout facts and the promotions (the shops' threshold discounts) in one batch on the
  // commerce database, sent together with the saga row (the write-ahead record, committed
  // before the stock hold) and the held units on the shopper's shard; then the orders batch there.
  d1: 1,
  d1Orders: 2,
  d1Batches: 3,
  // two rate limits (user, IP), one hold, one block of order numbers
  objectRpcs: 4,
  skuInventory: 1,
  orderNumbers: 1,
  rateLimiter: 2,
  queueSends: 0,
  rendersPerStatement: 1,
};

describe("round trips of one order", () => {
  beforeAll(splitSlotsOverTwoShards);

  it("creates an order of one SKU in 2 D1 round trips (3 requests: 2 to the shopper's order shard, 1 to the commerce database) and 4 object RPCs; its one queue send and 2 D1 writes follow the response", async () => {
    const { counts, requestPath, afterResponse } = await countedOrder({ inCart: true, shard: 1 });
    expect(counts).toEqual({
      ...REQUEST_PATH,
      // order.created and order.payment_timeout in one sendBatch, then their outbox rows deleted on
      // the shard (the outbox resends what a failed send left behind); the ordered line leaves the cart.
      afterResponse: { d1: 1, d1Orders: 1, queueSends: 1 },
    });
    expect(afterResponse.find((t) => t.to === "Queue")?.what).toBe("sendBatch to ORDER_EVENTS");
    // In this order: the shard's batch and the facts' go out together (the first round trip), and
    // so do the two rate limits; the orders batch is the second round trip.
    expect(requestPath.map((t) => t.to)).toEqual([
      "D1 orders",
      "D1",
      "RateLimiter",
      "RateLimiter",
      "SkuInventory",
      "OrderNumbers",
      "D1 orders",
    ]);
  });

  it("writes nothing to the cart after an order of a SKU the cart does not hold (the facts batch read its lines)", async () => {
    const { counts } = await countedOrder({ inCart: false, shard: 1 });
    expect(counts).toEqual({ ...REQUEST_PATH, afterResponse: { d1: 0, d1Orders: 1, queueSends: 1 } });
  });

  it("sends the saga row and the checkout facts as one batch when the shopper's shard is the commerce database (shard 0)", async () => {
    const { counts, requestPath } = await countedOrder({ inCart: true, shard: 0 });
    expect(counts).toEqual({
      ...REQUEST_PATH,
      d1: 0,
      d1Orders: 2,
      d1Batches: 2,
      afterResponse: { d1: 1, d1Orders: 1, queueSends: 1 },
    });
    expect(requestPath.map((t) => t.to)).toEqual([
      "D1 orders",
      "RateLimiter",
      "RateLimiter",
      "SkuInventory",
      "OrderNumbers",
      "D1 orders",
    ]);
  });
});

describe("round trips of the rest of a checkout", () => {
  it("sets a cart line of a signed-in shopper in 2 D1 round trips (the first line creates the cart in the second)", async () => {
    const [a, b] = await Promise.all([skuOnSale(undefined, { stock: 10 }), skuOnSale(undefined, { stock: 10 })]);
    const shopper = await newShopper();
    const owner = { userId: shopper.id };
    const trips: Trip[] = [];
    const db = dbOf(countingD1(env.DB, trips));
    const first = await setQuantity(db, owner, systemClock, a.skuId, 1);
    expect(first.items.map((i) => i.skuId)).toEqual([a.skuId]);
    expect(count(trips, "D1")).toBe(2);
    const second = await setQuantity(db, owner, systemClock, b.skuId, 2);
    expect(second.items.map((i) => [i.skuId, i.quantity])).toEqual([
      [a.skuId, 1],
      [b.skuId, 2],
    ]);
    // Each a read batch (the SKU, the cart, its lines) and a write batch that reads the cart back.
    expect(count(trips, "D1")).toBe(4);
  });

  it("quotes in 1 D1 round trip: the checkout facts and its promotions in one batch", async () => {
    const { skuId } = await skuOnSale(undefined, { stock: 10 });
    const shopper = await newShopper();
    const trips: Trip[] = [];
    const tokens = readEnv(authEnvSchema, env);
    const quote = await createQuote(
      {
        db: dbOf(countingD1(env.DB, trips)),
        clock: systemClock,
        tokenKey: { secret: tokens.secret, issuer: tokens.issuer },
      },
      shopper.id,
      { items: [{ skuId, quantity: 1 }], addressId: shopper.addressId },
    );
    expect(quote.orders).toHaveLength(1);
    expect(trips.map((t) => t.to)).toEqual(["D1"]);
  });
});
