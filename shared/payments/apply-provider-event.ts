/**
 * Applying a stored provider event (payment-events consumer). An event is matched to our payment
 * by `data.object.metadata.paymentId`, which we set when creating the provider's payment. One that
 * names no payment we know is parked with its reason and an alert in the log, never dropped: an
 * operator (or a later match) picks it up from the inbox.
 *
 * Payments themselves (POST /v1/pay-orders/:id/pay, the payments table) are the next part of
 * issue #13; until they exist no event can name a known payment, so every event is parked.
 */
import { and, eq } from "drizzle-orm";
import { paymentProviderEvents } from "../../db/schema";
import type { Clock } from "../platform/clock";
import type { Db } from "../platform/db";
import { AppError } from "../platform/errors";
import type { Logger } from "../platform/logger";
import { type PaymentProvider, providerEventSchema } from "./provider-events";

export interface ApplyDeps {
  db: Db;
  clock: Clock;
  log: Logger;
}

/** The payment id our side put in the provider object's metadata, if any. */
export function paymentIdOf(object: Record<string, unknown>): string | null {
  const metadata = object.metadata;
  if (typeof metadata !== "object" || metadata === null) return null;
  const id = (metadata as Record<string, unknown>).paymentId;
  return typeof id === "string" && id.length > 0 ? id : null;
}

/** Applies (or parks) one stored event; running it again changes nothing. */
export async function applyProviderEvent(
  deps: ApplyDeps,
  ref: { provider: PaymentProvider; providerEventId: string },
): Promise<{ status: "applied" | "parked" }> {
  const where = and(
    eq(paymentProviderEvents.provider, ref.provider),
    eq(paymentProviderEvents.eventId, ref.providerEventId),
  );
  const row = await deps.db.query.paymentProviderEvents.findFirst({ where });
  // The row commits before its message is sent; a message without one is not ours to apply.
  if (!row) {
    throw new AppError("not_found", { detail: `No stored provider event ${ref.provider}/${ref.providerEventId}` });
  }
  if (row.status !== "received") return { status: row.status };
  const event = providerEventSchema.parse(JSON.parse(row.payload));
  const paymentId = paymentIdOf(event.data.object);
  const note = paymentId ? `unknown_payment: ${paymentId}` : "unknown_payment: no metadata.paymentId";
  await deps.db
    .update(paymentProviderEvents)
    .set({ status: "parked", note, updatedAt: deps.clock.now() })
    .where(and(where, eq(paymentProviderEvents.status, "received")));
  deps.log.warn("payment event parked: it names no payment we know", {
    alert: "payment_event_parked",
    provider: ref.provider,
    providerEventId: ref.providerEventId,
    type: event.type,
    note,
  });
  return { status: "parked" };
}
