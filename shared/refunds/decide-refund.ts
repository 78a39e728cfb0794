/**
 * Deciding refunds (seed: RefundApproveService, ReturnPurchaseService): the shop's seller or an
 * operator approves (money goes out at once, or the goods come back first) or rejects (the held
 * units are free again); the shopper sends the goods back; the seller receives them — sellable
 * units back to available stock, damaged ones written off, in the SKU's object — and the money
 * goes out.
 *
 * Every move is one D1 batch in the order's shard through the refund machine (refund-writes.ts),
 * behind the slot's fence; the money's start (payout message) commits in the same batch and its
 * ledger posting follows in the commerce database once it did (payout-start.ts). Receiving
 * returns the stock first, idempotently per refund and item, then commits the move: a crash in
 * between leaves the refund waiting for its goods with the stock already back, and the seller's
 * retry replays the stock change (nothing moves twice) and commits.
 */
import { and, eq } from "drizzle-orm";
import type { BatchItem } from "drizzle-orm/batch";
import { z } from "zod";
import { orderStatusLog, orders } from "../../db/schema";
import type { SkuInventory } from "../../durable-objects/sku-inventory";
import { type OutboxRow, sendOutbox } from "../events/outbox";
import { type Change, newChange, type OrderRow } from "../fulfillment/status-writes";
import { returnSoldStock } from "../inventory/stock";
import { postAll, type TransactionInput } from "../ledger/transactions";
import { type EventOf, next } from "../orders/state-machine";
import { findPayment } from "../payments/payments-repo";

import { refundReleasedPosting } from "../payments/postings";
import { type Actor, actorText } from "../platform/actor";
import { type Db, isAssertionFailure } from "../platform/db";
import { AppError } from "../platform/errors";
import { errorFields } from "../platform/logger";
import { cancelUnshippedStatements } from "./cancel-unshipped";
import { payoutRequestStatements, payoutStartStatements, postAfterBatch } from "./payout-start";
import type { RefundDeps } from "./place-refund";
import {
  moveRefundStatements,
  orderRefundStatements,
  type RefundItemRow,
  type RefundRow,
  releaseHoldStatements,
} from "./refund-writes";
import {
  loadRefund,
  loadRefundableOrder,
  locateRefund,
  type RefundScope,
  type RefundView,
  refundView,
} from "./refunds-read";
import { restockDecision, stockReturnOpId } from "./restock";

/** Receiving returned goods also needs the SKU objects. */
export interface ReceiveDeps extends RefundDeps {
  inventory: DurableObjectNamespace<SkuInventory>;
}

/** How often a move re-reads and tries again after the order's refundStatus moved meanwhile. */
const ATTEMPTS = 5;

/**
 * What one move of a refund commits: the refund machine's events, its shard batch's statements,
 * and the ledger postings that follow that batch in the commerce database (by key: a repeat posts
 * nothing).
 */
interface Plan {
  events: EventOf<"refund">[];
  statements: BatchItem<"sqlite">[];
  outbox: OutboxRow[];
  postings?: TransactionInput[];
}

/**
 * Reads refund `refundId` (404 outside `scope`) and its order, plans the move from what it read,
 * and commits it with the order's refundStatus following (refund-writes.ts). A batch that lost a
 * compare-and-set re-reads and plans again: a racing move of the same refund then answers 409
 * `invalid_transition` from the plan, a racing move of the order's summary (another refund of
 * the order) just retries; `version_conflict` only after every attempt lost.
 */
async function moveRefund(
  deps: RefundDeps,
  input: { refundId: string; scope: RefundScope; actor: Actor },
  plan: (
    found: { refund: RefundRow; items: RefundItemRow[]; order: OrderRow; db: Db },
    change: Change,
  ) => Promise<Plan>,
): Promise<RefundView> {
  for (let attempt = 1; ; attempt++) {
    const { home, ...found } = await locateRefund(deps.orders, input.refundId, input.scope);
    const { db } = home;
    const order = await db.query.orders.findFirst({ where: eq(orders.id, found.refund.orderId) });
    if (!order) throw new Error(`Refund ${found.refund.id}'s order ${found.refund.orderId} is missing`);
    const change = newChange(input.actor, deps.clock.now());
    const { events, statements, outbox, postings = [] } = await plan({ ...found, order, db }, change);
    try {
      await home.batch([...statements, ...orderRefundStatements(db, order, found.refund.status, events, change)]);
    } catch (err) {
      if (!isAssertionFailure(err)) throw err;
      if (attempt >= ATTEMPTS) {
        throw new AppError("version_conflict", {
          detail: `Refund ${found.refund.id} changed meanwhile`,
          retryable: true,
        });
      }
      continue;
    }
    // After the commit (payout-start.ts): a refund_owed is posted again by the payout's consumer,
    // a refund_released by a repeated release.
    await postAfterBatch(deps.db, postings, deps.clock.now()).catch((err: unknown) =>
      deps.log?.warn("refund posting not made yet", { refundId: found.refund.id, ...errorFields(err) }),
    );
    await sendOutbox(db, deps.producers, outbox, deps.clock.now()).catch((err: unknown) =>
      deps.log?.warn("refund payout not queued; the events cron sends it from the outbox", {
        refundId: found.refund.id,
        ...errorFields(err),
      }),
    );
    const saved = await loadRefund(db, found.refund.id, { all: true });
    return refundView(saved.refund, saved.items);
  }
}

