/**
 * Which order a parcel (carrier, tracking number) belongs to, across order shards (issue #20;
 * docs/decisions.md "Fulfillment across order shards"). A carrier callback names a parcel, not an
 * order, so the order's shard is found from the commerce database's claim (`parcels`, written by
 * the seller's ship before the shard's batch), falling back to asking every shard for the shipment
 * (parcels shipped before the claims existed, or a claim lost to a fenced ship's release).
 */
import { and, eq } from "drizzle-orm";
import { parcels, shipments } from "../../db/schema";
import { inSlots, type OrderStore } from "../orders/order-store";
import type { Db } from "../platform/db";
import { AppError } from "../platform/errors";

export interface Parcel {
  carrier: string;
  trackingNumber: string;
}

const named = (parcel: Parcel) =>
  and(eq(parcels.carrier, parcel.carrier), eq(parcels.trackingNumber, parcel.trackingNumber));

/**
 * Claims `parcel` for `orderId` (commerce), or 409 `tracking_number_taken` when another order's.
 * Answers whether this call made the claim (a retried ship finds its own order's).
 */
export async function claimParcel(commerce: Db, parcel: Parcel, orderId: string, now: number) {
  const [inserted, [owner]] = await commerce.batch([
    commerce
      .insert(parcels)
      .values({ carrier: parcel.carrier, trackingNumber: parcel.trackingNumber, orderId, claimedAt: now })
      .onConflictDoNothing()
      .returning({ orderId: parcels.orderId }),
    commerce.select({ orderId: parcels.orderId }).from(parcels).where(named(parcel)),
  ]);
  if (owner?.orderId !== orderId) {
    throw new AppError("tracking_number_taken", {
      detail: `${parcel.carrier} tracking number ${parcel.trackingNumber} is another parcel's`,
      extensions: { carrier: parcel.carrier, trackingNumber: parcel.trackingNumber },
    });
  }
  return { fresh: inserted.length > 0 };
}

/** Gives back a claim this call made, when its shipment was never written (the slot was fenced). */
export async function releaseParcel(commerce: Db, parcel: Parcel, orderId: string): Promise<void> {
  await commerce.delete(parcels).where(and(named(parcel), eq(parcels.orderId, orderId)));
}

/** The order whose shipment `parcel` is: its claim, else the shard that has it; null when none does. */
export async function orderOfParcel(deps: { db: Db; orders: OrderStore }, parcel: Parcel): Promise<string | null> {
  const [claim] = await deps.db.select({ orderId: parcels.orderId }).from(parcels).where(named(parcel));
  if (claim) return claim.orderId;
  for (const { shard, slots } of await deps.orders.routed()) {
    if (slots !== "all" && slots.length === 0) continue;
    const [found] = await shard.db
      .select({ orderId: shipments.orderId })
      .from(shipments)
      .where(
        and(
          eq(shipments.carrier, parcel.carrier),
          eq(shipments.trackingNumber, parcel.trackingNumber),
          inSlots(shipments.orderId, slots),
        ),
      )
      .limit(1);
    if (found) return found.orderId;
  }
  return null;
}
