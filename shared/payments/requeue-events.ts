/**
 * The backstop for provider events a queue lost: an inbox row still `received` a while after it
 * arrived (its message was sent, but the consumer never finished it and no retry is coming: a
 * local queue lost in a Worker reload, a message dead-lettered and never replayed) is queued
 * again by the events cron. The message keeps the id of the first one, and applying an event
 * twice changes nothing, so a requeue that was not needed costs one read.
 */
import { and, asc, eq, lt } from "drizzle-orm";
import { paymentProviderEvents } from "../../db/schema";
import { makeEvent } from "../events/messages";
import { type Producers, publish } from "../events/producer";
import type { Clock } from "../platform/clock";
import type { Db } from "../platform/db";
import { messageIdOf, type PaymentProvider } from "./provider-events";

/** How long an event may stay `received` before the cron queues it again. */
export const REQUEUE_AFTER_MS = 5 * 60_000;

/** Queues up to `limit` events still `received` after REQUEUE_AFTER_MS again; answers how many. */
export async function requeueStaleEvents(
  deps: { db: Db; clock: Clock; producers: Producers },
  limit = 100,
): Promise<number> {
  const now = deps.clock.now();
  const stale = await deps.db
    .select({
      provider: paymentProviderEvents.provider,
      eventId: paymentProviderEvents.eventId,
      type: paymentProviderEvents.type,
    })
    .from(paymentProviderEvents)
    .where(
      and(eq(paymentProviderEvents.status, "received"), lt(paymentProviderEvents.receivedAt, now - REQUEUE_AFTER_MS)),
    )
    .orderBy(asc(paymentProviderEvents.receivedAt))
    .limit(limit);
  for (const e of stale) {
    const provider = e.provider as PaymentProvider;
    const message = makeEvent("payment.provider_event", { provider, providerEventId: e.eventId, type: e.type }, now);
    await publish(deps.producers, "payment-events", { ...message, id: await messageIdOf(provider, e.eventId) });
  }
  return stale.length;
}
