/**
 * Virtual goods (the seed's data pack): delivered through the top-up provider as soon as they are
 * paid, without a seller or a parcel (SPEC §4.7; API.md "The paid order's life").
 *
 *   order.paid → order FULFILLING, fulfillment PROCESSING → each item topped up at its recharge
 *   target → every item delivered: order COMPLETED, fulfillment DELIVERED, at once
 *                              → a decline: refund the whole order (failed_fulfillment)
 *                              → a time-out: `fulfillment.topup_timed_out` sent delayed by the
 *                                backoff, whose arrival is the next attempt; after the last one,
 *                                the provider is asked for the top-up by reference, and unless it
 *                                says delivered the whole order is refunded.
 *
 * A refund (shared/refunds refundWholeOrder, reason `failed_fulfillment`) commits in one batch with
 * the order's move to CANCELLED and fulfillment FAILED; it is then paid out like any refund and the
 * order's payment status turns REFUNDED with the provider's refund.updated. The units, never
 * delivered, go back on sale.
 *
 * Exactly once in effect: each item's top-up carries an idempotency key derived from the item, so a
 * redelivered `order.paid`, a duplicated retry or two attempts racing top it up once (the provider
 * answers the first top-up again); every move is a compare-and-set through the state machine, so of
 * two racing attempts one completes (or refunds) and the other finds nothing left to do. Nothing
 * sleeps in the consumer: a retry waits in the queue.
 *
 * Across order shards (issue #20): the order and its items are read and moved on the order's shard
 * (the order number names it), each move behind the slot's fence; the coins a delivered order earns
 * go to the commerce ledger after its completion commits (complete-order.ts `afterCompletion`).
 */
import { and, eq, sql } from "drizzle-orm";
import type { BatchItem } from "drizzle-orm/batch";
import { orderItems, orders } from "../../db/schema";
import type { ConsumerDeps } from "../events/consumer";
import { makeEvent } from "../events/messages";
import { publish } from "../events/producer";
import { returnSoldStock } from "../inventory/stock";
import type { OrderHome } from "../orders/order-store";
import { actorText, SYSTEM_ACTOR } from "../platform/actor";
import { type Db, isAssertionFailure } from "../platform/db";
import { AppError } from "../platform/errors";
import type { Currency } from "../platform/money";
import { refundWholeOrder } from "../refunds/place-refund";
import { afterCompletion } from "./complete-order";
import { type Change, moveOrder, newChange, type OrderRow } from "./status-writes";
import { type TopupOutcome, topupKeyOf } from "./topup-provider";
import { retryDelaySeconds, type TopupService } from "./topup-service";

type Deps = Pick<ConsumerDeps, "db" | "orders" | "clock" | "log" | "producers" | "inventory" | "topups" | "promotions">;

/** The refund reason of a virtual order whose top-up failed (API.md). */
export const FAILED_FULFILLMENT = "failed_fulfillment";

/** The id of the retry scheduled after attempt `attempt` of `orderId` timed out: one per attempt. */
export function topupRetryEventId(orderId: string, attempt: number): string {
  return `evt_topup_${orderId}_${attempt}`;
}

/** The `order.paid` step for virtual goods: the first attempt. */
export async function startVirtualFulfillment(deps: Deps, orderId: string): Promise<void> {
  await attemptDelivery(deps, orderId, 1);
}

/** A scheduled retry arrived (`fulfillment.topup_timed_out` after attempt `attempt`): the next attempt. */
export async function retryVirtualFulfillment(deps: Deps, data: { orderId: string; attempt: number }): Promise<void> {
  await attemptDelivery(deps, data.orderId, data.attempt + 1);
}

function loadOrder(db: Db, orderId: string): Promise<OrderRow | undefined> {
  return db.query.orders.findFirst({ where: eq(orders.id, orderId) });
}

function deliverableItems(db: Db, orderId: string) {
  return db
    .select({
      id: orderItems.id,
      quantity: orderItems.quantity,
      unitPrice: orderItems.unitPrice,
      rechargeTarget: orderItems.rechargeTarget,
    })
    .from(orderItems)
    .where(eq(orderItems.orderId, orderId))
    .orderBy(orderItems.id);
}

/** A compare-and-set that lost: someone moved the order meanwhile; a redelivery decides again. */
async function commitMove(home: OrderHome, statements: BatchItem<"sqlite">[], orderId: string): Promise<void> {
  try {
    await home.batch(statements);
  } catch (err) {
    if (!isAssertionFailure(err)) throw err;
    throw new AppError("version_conflict", { detail: `Order ${orderId} changed meanwhile`, retryable: true });
  }
}

