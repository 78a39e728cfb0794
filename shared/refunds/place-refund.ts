/**
 * Creating refunds (seed: RefundPlaceOrder, RefundService): a shopper's request for some units of
 * some items (REQUESTED, awaiting the shop's decision), a seller's or operator's refund (decided
 * at once: PROCESSING, or AWAITING_RETURN with goods to return), and the whole-order refund the
 * platform makes itself (failed fulfillment).
 *
 * Each is one D1 batch in the order's shard (behind its slot's fence: 409 `order_slot_moving`
 * while the slot moves, with nothing written): the refund, its items, the items' holds
 * (refund-writes.ts) and, when decided, the payout message; the ledger's owed posting follows in
 * the commerce database (payout-start.ts says why after). A batch that lost a race
 * (another refund took the same units, or the order's last ones) rolls back whole; the request
 * re-reads and tries again, so the loser of a race for the last unit gets 409 refund_exceeds_paid.
 * Amounts follow allocation.ts.
 */
import { eq } from "drizzle-orm";
import type { BatchItem } from "drizzle-orm/batch";
import { z } from "zod";
import { refunds } from "../../db/schema";
import { type OutboxRow, sendOutbox } from "../events/outbox";
import type { Producers } from "../events/producer";
import { newChange } from "../fulfillment/status-writes";
import type { TransactionInput } from "../ledger/transactions";
import type { OrderStore } from "../orders/order-store";
import { next } from "../orders/state-machine";
import { refundsOfOrder } from "../payments/refunds-repo";
import { type Actor, actorText } from "../platform/actor";
import type { Clock } from "../platform/clock";
import { type Db, isAssertionFailure, isUniqueViolation } from "../platform/db";
import { AppError } from "../platform/errors";
import { newId } from "../platform/ids";
import { errorFields, type Logger } from "../platform/logger";
import { invalidField } from "../platform/validation";
import { itemCoins } from "../promotions/refund-returns";
import { shippingPart, unitsAmount } from "./allocation";
import { cancelUnshippedStatements } from "./cancel-unshipped";
import { paymentOfOrder, payoutStartStatements, postAfterBatch } from "./payout-start";
import { type HeldLine, insertRefundStatements, type OrderItemRow, orderRefundStatements } from "./refund-writes";
import { loadRefund, loadRefundableOrder, type RefundScope, type RefundView, refundView } from "./refunds-read";
import { restockDecision } from "./restock";

export interface RefundDeps {
  /** The commerce database: the ledger, promotions. */
  db: Db;
  /** The order shards, where orders, refunds and their items live. */
  orders: OrderStore;
  clock: Clock;
  producers: Producers;
  /** Where best-effort steps report what they could not do. */
  log?: Logger;
}

/** How often a refund re-reads and retries after another refund of the same order won a race. */
const ATTEMPTS = 8;

export const refundLinesSchema = z
  .array(
    z.object({
      orderItemId: z.string().min(1).max(64),
      quantity: z.number().int().min(1).max(1_000_000),
    }),
  )
  .min(1)
  .max(100)
  .refine((lines) => new Set(lines.map((l) => l.orderItemId)).size === lines.length, {
    message: "must name each order item once",
  });
export type RefundLines = z.infer<typeof refundLinesSchema>;

interface PlaceInput {
  orderId: string;
  scope: RefundScope;
  /** The units to refund, or every unit still left (a whole-order refund). */
  lines: RefundLines | "rest";
  reason: string;
  returnGoods: boolean;
  note?: string | null;
  actor: Actor;
  /** Decided at once (seller, operator, platform) rather than requested (shopper). */
  decided: boolean;
  /** More statements to commit in the same batch (built by the caller from what it read, on the order's shard: `orders.homeOfOrder(orderId).db`). */
  withStatements?: BatchItem<"sqlite">[];
  /** The creating request's idempotency identity: its retries answer the refund it made. */
  requestKey?: string | undefined;
}

/**
 * The item lines of a refund of `lines` (or of what is left), against the items as read; each
 * line's coins are its units' share of the item's coins (`coins`, by item id), by the money's rule.
 */
function heldLines(
  items: readonly OrderItemRow[],
  lines: RefundLines | "rest",
  coins: ReadonlyMap<string, number>,
): HeldLine[] {
  const wanted =
    lines === "rest"
      ? items
          .map((i) => ({ orderItemId: i.id, quantity: i.quantity - i.refundHeldQuantity }))
          .filter((l) => l.quantity > 0)
      : lines;
  return wanted.map((line) => {
    const item = items.find((i) => i.id === line.orderItemId);
    if (!item) throw new AppError("not_found", { detail: `No order item ${line.orderItemId} in this order` });
    const left = item.quantity - item.refundHeldQuantity;
    if (line.quantity > left) {
      throw new AppError("refund_exceeds_paid", {
        detail: `Order item ${item.id} has ${left} of ${item.quantity} units left to refund; ${line.quantity} asked`,
        extensions: { orderItemId: item.id, requested: line.quantity, left },
      });
    }
    const coinShare = {
      quantity: item.quantity,
      paidAmount: coins.get(item.id) ?? 0,
      heldQuantity: item.refundHeldQuantity,
      heldAmount: item.refundHeldCoins,
    };
    return {
      item,
      quantity: line.quantity,
      amount: unitsAmount(toShare(item), line.quantity),
      coins: unitsAmount(coinShare, line.quantity),
    };
  });
}

