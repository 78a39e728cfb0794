/**
 * Order creation (创单, SPEC §4.5) as a saga of steps with compensations:
 *
 *   validate_user → load_products → validate_price → anti_fraud → begin → reserve_stock
 *   → allocate_numbers → snapshots → write_orders → publish
 *
 * `begin` persists the saga (its planned reservations and a lease) before the first step with a
 * side effect outside D1; `write_orders` writes snapshots, the pay order, the orders, their items,
 * their first status-log rows, the saga's completion and the events (outbox) in one atomic D1
 * batch. Failure before that batch undoes the completed steps in reverse (stock released, saga
 * marked compensated). A crash leaves a `running` saga whose lease lapses; the sweeper
 * (sweeper.ts) then releases its reservations, and the object's hold expiry is the last backstop.
 * A crash after the batch loses nothing: the outbox rows are sent by the events cron.
 *
 * Promotions (vouchers, coins) are priced in `priceCheckout`'s slot; reserving and returning them
 * becomes a step between anti_fraud and reserve_stock when they land.
 */
import { and, eq, inArray, sql } from "drizzle-orm";
import { z } from "zod";
import { cartItems, carts, orderItems, orderSagas, orderStatusLog, orders, payOrders } from "../../db/schema";
import type { OrderNumbers } from "../../durable-objects/order-numbers";
import type { RateLimiter } from "../../durable-objects/rate-limiter";
import type { SkuInventory } from "../../durable-objects/sku-inventory";
import {
  type CheckoutFacts,
  checkoutItemsSchema,
  loadCheckoutFacts,
  priceCheckout,
  type Quote,
  type QuoteBody,
  type QuoteClaims,
  verifyQuoteToken,
} from "../checkout/quote";
import { makeEvent } from "../events/messages";
import { type OutboxRow, outboxInsert, outboxRow, sendOutbox } from "../events/outbox";
import type { Producers } from "../events/producer";
import { releaseStock, reserveStock } from "../inventory/stock";
import type { Clock } from "../platform/clock";
import { assertExists, type Db, isAssertionFailure } from "../platform/db";
import { AppError, isAppError } from "../platform/errors";
import { newId } from "../platform/ids";
import type { Logger } from "../platform/logger";
import { enforceRateLimit } from "../platform/rate-limit";
import { invalidField } from "../platform/validation";
import { allocateOrderNumbers } from "./order-numbers";
import { CompensationFailed, runSaga, type SagaHooks, SimulatedCrash, type Step } from "./saga";
import { HOLD_MARGIN_MS, type OrderSettings, SAGA_LEASE_MS } from "./settings";
import { type OrderSnapshot, snapshotInsert, snapshotOf } from "./snapshots";
import { INITIAL } from "./state-machine";

export const createOrderBody = z.union([
  z.object({ quoteToken: z.string().min(1).max(8192) }).strict(),
  z
    .object({
      items: checkoutItemsSchema,
      addressId: z.string().min(1).max(64).optional(),
    })
    .strict(),
]);
export type CreateOrderBody = z.infer<typeof createOrderBody>;

export const createOrderResponse = z.object({
  payOrderId: z.string(),
  orders: z.array(
    z.object({
      orderId: z.string(),
      sellerId: z.string(),
      status: z.literal("CREATED"),
      total: z.object({ amount: z.number().int(), currency: z.string() }),
    }),
  ),
  payable: z.object({ amount: z.number().int(), currency: z.string() }),
  payBy: z.string(),
});
export type CreateOrderResult = z.infer<typeof createOrderResponse>;

export interface OrderDeps {
  db: Db;
  clock: Clock;
  producers: Producers;
  inventory: DurableObjectNamespace<SkuInventory>;
  orderNumbers: DurableObjectNamespace<OrderNumbers>;
  rateLimiter: DurableObjectNamespace<RateLimiter>;
  settings: OrderSettings;
  tokenKey: { secret: string; issuer: string };
  log?: Logger;
  /**
   * Runs work after the response (the Worker's `waitUntil`). When given, the events of a
   * committed order are sent after answering; the outbox covers a send that never happens.
   */
  waitUntil?: (work: Promise<unknown>) => void;
  /** Tests fail or crash chosen steps through these. */
  hooks?: SagaHooks;
}

