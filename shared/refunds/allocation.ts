/**
 * What a refund of some units of an order item returns: those units' exact share of what was
 * paid for the item after the order's discounts (`order_items.paid_amount`, itself the item's
 * largest-remainder share of the discounts). Pure, so the rule is tested on its own.
 *
 * The rule for partial units (largest remainder, ties to the earliest refund): an item of Q units
 * that paid P splits into Q unit shares of floor(P / Q), and the remainder r = P mod Q goes one
 * minor unit each to r of the units. All units are alike, so every remainder ties; the units
 * refunded first carry the extra minor units. A refund of k units when `heldQuantity` units
 * worth `heldAmount` are already in refunds therefore returns
 *   k × floor(P / Q) + min(k, extra left), where extra left = (P − heldAmount) − (Q − heldQuantity) × floor(P / Q).
 * Hence: the refunds of an item never add up to more than P, the one that takes its last unit
 * returns exactly what is left (P − heldAmount), and a rejected refund that gives its units and
 * amount back leaves the next one computing the same figures again.
 *
 * Shipping is returned only by the refund that leaves no unit of the order un-refunded, and then
 * all of it: what the order's total holds beyond its items (`shippingPart`).
 */

/** An order item as the allocation sees it: what it paid, and how much of it refunds hold. */
export interface ItemShare {
  quantity: number;
  paidAmount: number;
  heldQuantity: number;
  heldAmount: number;
}

/** What refunding `units` more units of `item` returns; `units` must not exceed what is left. */
export function unitsAmount(item: ItemShare, units: number): number {
  const left = item.quantity - item.heldQuantity;
  if (!Number.isInteger(units) || units < 0 || units > left) {
    throw new RangeError(`cannot refund ${units} of ${left} units left`);
  }
  if (units === left) return item.paidAmount - item.heldAmount;
  const base = Math.floor(item.paidAmount / item.quantity);
  const extraLeft = item.paidAmount - item.heldAmount - left * base;
  return units * base + Math.min(units, Math.max(0, extraLeft));
}

/** The part of an order's total that is not its items' (shipping, net of any discount on it). */
export function shippingPart(order: { totalAmount: number }, items: readonly { paidAmount: number }[]): number {
  return Math.max(0, order.totalAmount - items.reduce((sum, i) => sum + i.paidAmount, 0));
}