/** The provider of the payment `refund` was written against (on the refund's shard `db`). */
async function providerOf(db: Db, refund: RefundRow): Promise<string> {
  const payment = await findPayment(db, refund.paymentId);
  if (!payment) throw new AppError("not_found", { detail: `No payment ${refund.paymentId} for refund ${refund.id}` });
  return payment.provider;
}

/** The payout's start for `refund`: from the payment it was written against. */
async function payoutOf(db: Db, refund: RefundRow, now: number) {
  return payoutStartStatements(db, refund, await providerOf(db, refund), now);
}

export const approveRefundBody = z.object({ note: z.string().trim().max(500).optional() }).strict();
export const rejectRefundBody = z.object({ reason: z.string().trim().min(1).max(500) }).strict();
export const receiveRefundBody = z.object({ condition: z.enum(["sellable", "damaged"]) }).strict();
export const retryRefundBody = z.object({ note: z.string().trim().max(500).optional() }).strict();
export const releaseRefundBody = z.object({ note: z.string().trim().max(500).optional() }).strict();
export const returnShipmentBody = z
  .object({ carrier: z.string().trim().min(1).max(40), trackingNumber: z.string().trim().min(1).max(64) })
  .strict();

/** REQUESTED → APPROVED, then PROCESSING (money out) or, with goods to return, AWAITING_RETURN. */
export async function approveRefund(
  deps: RefundDeps,
  input: { refundId: string; scope: RefundScope; actor: Actor; note?: string | undefined },
): Promise<RefundView> {
  return moveRefund(deps, input, async ({ refund, order, db }, change) => {
    const events: EventOf<"refund">[] = ["approve", refund.returnGoods ? "await_return" : "process"];
    if (refund.returnGoods) {
      const statements = moveRefundStatements(db, refund, events, change, input.note ? { note: input.note } : {});
      return { events, statements, outbox: [] };
    }
    const payout = await payoutOf(db, refund, change.now);
    // Its units are held since it was asked for: the order is empty when no unit is left unheld.
    const { items } = await loadRefundableOrder(db, order.id, { all: true });
    const emptied = items.every((i) => i.refundHeldQuantity === i.quantity);
    const cancel = await cancelUnshippedStatements(db, order, { refundId: refund.id, emptied }, change);
    // Approved before the goods left: they go back on sale (restock.ts).
    const restocking = restockDecision(db, order);
    const moved = moveRefundStatements(db, refund, events, change, {
      ...(input.note ? { note: input.note } : {}),
      restock: restocking.restock,
    });
    return {
      events,
      statements: [...moved, ...restocking.statements, ...payout.statements, ...cancel],
      outbox: [payout.outbox],
      postings: [payout.owed],
    };
  });
}

/** REQUESTED → REJECTED with the reason; the units it held may be asked for again. */
export async function rejectRefund(
  deps: RefundDeps,
  input: { refundId: string; scope: RefundScope; actor: Actor; reason: string },
): Promise<RefundView> {
  return moveRefund(deps, input, async ({ refund, items, db }, change) => ({
    events: ["reject"],
    statements: [
      ...moveRefundStatements(db, refund, ["reject"], change, { note: input.reason }),
      ...releaseHoldStatements(db, items),
    ],
    outbox: [],
  }));
}

/** The shopper's return parcel: AWAITING_RETURN → RETURN_SHIPPED with carrier and tracking number. */
export async function shipReturn(
  deps: RefundDeps,
  input: { refundId: string; userId: string; actor: Actor; carrier: string; trackingNumber: string },
): Promise<RefundView> {
  const scope = { userId: input.userId };
  return moveRefund(deps, { ...input, scope }, async ({ refund, db }, change) => ({
    events: ["ship_return"],
    statements: moveRefundStatements(db, refund, ["ship_return"], change, {
      returnCarrier: input.carrier,
      returnTrackingNumber: input.trackingNumber,
    }),
    outbox: [],
  }));
}

/**
 * The returned goods arrived (AWAITING_RETURN or RETURN_SHIPPED → PROCESSING): each item's units
 * go back to its SKU's stock as `condition` says, then the money goes out.
 */
