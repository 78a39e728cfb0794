/**
 * Applying a stored provider event (payment-events consumer). Payment events are matched to our
 * payment by `data.object.metadata.paymentId`, in the order shard `metadata.payOrderId` names
 * (a payment whose metadata lacks it is looked for on every shard); refund events to our refund
 * by `metadata.refundId`; all set when we created them. One that names nothing we know is parked
 * with its reason and an alert in the log, never dropped: an operator (or a later match) picks
 * it up from the inbox. The inbox row stays `received` until every step of applying it is done,
 * so a consumer that dies halfway finishes on redelivery.
 */
import { and, eq } from "drizzle-orm";
import { paymentProviderEvents } from "../../db/schema";
import type { OrderHome } from "../orders/order-store";
import { AppError } from "../platform/errors";
import { type ApplyDeps, applyPaymentEvent, type Outcome } from "./apply-payment-event";
import { findPayment, type PaymentRow } from "./payments-repo";
import { type PaymentProvider, providerEventSchema } from "./provider-events";
import { applyRefundEvent } from "./refund-payouts";

/** The payment id our side put in the provider object's metadata, if any. */
export function paymentIdOf(object: Record<string, unknown>): string | null {
  return metadataText(object, "paymentId");
}

function metadataText(object: Record<string, unknown>, key: string): string | null {
  const metadata = object.metadata;
  if (typeof metadata !== "object" || metadata === null) return null;
  const value = (metadata as Record<string, unknown>)[key];
  return typeof value === "string" && value.length > 0 ? value : null;
}

/**
 * Payment `paymentId` and its home: in the shard its pay order's number names when the event
 * carries it, else (a payment created before metadata had it) on whichever shard holds it.
 */
async function findPaymentAt(
  deps: ApplyDeps,
  paymentId: string,
  payOrderId: string | null,
): Promise<{ payment: PaymentRow; home: OrderHome } | null> {
  let number = payOrderId;
  for (const shard of number === null ? deps.orders.all() : []) {
    number = (await findPayment(shard.db, paymentId))?.payOrderId ?? null;
    if (number !== null) break;
  }
  // Read at its home (not where the search found it: a slot's old copy outlives its move a while).
  const home = number === null ? null : await deps.orders.homeOfNumber(number);
  const payment = home ? await findPayment(home.db, paymentId) : undefined;
  return home && payment ? { payment, home } : null;
}

/** Applies (or parks) one stored event; running it again changes nothing. */
export async function applyProviderEvent(
  deps: ApplyDeps,
  ref: { provider: PaymentProvider; providerEventId: string },
): Promise<Outcome> {
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
  const outcome = await dispatch(deps, ref.provider, event);
  await deps.db
    .update(paymentProviderEvents)
    .set({ status: outcome.status, note: outcome.note ?? null, updatedAt: deps.clock.now() })
    .where(and(where, eq(paymentProviderEvents.status, "received")));
  if (outcome.status === "parked") {
    deps.log.warn("payment event parked", {
      alert: "payment_event_parked",
      provider: ref.provider,
      providerEventId: ref.providerEventId,
      type: event.type,
      note: outcome.note,
    });
  }
  return outcome;
}

async function dispatch(
  deps: ApplyDeps,
  provider: PaymentProvider,
  event: ReturnType<typeof providerEventSchema.parse>,
): Promise<Outcome> {
  if (event.type.startsWith("refund.") || event.type === "charge.refunded") {
    return applyRefundEvent(deps, provider, event);
  }
  if (!event.type.startsWith("payment_intent.")) return { status: "applied", note: `ignored: ${event.type}` };
  const paymentId = paymentIdOf(event.data.object);
  const found = paymentId ? await findPaymentAt(deps, paymentId, metadataText(event.data.object, "payOrderId")) : null;
  if (!found || found.payment.provider !== provider) {
    return { status: "parked", note: `unknown_payment: ${paymentId ?? "no metadata.paymentId"}` };
  }
  return applyPaymentEvent(deps, found.home, found.payment, event);
}
