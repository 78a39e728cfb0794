/**
 * The order center's four state machines (订单状态机, SPEC §4.2): order, payment, fulfillment and
 * refund statuses are separate fields, and each changes only by an allowed (state, event) pair.
 * Every writer asks `next()` for the target state, then writes it with a compare-and-set on the
 * row's `version` (并发更新的ABA问题) and logs the change; anything else is a 409
 * `invalid_transition` naming the current state.
 */
import { AppError } from "../platform/errors";

export const MACHINES = {
  order: {
    CREATED: { pay: "PAID", cancel: "CANCELLED" },
    // A physical order stays PAID while its shipment awaits the seller, and ships from there.
    PAID: { start_fulfillment: "FULFILLING", ship: "SHIPPED", cancel_refunded: "CANCELLED" },
    // A virtual order completes as soon as its top-up is delivered (shared/fulfillment/virtual-goods.ts).
    FULFILLING: { ship: "SHIPPED", deliver_virtual: "COMPLETED", cancel_refunded: "CANCELLED" },
    // A failed delivery hands the order back to the seller: ship again, or refund (issue #14).
    SHIPPED: { deliver: "DELIVERED", fail_delivery: "FULFILLING" },
    DELIVERED: { complete: "COMPLETED" },
    COMPLETED: {},
    CANCELLED: {},
  },
  payment: {
    UNPAID: { start: "PENDING", close: "CLOSED" },
    PENDING: { succeed: "PAID", fail: "FAILED", close: "CLOSED" },
    // A failed attempt frees the pay order for another; the provider may still report the first
    // one succeeded (a card retried on its page), which pays it.
    FAILED: { start: "PENDING", succeed: "PAID", close: "CLOSED" },
    PAID: { refund_part: "PARTIALLY_REFUNDED", refund_all: "REFUNDED" },
    PARTIALLY_REFUNDED: { refund_part: "PARTIALLY_REFUNDED", refund_all: "REFUNDED" },
    REFUNDED: {},
    // A payment that succeeded after the pay order closed is refunded in full (paid_after_cancel).
    CLOSED: { refund_all: "REFUNDED" },
  },
  fulfillment: {
    // Virtual goods go to the top-up provider at once (process); physical ones await the seller.
    // A physical order refunded whole before order.paid was applied has nothing to await (cancel).
    NONE: { request: "PENDING", process: "PROCESSING", cancel: "CANCELLED" },
    // Physical goods ship straight from PENDING (the seller's ship); virtual ones go PROCESSING.
    // A physical order refunded whole before it shipped (shared/refunds/cancel-unshipped.ts).
    PENDING: { process: "PROCESSING", ship: "SHIPPED", fail: "FAILED", cancel: "CANCELLED" },
    PROCESSING: { ship: "SHIPPED", deliver: "DELIVERED", fail: "FAILED" },
    SHIPPED: { deliver: "DELIVERED", fail: "FAILED", return: "RETURNED" },
    DELIVERED: { return: "RETURNED" },
    // A failed delivery may be shipped again (a new shipment and tracking number).
    FAILED: { ship: "SHIPPED" },
    RETURNED: {},
    CANCELLED: {},
  },
  // A refund row (shared/refunds), and the order's refundStatus. `decide` creates one approved at
  // once (a seller's or operator's refund, an automatic one); with goods to return it waits for
  // them, and receiving them (tracking number or not) sends the money.
  refund: {
    NONE: { request: "REQUESTED", decide: "PROCESSING" },
    REQUESTED: { approve: "APPROVED", reject: "REJECTED" },
    APPROVED: { process: "PROCESSING", await_return: "AWAITING_RETURN" },
    AWAITING_RETURN: { ship_return: "RETURN_SHIPPED", receive: "PROCESSING" },
    RETURN_SHIPPED: { receive: "PROCESSING" },
    PROCESSING: { succeed: "REFUNDED", fail: "FAILED" },
    // The order's refundStatus (shared/refunds/refund-writes.ts orderRefundStatements) starts over
    // with the next refund once the one it followed settled.
    REJECTED: { request: "REQUESTED", decide: "PROCESSING" },
    REFUNDED: { request: "REQUESTED", decide: "PROCESSING" },
    // A failed payout is retried (process), or given up (release): its units may be asked for again.
    FAILED: { process: "PROCESSING", release: "REJECTED" },
  },
  // One parcel (db/schema/fulfillment.ts). Carrier events only move it forward, so a late
  // in_transit after delivered finds no edge and changes nothing.
  shipment: {
    PENDING: { ship: "SHIPPED", cancel: "CANCELLED" },
    SHIPPED: { transit: "IN_TRANSIT", deliver: "DELIVERED", fail: "FAILED" },
    IN_TRANSIT: { deliver: "DELIVERED", fail: "FAILED" },
    DELIVERED: {},
    FAILED: {},
    CANCELLED: {},
  },
} as const;

export type Machine = keyof typeof MACHINES;
export type StateOf<M extends Machine> = keyof (typeof MACHINES)[M] & string;
export type EventOf<M extends Machine> = {
  [S in StateOf<M>]: keyof (typeof MACHINES)[M][S] & string;
}[StateOf<M>];

/** The state each machine starts in. */
export const INITIAL = {
  order: "CREATED",
  payment: "UNPAID",
  fulfillment: "NONE",
  refund: "NONE",
  shipment: "PENDING",
} as const;

/** Where `event` takes `machine` from `current`, or null when the pair is not allowed. */
export function target<M extends Machine>(machine: M, current: string, event: EventOf<M>): StateOf<M> | null {
  const row = (MACHINES[machine] as Record<string, Record<string, string>>)[current];
  return (row?.[event] as StateOf<M> | undefined) ?? null;
}

/** Like `target`, but a disallowed pair is a 409 `invalid_transition` with the current state. */
export function next<M extends Machine>(machine: M, current: string, event: EventOf<M>): StateOf<M> {
  const to = target(machine, current, event);
  if (to === null) {
    throw new AppError("invalid_transition", {
      detail: `The ${machine} status ${current} does not allow ${event}`,
      extensions: { machine, currentStatus: current, event },
    });
  }
  return to;
}

/** Every (machine, from, event, to) the table allows; for documentation and tests. */
export function allTransitions(): { machine: Machine; from: string; event: string; to: string }[] {
  return (Object.keys(MACHINES) as Machine[]).flatMap((machine) =>
    Object.entries(MACHINES[machine] as Record<string, Record<string, string>>).flatMap(([from, events]) =>
      Object.entries(events).map(([event, to]) => ({ machine, from, event, to })),
    ),
  );
}