export async function receiveRefund(
  deps: ReceiveDeps,
  input: { refundId: string; scope: RefundScope; actor: Actor; condition: "sellable" | "damaged" },
): Promise<RefundView> {
  const { refund, items, home } = await locateRefund(deps.orders, input.refundId, input.scope);
  next("refund", refund.status, "receive");
  const { items: orderItems } = await loadRefundableOrder(home.db, refund.orderId, { all: true });
  const now = deps.clock.now();
  for (const line of items) {
    const item = orderItems.find((i) => i.id === line.orderItemId);
    if (!item) throw new Error(`Refund ${refund.id} names order item ${line.orderItemId}, not in its order`);
    await returnSoldStock(deps.inventory, {
      skuId: item.skuId,
      // One stock change per refund and item, whatever the retries (and whichever condition won).
      opId: stockReturnOpId(refund.id, item.id),
      reservationId: item.reservationId,
      quantity: line.quantity,
      condition: input.condition,
      reason: `refund ${refund.id}: returned ${input.condition}`,
      actor: actorText(input.actor),
      at: now,
    });
  }
  return moveRefund(deps, input, async ({ refund: fresh, db }, change) => {
    const payout = await payoutOf(db, fresh, change.now);
    return {
      events: ["receive"],
      statements: [
        ...moveRefundStatements(db, fresh, ["receive"], change, { receivedCondition: input.condition }),
        ...payout.statements,
      ],
      outbox: [payout.outbox],
      postings: [payout.owed],
    };
  });
}

/**
 * An operator retries a refund whose payout the provider failed: FAILED → PROCESSING as payout
 * attempt n + 1, asked of the provider again under the key `refund:<id>:<n + 1>` (a new provider
 * refund, where a redelivered message of one attempt asks for the same one). The money owed stays
 * posted from the first decision (a failure posts nothing), so only the payout is asked again;
 * events of the failed attempt that come late change nothing (refund-payouts.ts).
 */
export async function retryRefundPayout(
  deps: RefundDeps,
  input: { refundId: string; scope: RefundScope; actor: Actor; note?: string | undefined },
): Promise<RefundView> {
  return moveRefund(deps, input, async ({ refund, db }, change) => {
    const request = payoutRequestStatements(db, refund, change.now);
    const statements = moveRefundStatements(db, refund, ["process"], change, {
      payoutAttempt: refund.payoutAttempt + 1,
      providerRefundId: null,
      note: input.note ?? `payout attempt ${refund.payoutAttempt + 1}`,
    });
    return { events: ["process"], statements: [...statements, ...request.statements], outbox: [request.outbox] };
  });
}

/** Whether refund `refundId` was released (REJECTED by `release`, not by a seller's rejection). */
async function wasReleased(db: Db, refundId: string): Promise<boolean> {
  const row = await db.query.orderStatusLog.findFirst({
    where: and(
      eq(orderStatusLog.entityType, "refund"),
      eq(orderStatusLog.entityId, refundId),
      eq(orderStatusLog.event, "release"),
    ),
  });
  return row !== undefined;
}

/** The ledger posting undoing refund `refund`'s owed money (on its shard `db`: the payment's provider). */
async function releasedPosting(db: Db, refund: RefundRow): Promise<TransactionInput> {
  return refundReleasedPosting({
    provider: await providerOf(db, refund),
    refundId: refund.id,
    amount: refund.amount,
    currency: refund.currency,
  });
}

/**
 * The shop's seller or an operator gives up a refund whose payout failed: FAILED → REJECTED (the
 * `release` event, logged), its units and amount no longer held, so they may be asked for again;
 * the owed posting undone (refund_released: refunds payable back into escrow). The payout attempt
 * moves on with it, so news of the failed attempt that comes late is stale (refund-payouts.ts): a
 * late failure changes nothing, a late success is parked as a discrepancy. Releasing it again
 * answers the refund as it is, and posts refund_released if a crash after the shard's batch kept
 * the first release from posting it (by key: once).
 *
 * A refund that put its units back on sale before they shipped (restock.ts) is not released: its
 * units are no longer the order's to ship, so only its payout can be retried.
 */
export async function releaseRefund(
  deps: RefundDeps,
  input: { refundId: string; scope: RefundScope; actor: Actor; note?: string | undefined },
): Promise<RefundView> {
  const released = async () => {
    const { home, ...found } = await locateRefund(deps.orders, input.refundId, input.scope);
    if (found.refund.status !== "REJECTED" || !(await wasReleased(home.db, found.refund.id))) return undefined;
    await postAll(deps.db, [await releasedPosting(home.db, found.refund)], deps.clock.now());
    return refundView(found.refund, found.items);
  };
  const already = await released();
  if (already) return already;
  try {
    return await moveRefund(deps, input, async ({ refund, items, db }, change) => {
      next("refund", refund.status, "release");
      if (refund.restock) {
        throw new AppError("invalid_transition", {
          detail: `Refund ${refund.id}'s units went back on sale before they shipped: retry its payout instead`,
          extensions: { machine: "refund", currentStatus: refund.status, event: "release" },
        });
      }
      return {
        events: ["release"],
        statements: [
          ...moveRefundStatements(db, refund, ["release"], change, {
            note: input.note ?? `released after payout attempt ${refund.payoutAttempt} failed`,
            payoutAttempt: refund.payoutAttempt + 1,
          }),
          ...releaseHoldStatements(db, items),
        ],
        outbox: [],
        postings: [await releasedPosting(db, refund)],
      };
    });
  } catch (err) {
    // A release racing this one won: the same answer.
    const raced = err instanceof AppError ? await released() : undefined;
    if (raced) return raced;
    throw err;
  }
}
