/**
 * The pivot: snapshots, pay order, orders, items, discounts, status log, events and the saga's
 * completion in one D1 batch on the shopper's order shard, behind the slot's fence (a slot being
 * moved refuses it whole: 409 `order_slot_moving`, and the saga undoes what it held). The cart
 * lives in the commerce database; publish_events clears the ordered lines after the commit.
 */
import { and, eq, sql } from "drizzle-orm";
import { orderItems, orderSagas, orderStatusLog, orders, payOrders } from "../../../db/schema";
import type { Quote } from "../../checkout/pricing";
import { makeEvent } from "../../events/messages";
import { outboxInsert, outboxRow } from "../../events/outbox";
import { actorText } from "../../platform/actor";
import { inChunks } from "../../platform/d1-chunks";
import { assertExists, type Db, isAssertionFailure } from "../../platform/db";
import { AppError, isAppError } from "../../platform/errors";
import { newId } from "../../platform/ids";
import { orderDiscountInserts } from "../../promotions/holds";
import type { CreateOrderResult } from "../create-order";
import { OutcomeUnknown, type Step } from "../saga";
import { snapshotInsert } from "../snapshots";
import { INITIAL } from "../state-machine";
import { need, type OrderContext, type OrderDeps, reservationIdOf } from "./context";

export function writeOrdersStep(deps: OrderDeps): Step<OrderContext> {
  return {
    name: "write_orders",
    pivot: true,
    async run(ctx) {
      await writeOrders(deps, ctx);
    },
  };
}

async function writeOrders(deps: OrderDeps, ctx: OrderContext): Promise<void> {
  const { db } = ctx.home;
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
      coinAmount: quote.coinsUsed,
      voucherAmount: quote.orders
        .flatMap((o) => o.discounts)
        .filter((d) => d.source === "shop_voucher" || d.source === "platform_voucher")
        .reduce((acc, d) => acc + d.amount, 0),
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
      ...inChunks(
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
          reservationId: reservationIdOf(ctx.sagaId, l.skuId),
          rechargeTarget: l.rechargeTarget,
          status: "CREATED" as const,
          createdAt: now,
        })),
        (rows) => db.insert(orderItems).values(rows),
      ),
      ...orderDiscountInserts(db, {
        orderId,
        sagaId: ctx.sagaId,
        skuIds: o.lines.map((l) => l.skuId),
        discounts: o.discounts,
        now,
      }),
      db.insert(orderStatusLog).values({
        id: newId("statusLog", now),
        entityType: "order",
        entityId: orderId,
        field: "status",
        fromStatus: null,
        toStatus: INITIAL.order,
        event: "create",
        actor: actorText({ type: "user", id: ctx.userId }),
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
    await ctx.home.batch(statements);
  } catch (err) {
    if (isAppError(err)) throw err; // the slot's fence: nothing was written
    if (isAssertionFailure(err)) {
      throw new AppError("checkout_timed_out", {
        detail: "The checkout took too long and was undone; try again",
        retryable: true,
      });
    }
    // The batch failed without saying why: it may have committed (the answer was lost on the way
    // back). Look before undoing anything: compensating a committed order would release the
    // stock of an order that exists.
    if ((await fenceOrFindCommitted(ctx.home.db, deps, ctx.sagaId)) === "fenced") throw err;
    deps.log?.warn("order batch failed after it committed; recovering forward", { sagaId: ctx.sagaId });
  }
  ctx.outbox = events;
  ctx.result = {
    payOrderId: numbers.payOrderId,
    orders: views,
    payable: { amount: quote.payable, currency: quote.currency },
    payBy: new Date(payBy).toISOString(),
  };
}

/**
 * After an ambiguous batch failure: either the batch committed (the saga is `completed`), or this
 * runner fences the saga (running → compensating, a new version) so that a batch still in flight
 * can no longer commit (it requires `running` at version 1), and then compensates as usual. When
 * even that cannot be done, nobody knows: leave the saga to the sweeper, which fences the same way.
 */
async function fenceOrFindCommitted(db: Db, deps: OrderDeps, sagaId: string): Promise<"fenced" | "committed"> {
  try {
    const now = deps.clock.now();
    const fenced = await db
      .update(orderSagas)
      .set({ status: "compensating", version: sql`${orderSagas.version} + 1`, updatedAt: now })
      .where(and(eq(orderSagas.id, sagaId), eq(orderSagas.status, "running"), eq(orderSagas.version, 1)))
      .returning({ id: orderSagas.id });
    if (fenced.length === 1) return "fenced";
    const saga = await db.query.orderSagas.findFirst({
      where: eq(orderSagas.id, sagaId),
      columns: { status: true },
    });
    if (saga?.status === "completed") return "committed";
    // Someone else (the sweeper) took it over: it undoes the saga, and so may this runner.
    return "fenced";
  } catch (cause) {
    throw new OutcomeUnknown("write_orders", cause);
  }
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