async function attemptDelivery(deps: Deps, orderId: string, attempt: number): Promise<void> {
  const service = deps.topups;
  const adapter = service?.adapter;
  if (!service || !adapter) {
    throw new AppError("unavailable", {
      detail: "No top-up provider is configured here; the virtual order waits (set SANDBOX_API_URL in dev)",
      retryable: true,
    });
  }
  const log = deps.log.child({ orderId, attempt });
  const home = await deps.orders.homeOfOrder(orderId);
  const { db } = home;
  let order = await loadOrder(db, orderId);
  if (!order) throw new AppError("not_found", { detail: `No order ${orderId}` });
  if (order.status === "PAID" && order.fulfillmentStatus === "NONE") {
    const change = newChange(SYSTEM_ACTOR, deps.clock.now());
    await commitMove(
      home,
      moveOrder(db, order, { order: "start_fulfillment", fulfillment: "process" }, change),
      orderId,
    );
    order = await loadOrder(db, orderId);
  }
  if (order?.cancelReason === FAILED_FULFILLMENT) {
    // Refunded already: finish what the refund's handler may not have (its units back on sale).
    await returnUndelivered(deps, db, order.id);
    return;
  }
  // Delivered, or cancelled otherwise (a redelivery, a retry that lost a race): nothing to do.
  if (order?.status !== "FULFILLING" || order.fulfillmentStatus !== "PROCESSING") {
    log.info("virtual order has nothing left to deliver", {
      status: order?.status,
      fulfillment: order?.fulfillmentStatus,
    });
    return;
  }
  const items = await deliverableItems(db, orderId);
  const outcomes: TopupOutcome[] = [];
  for (const item of items) {
    // Captured at checkout for every virtual line; an item without one can never be delivered.
    if (item.rechargeTarget === null) {
      outcomes.push({ status: "declined", providerTopupId: null, code: "no_recharge_target" });
      continue;
    }
    outcomes.push(
      await adapter.topup({
        reference: item.id,
        target: item.rechargeTarget,
        amount: { amount: item.unitPrice * item.quantity, currency: order.currency as Currency },
        idempotencyKey: topupKeyOf(item.id),
      }),
    );
  }
  const declined = outcomes.find((o) => o.status === "declined");
  if (declined) {
    log.warn("top-up declined: refunding the order", { code: declined.code });
    await failDelivery(deps, home, order, `top-up declined (${declined.code})`);
    return;
  }
  const timedOut = items.filter((_, i) => outcomes[i]?.status === "timed_out");
  if (timedOut.length > 0) {
    if (attempt < service.maxAttempts) {
      await scheduleRetry(deps, service, orderId, attempt);
      log.warn("top-up timed out: retrying later", { items: timedOut.length, of: service.maxAttempts });
      return;
    }
    // The last answer was lost too: the provider's own record says whether it went through.
    const found = await Promise.all(timedOut.map((item) => adapter.find(item.id)));
    if (!found.every((f) => f?.status === "succeeded")) {
      log.warn("top-up still timed out after the last attempt: refunding the order", { attempts: attempt });
      await failDelivery(deps, home, order, `top-up timed out ${attempt} times`);
      return;
    }
  }
  const change = newChange(SYSTEM_ACTOR, deps.clock.now());
  await commitMove(home, moveOrder(db, order, { order: "deliver_virtual", fulfillment: "deliver" }, change), orderId);
  await afterCompletion({ ...deps, log }, home, order, change.now);
  log.info("virtual order delivered and completed", { items: items.length });
}

/** Schedules attempt `attempt + 1`: the retry message, delayed by the backoff. */
async function scheduleRetry(deps: Deps, service: TopupService, orderId: string, attempt: number): Promise<void> {
  const event = makeEvent("fulfillment.topup_timed_out", { orderId, attempt }, deps.clock.now());
  // Sent directly rather than through the outbox: nothing else commits with it, and if the send
  // fails the message being handled is retried, which asks the provider again under the same key.
  await publish(
    deps.producers,
    "fulfillment-events",
    { ...event, id: topupRetryEventId(orderId, attempt) },
    { delaySeconds: retryDelaySeconds(service, attempt) },
  );
}

/** The order as it fails: CANCELLED with fulfillment FAILED and the reason, in the refund's batch. */
function failedStatements(db: Db, order: OrderRow, change: Change): BatchItem<"sqlite">[] {
  return [
    ...moveOrder(db, order, { order: "cancel_refunded", fulfillment: "fail" }, change),
    db
      .update(orders)
      .set({ cancelReason: FAILED_FULFILLMENT })
      .where(and(eq(orders.id, order.id), sql`${orders.lastOpId} = ${change.opId}`)),
  ];
}

/** Refunds the whole order (failed_fulfillment), committed with the order's own move. */
async function failDelivery(deps: Deps, home: OrderHome, order: OrderRow, note: string): Promise<void> {
  const change = newChange(SYSTEM_ACTOR, deps.clock.now());
  const { refund, created } = await refundWholeOrder(deps, {
    orderId: order.id,
    reason: FAILED_FULFILLMENT,
    actor: SYSTEM_ACTOR,
    note,
    withStatements: failedStatements(home.db, order, change),
  });
  deps.log.info("virtual order refunded", { orderId: order.id, refundId: refund.refundId, created });
  await returnUndelivered(deps, home.db, order.id);
}

/**
 * The units of a virtual order that was never delivered go back on sale where they were sold
 * from: once per item (the SKU object keys the return by op id), so a redelivery that finds the
 * order refunded repeats it safely, and one whose first run died before it finishes it.
 */
async function returnUndelivered(deps: Deps, db: Db, orderId: string): Promise<void> {
  const items = await db
    .select({
      id: orderItems.id,
      skuId: orderItems.skuId,
      reservationId: orderItems.reservationId,
      quantity: orderItems.quantity,
    })
    .from(orderItems)
    .where(eq(orderItems.orderId, orderId));
  const at = deps.clock.now();
  for (const item of items) {
    await returnSoldStock(deps.inventory, {
      skuId: item.skuId,
      opId: `${FAILED_FULFILLMENT}:${item.id}`,
      reservationId: item.reservationId,
      quantity: item.quantity,
      condition: "sellable",
      reason: `order ${orderId}: the top-up failed, nothing was delivered`,
      actor: actorText(SYSTEM_ACTOR),
      at,
    });
  }
}