const toShare = (i: OrderItemRow) => ({
  quantity: i.quantity,
  paidAmount: i.paidAmount,
  heldQuantity: i.refundHeldQuantity,
  heldAmount: i.refundHeldAmount,
});

/** The refund request `requestKey` already made, if it made one. */
async function madeBy(db: Db, requestKey: string | undefined): Promise<RefundView | undefined> {
  if (!requestKey) return undefined;
  const row = await db.query.refunds.findFirst({ where: eq(refunds.requestKey, requestKey) });
  if (!row) return undefined;
  const found = await loadRefund(db, row.id, { all: true });
  return refundView(found.refund, found.items);
}

async function placeRefund(deps: RefundDeps, input: PlaceInput): Promise<RefundView> {
  const home = await deps.orders.homeOfOrder(input.orderId);
  const { db } = home;
  // A retry of a request whose answer was lost after it committed: the refund it made.
  const made = await madeBy(db, input.requestKey);
  if (made) return made;
  for (let attempt = 1; ; attempt++) {
    const { order, items } = await loadRefundableOrder(db, input.orderId, input.scope);
    // A top-up cannot be sent back: a virtual order's refund returns money only.
    if (input.returnGoods && order.kind === "virtual") {
      throw invalidField("returnGoods", "must be false: a virtual order (a top-up) has no goods to return");
    }
    // Only money that was taken comes back: a paid (or partly refunded) order. A fully refunded
    // one has nothing left, which the lines below say as refund_exceeds_paid.
    if (order.paymentStatus !== "REFUNDED") next("payment", order.paymentStatus, "refund_part");
    const lines = heldLines(items, input.lines, await itemCoins(db, order.id, items));
    if (lines.length === 0) {
      throw new AppError("refund_exceeds_paid", {
        detail: `Order ${order.id} has nothing left to refund`,
        extensions: { orderId: order.id, left: 0 },
      });
    }
    const emptiesOrder = items.every(
      (i) => i.quantity - i.refundHeldQuantity === (lines.find((l) => l.item.id === i.id)?.quantity ?? 0),
    );
    const shipping = emptiesOrder ? shippingPart(order, items) : 0;
    const payment = await paymentOfOrder(db, order);
    const now = deps.clock.now();
    const change = newChange(input.actor, now);
    const id = newId("refund", now);
    const amount = lines.reduce((sum, l) => sum + l.amount, 0) + shipping;
    // Decided at once, before the goods left: they go back on sale (restock.ts).
    const restocking = input.decided ? restockDecision(db, order) : { restock: false, statements: [] };
    if (amount === 0) {
      // Units the discounts made free: no money to send back (and the ledger posts no zero).
      throw new AppError("refund_exceeds_paid", {
        detail: `Nothing was paid for those units of order ${order.id}: there is no money to refund`,
        extensions: { orderId: order.id, amount: 0 },
      });
    }
    const row = {
      id,
      orderId: order.id,
      payOrderId: order.payOrderId,
      paymentId: payment.id,
      reason: input.reason,
      amount,
      currency: order.currency,
      returnGoods: input.returnGoods,
      shippingAmount: shipping,
      requestedBy: actorText(input.actor),
      providerRefundId: null,
      note: input.note ?? null,
      returnCarrier: null,
      returnTrackingNumber: null,
      receivedCondition: null,
      requestKey: input.requestKey ?? null,
      payoutAttempt: 1,
      restock: restocking.restock,
    };
    const statements = insertRefundStatements(
      db,
      row,
      input.decided ? "decide" : "request",
      lines,
      emptiesOrder,
      change,
    );
    let outbox: OutboxRow[] = [];
    let owed: TransactionInput[] = [];
    if (input.decided) {
      const payout = payoutStartStatements(db, row, payment.provider, now);
      statements.push(
        ...payout.statements,
        ...restocking.statements,
        ...(await cancelUnshippedStatements(db, order, { refundId: id, emptied: emptiesOrder }, change)),
      );
      outbox = [payout.outbox];
      owed = [payout.owed];
    }
    statements.push(...(input.withStatements ?? []));
    // Last: the order's refundStatus follows the new refund (refund-writes.ts says when).
    statements.push(
      ...orderRefundStatements(db, order, order.refundStatus, [input.decided ? "decide" : "request"], change),
    );
    try {
      await home.batch(statements);
    } catch (err) {
      // The same request, retried while the first run of it committed meanwhile.
      const same = isUniqueViolation(err, "refunds.request_key") ? await madeBy(db, input.requestKey) : undefined;
      if (same) return same;
      if (!isAssertionFailure(err)) throw err;
      if (attempt >= ATTEMPTS) {
        throw new AppError("version_conflict", {
          detail: `Order ${order.id}'s refunds changed meanwhile`,
          retryable: true,
        });
      }
      continue;
    }
    // After the commit (a refused batch posts nothing); the payout's consumer posts it again by key.
    await postAfterBatch(deps.db, owed, deps.clock.now()).catch((err: unknown) =>
      deps.log?.warn("refund owed not posted yet; the payout's consumer posts it", {
        refundId: id,
        ...errorFields(err),
      }),
    );
    await sendOutbox(db, deps.producers, outbox, deps.clock.now()).catch((err: unknown) =>
      deps.log?.warn("refund payout not queued; the events cron sends it from the outbox", {
        refundId: id,
        ...errorFields(err),
      }),
    );
    const placed = await loadRefund(db, id, { all: true });
    return refundView(placed.refund, placed.items);
  }
}