export interface PlannedReservation {
  skuId: string;
  reservationId: string;
  quantity: number;
}

/** What the saga row keeps for the sweeper. */
export interface SagaContext {
  reservations: PlannedReservation[];
}

interface Ctx {
  sagaId: string;
  userId: string;
  ip: string;
  now: number;
  body: CreateOrderBody;
  claims: QuoteClaims | null;
  facts?: CheckoutFacts;
  quote?: Quote;
  reservations: PlannedReservation[];
  numbers?: { payOrderId: string; orderIds: string[] };
  snapshots?: Map<string, OrderSnapshot>;
  outbox: OutboxRow[];
  result?: CreateOrderResult;
}

const need = <T>(value: T | undefined, what: string): T => {
  if (value === undefined) throw new Error(`saga step ran before ${what} was known`);
  return value;
};

function steps(deps: OrderDeps): Step<Ctx>[] {
  const { db } = deps;
  return [
    {
      name: "validate_user",
      async run(ctx) {
        const items = "items" in ctx.body ? ctx.body.items : (ctx.claims?.items ?? []);
        const addressId = "items" in ctx.body ? ctx.body.addressId : (ctx.claims?.addressId ?? undefined);
        ctx.facts = await loadCheckoutFacts(
          db,
          { userId: ctx.userId, skuIds: items.map((i) => i.skuId), addressId },
          ctx.now,
        );
        if (ctx.facts.user?.status !== 1) {
          throw new AppError("forbidden", { detail: "The account cannot place orders" });
        }
      },
    },
    {
      name: "load_products",
      async run(ctx) {
        const body: QuoteBody =
          "items" in ctx.body
            ? ctx.body
            : {
                items: (ctx.claims?.items ?? []).map(({ skuId, quantity }) => ({ skuId, quantity })),
                ...(ctx.claims?.addressId ? { addressId: ctx.claims.addressId } : {}),
              };
        ctx.quote = priceCheckout(need(ctx.facts, "the facts"), body);
      },
    },
    {
      name: "validate_price",
      async run(ctx) {
        if (!ctx.claims) return;
        const quote = need(ctx.quote, "the quote");
        const current = new Map(quote.orders.flatMap((o) => o.lines.map((l) => [l.skuId, l.unitPrice])));
        const changes = ctx.claims.items
          .filter((i) => current.get(i.skuId) !== i.unitPrice)
          .map((i) => ({
            skuId: i.skuId,
            quoted: { amount: i.unitPrice, currency: ctx.claims?.currency },
            current: { amount: current.get(i.skuId) ?? null, currency: quote.currency },
          }));
        if (changes.length > 0 || quote.payable !== ctx.claims.payable || quote.currency !== ctx.claims.currency) {
          throw new AppError("price_changed", {
            detail: "Prices or fees changed since the quote; ask for a new quote",
            extensions: {
              changes,
              quotedPayable: { amount: ctx.claims.payable, currency: ctx.claims.currency },
              payable: { amount: quote.payable, currency: quote.currency },
            },
          });
        }
      },
    },
    {
      name: "anti_fraud",
      async run(ctx) {
        const quote = need(ctx.quote, "the quote");
        if (quote.payable > deps.settings.maxPayable) {
          throw new AppError("unprocessable", {
            detail: `An order may not exceed ${deps.settings.maxPayable} minor units; split the checkout`,
            extensions: { reason: "amount_cap", limit: deps.settings.maxPayable },
          });
        }
        const minute = { windowMs: 60_000 };
        await Promise.all([
          enforceRateLimit(
            deps.rateLimiter,
            `orders:user:${ctx.userId}`,
            { ...minute, limit: deps.settings.userLimitPerMinute },
            ctx.now,
          ),
          enforceRateLimit(
            deps.rateLimiter,
            `orders:ip:${ctx.ip}`,
            { ...minute, limit: deps.settings.ipLimitPerMinute },
            ctx.now,
          ),
        ]);
      },
    },
    {
      name: "begin",
      async run(ctx) {
        const quote = need(ctx.quote, "the quote");
        ctx.reservations = quote.orders.flatMap((o) =>
          o.lines.map((l) => ({ skuId: l.skuId, reservationId: `${ctx.sagaId}:${l.skuId}`, quantity: l.quantity })),
        );
        const context: SagaContext = { reservations: ctx.reservations };
        try {
          await db.insert(orderSagas).values({
            id: ctx.sagaId,
            userId: ctx.userId,
            quoteId: ctx.claims?.quoteId ?? null,
            status: "running",
            context: JSON.stringify(context),
            leaseUntil: ctx.now + SAGA_LEASE_MS,
            createdAt: ctx.now,
            updatedAt: ctx.now,
          });
        } catch (err) {
          if (/UNIQUE constraint failed: order_sagas\.quote_id/.test(String((err as Error)?.cause ?? err))) {
            throw new AppError("quote_used", {
              detail: "This quote was already used for an order; ask for a new quote to order again",
            });
          }
          throw err;
        }
      },
      async compensate(ctx) {
        await db
          .update(orderSagas)
          .set({ status: "compensated", updatedAt: deps.clock.now() })
          .where(and(eq(orderSagas.id, ctx.sagaId), sql`${orderSagas.status} IN ('running', 'compensating')`));
      },
    },
    {
      name: "reserve_stock",
      async run(ctx) {
        const priorities = need(ctx.facts, "the facts").warehousePriorities;
        const shopOf = new Map(
          need(ctx.quote, "the quote").orders.flatMap((o) => o.lines.map((l) => [l.skuId, o.shopId])),
        );
        const payBy = ctx.now + deps.settings.holdMs;
        const outcomes = await Promise.allSettled(
          ctx.reservations.map((r) =>
            reserveStock(deps.inventory, {
              ...r,
              priorities: priorities.get(shopOf.get(r.skuId) ?? "") ?? {},
              ttlMs: payBy + HOLD_MARGIN_MS - ctx.now,
              actor: `order:${ctx.sagaId}`,
              at: ctx.now,
            }),
          ),
        );
        const failure = outcomes.find((o): o is PromiseRejectedResult => o.status === "rejected");
        if (failure) {
          // This step's own partial work: the holds that did go through (and tombstones for the rest).
          try {
            await releaseAll(deps, ctx.reservations, ctx.sagaId, "checkout failed");
          } catch (cause) {
            throw new CompensationFailed("reserve_stock", failure.reason, cause);
          }
          throw failure.reason;
        }
      },
      async compensate(ctx) {
        await releaseAll(deps, ctx.reservations, ctx.sagaId, "checkout failed");
      },
    },
    {
      name: "allocate_numbers",
      async run(ctx) {
        const count = need(ctx.quote, "the quote").orders.length + 1;
        const [payOrderId, ...orderIds] = await allocateOrderNumbers(
          deps.orderNumbers,
          ctx.userId,
          count,
          ctx.now,
          deps.settings.numberMachines,
        );
        ctx.numbers = { payOrderId: need(payOrderId, "the pay order number"), orderIds };
      },
    },
    {
      name: "snapshots",
      async run(ctx) {
        const lines = need(ctx.quote, "the quote").orders.flatMap((o) => o.lines);
        const snapshots = await Promise.all(lines.map((l) => snapshotOf(l.fact)));
        ctx.snapshots = new Map(snapshots.map((s) => [s.skuId, s]));
      },
    },
    {
      name: "write_orders",
      pivot: true,
      async run(ctx) {
        await writeOrders(deps, ctx);
      },
    },
    {
      // The orders are committed; events the send misses stay in the outbox for the events cron.
      name: "publish",
      async run(ctx) {
        const sending = sendOutbox(db, deps.producers, ctx.outbox, deps.clock.now());
        if (!deps.waitUntil) return sending;
        deps.waitUntil(
          sending.catch((err) =>
            deps.log?.warn("order events left in the outbox", { sagaId: ctx.sagaId, error: String(err) }),
          ),
        );
      },
    },
  ];
}

async function releaseAll(deps: OrderDeps, reservations: PlannedReservation[], sagaId: string, reason: string) {
  await Promise.all(
    reservations.map((r) =>
      releaseStock(deps.inventory, {
        skuId: r.skuId,
        reservationId: r.reservationId,
        actor: `order:${sagaId}`,
        at: deps.clock.now(),
        reason,
      }),
    ),
  );
}

async function writeOrders(deps: OrderDeps, ctx: Ctx): Promise<void> {
  const { db } = deps;
  const quote = need(ctx.quote, "the quote");
  const numbers = need(ctx.numbers, "the numbers");
  const snapshots = need(ctx.snapshots, "the snapshots");
  const now = ctx.now;
  const payBy = now + deps.settings.holdMs;
  const address = quote.address ? JSON.stringify(addressCopy(quote.address)) : null;
  const statements = [];
  for (const snapshot of snapshots.values()) statements.push(snapshotInsert(db, snapshot, now));
  statements.push(
    db.insert(payOrders).values({
      id: numbers.payOrderId,
      userId: ctx.userId,
      sagaId: ctx.sagaId,
      currency: quote.currency,
      payAmount: quote.payable,
      cashAmount: quote.payable,
      paymentStatus: INITIAL.payment,
      payBy,
      createdAt: now,
      updatedAt: now,
    }),
  );
  const views: CreateOrderResult["orders"] = [];
  quote.orders.forEach((o, i) => {
    const orderId = need(numbers.orderIds[i], "an order number");
    statements.push(
      db.insert(orders).values({
        id: orderId,
        payOrderId: numbers.payOrderId,
        userId: ctx.userId,
        shopId: o.shopId,
        kind: o.kind,
        status: INITIAL.order,
        paymentStatus: INITIAL.payment,
        fulfillmentStatus: INITIAL.fulfillment,
        refundStatus: INITIAL.refund,
        currency: quote.currency,
        itemsAmount: o.subtotal,
        shippingFee: o.shippingFee,
        discountAmount: o.discount,
        totalAmount: o.total,
        address: o.kind === "physical" ? address : null,
        createdAt: now,
        updatedAt: now,
      }),
      db.insert(orderItems).values(
        o.lines.map((l) => ({
          id: newId("orderItem", now),
          orderId,
          skuId: l.skuId,
          productId: l.productId,
          snapshotId: need(snapshots.get(l.skuId), "a snapshot").id,
          quantity: l.quantity,
          unitPrice: l.unitPrice,
          discount: l.discount,
          paidAmount: l.lineTotal - l.discount,
          reservationId: `${ctx.sagaId}:${l.skuId}`,
          status: "CREATED",
          createdAt: now,
        })),
      ),
      db.insert(orderStatusLog).values({
        id: newId("statusLog", now),
        entityType: "order",
        entityId: orderId,
        field: "status",
        fromStatus: null,
        toStatus: INITIAL.order,
        event: "create",
        actor: `user:${ctx.userId}`,
        at: now,
      }),
    );
    views.push({
      orderId,
      sellerId: o.shopId,
      status: "CREATED",
      total: { amount: o.total, currency: quote.currency },
    });
  });
  // What was ordered leaves the shopper's cart (other lines stay).
  statements.push(
    db.delete(cartItems).where(
      and(
        inArray(cartItems.cartId, db.select({ id: carts.id }).from(carts).where(eq(carts.userId, ctx.userId))),
        inArray(
          cartItems.skuId,
          quote.orders.flatMap((o) => o.lines.map((l) => l.skuId)),
        ),
      ),
    ),
  );
  // The saga closes in the same batch, unless the sweeper took it over meanwhile (then the whole
  // batch rolls back and this runner compensates).
  statements.push(
    db
      .update(orderSagas)
      .set({ status: "completed", version: 2, updatedAt: now })
      .where(and(eq(orderSagas.id, ctx.sagaId), eq(orderSagas.status, "running"), eq(orderSagas.version, 1))),
    assertExists(db, sql`SELECT 1 FROM order_sagas WHERE id = ${ctx.sagaId} AND status = 'completed'`),
  );
  const created = makeEvent(
    "order.created",
    {
      payOrderId: numbers.payOrderId,
      userId: ctx.userId,
      orderIds: views.map((v) => v.orderId),
      payAmount: quote.payable,
      currency: quote.currency,
    },
    now,
  );
  const timeout = makeEvent("order.payment_timeout", { payOrderId: numbers.payOrderId, payBy }, now);
  const events = [outboxRow("order-events", created), outboxRow("order-events", timeout, { deliverAt: payBy })];
  statements.push(...events.map((row) => outboxInsert(db, row)));
  try {
    await db.batch(statements as never);
  } catch (err) {
    if (isAssertionFailure(err)) {
      throw new AppError("conflict", {
        detail: "The checkout took too long and was undone; try again",
        retryable: true,
      });
    }
    throw err;
  }
  ctx.outbox = events;
  ctx.result = {
    payOrderId: numbers.payOrderId,
    orders: views,
    payable: { amount: quote.payable, currency: quote.currency },
    payBy: new Date(payBy).toISOString(),
  };
}