export const requestRefundBody = z
  .object({
    items: refundLinesSchema,
    reason: z.string().trim().min(1).max(500),
    returnGoods: z.boolean().default(false),
  })
  .strict();
export type RequestRefundBody = z.infer<typeof requestRefundBody>;

/** A shopper asks for units of their own order back: REQUESTED, holding those units. */
export function requestRefund(
  deps: RefundDeps,
  input: { orderId: string; userId: string; actor: Actor; body: RequestRefundBody; requestKey?: string | undefined },
): Promise<RefundView> {
  return placeRefund(deps, {
    requestKey: input.requestKey,
    orderId: input.orderId,
    scope: { userId: input.userId },
    lines: input.body.items,
    reason: input.body.reason,
    returnGoods: input.body.returnGoods,
    actor: input.actor,
    decided: false,
  });
}

export const directRefundBody = z
  .object({
    items: refundLinesSchema,
    reason: z.string().trim().min(1).max(500),
    note: z.string().trim().max(500).optional(),
  })
  .strict();
export type DirectRefundBody = z.infer<typeof directRefundBody>;

/** A seller (of the order's shop) or an operator refunds units directly: decided at once, PROCESSING. */
export function refundDirectly(
  deps: RefundDeps,
  input: { orderId: string; scope: RefundScope; actor: Actor; body: DirectRefundBody; requestKey?: string | undefined },
): Promise<RefundView> {
  return placeRefund(deps, {
    requestKey: input.requestKey,
    orderId: input.orderId,
    scope: input.scope,
    lines: input.body.items,
    reason: input.body.reason,
    returnGoods: false,
    note: input.body.note ?? null,
    actor: input.actor,
    decided: true,
  });
}

/**
 * `refundWholeOrder(deps: RefundDeps, input: { orderId, reason, actor, note?, withStatements? })
 *   → Promise<{ refund: RefundView; created: boolean }>`
 *
 * The platform refunds everything still left of order `orderId` (every unit no refund holds, and
 * shipping when nothing else took the order's last units): decided at once (PROCESSING), paid out
 * through the provider like any refund, reaching REFUNDED on the provider's refund.updated, when
 * the order's payment status becomes REFUNDED (or PARTIALLY_REFUNDED after earlier partial ones).
 * Used for failed fulfillment (`reason: "failed_fulfillment"`). `withStatements` commit in the
 * same batch (e.g. the order's own move to CANCELLED), so the refund exists exactly when they do.
 * Idempotent per reason: when nothing is left and the order already has a refund with this
 * reason, that refund is answered with `created: false` (a redelivered message makes none).
 */
export async function refundWholeOrder(
  deps: RefundDeps,
  input: { orderId: string; reason: string; actor: Actor; note?: string; withStatements?: BatchItem<"sqlite">[] },
): Promise<{ refund: RefundView; created: boolean }> {
  const { db } = await deps.orders.homeOfOrder(input.orderId);
  const earlier = (await refundsOfOrder(db, input.orderId)).find(
    (r) => r.reason === input.reason && r.status !== "REJECTED",
  );
  if (earlier) {
    const found = await loadRefund(db, earlier.id, { all: true });
    return { refund: refundView(found.refund, found.items), created: false };
  }
  const refund = await placeRefund(deps, {
    orderId: input.orderId,
    scope: { all: true },
    lines: "rest",
    reason: input.reason,
    returnGoods: false,
    note: input.note ?? null,
    actor: input.actor,
    decided: true,
    ...(input.withStatements ? { withStatements: input.withStatements } : {}),
  });
  return { refund, created: true };
}