function addressCopy(a: NonNullable<Quote["address"]>) {
  return {
    addressId: a.id,
    recipient: a.recipient,
    phone: a.phone,
    country: a.country,
    province: a.province,
    city: a.city,
    district: a.district,
    line1: a.line1,
    line2: a.line2,
    postalCode: a.postalCode,
  };
}

/** Creates a pay order and one order per seller from a quote token or items directly. */
export async function createOrder(
  deps: OrderDeps,
  input: { userId: string; ip: string; body: CreateOrderBody },
): Promise<CreateOrderResult> {
  const now = deps.clock.now();
  const claims =
    "quoteToken" in input.body ? await verifyQuoteToken(input.body.quoteToken, input.userId, deps.tokenKey, now) : null;
  if (claims && claims.items.length === 0) throw invalidField("quoteToken", "lists no items");
  const ctx: Ctx = {
    sagaId: newId("saga", now),
    userId: input.userId,
    ip: input.ip,
    now,
    body: input.body,
    claims,
    reservations: [],
    outbox: [],
  };
  try {
    const { forwardFailures } = await runSaga(steps(deps), ctx, deps.hooks);
    for (const failure of forwardFailures) {
      deps.log?.warn("order saga step left to forward recovery", {
        sagaId: ctx.sagaId,
        step: failure.step,
        error: String(failure.error),
      });
    }
  } catch (err) {
    if (err instanceof SimulatedCrash) throw err;
    if (err instanceof CompensationFailed) {
      deps.log?.error("order saga left to the sweeper", {
        sagaId: ctx.sagaId,
        step: err.step,
        error: String(err.cause),
      });
      throw new AppError("unavailable", { detail: "The order could not be placed; try again", retryable: true });
    }
    if (!isAppError(err)) deps.log?.error("order saga failed", { sagaId: ctx.sagaId, error: String(err) });
    await recordFailure(deps.db, ctx.sagaId, err, deps.clock.now());
    throw err;
  }
  return need(ctx.result, "the result");
}

/** Notes why a saga failed on its row (when it got as far as having one). */
async function recordFailure(db: Db, sagaId: string, err: unknown, now: number): Promise<void> {
  const reason = isAppError(err) ? err.code : err instanceof Error ? err.name : "error";
  try {
    await db.update(orderSagas).set({ error: reason, updatedAt: now }).where(eq(orderSagas.id, sagaId));
  } catch {
    // Best effort: the saga's status already says what happened.
  }
}

/** The saga's step names in order (tests fail and crash each in turn). */
export const ORDER_STEP_NAMES: readonly string[] = steps({} as OrderDeps).map((s) => s.name);
