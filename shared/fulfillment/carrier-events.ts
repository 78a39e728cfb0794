/**
 * Receiving carrier callbacks (`POST /webhooks/carriers/:carrier`, the payments-webhook Worker):
 * verified exactly like payment webhooks (Stripe-Signature over the raw body, with the carrier's
 * secret), stored once by (carrier, event id) in carrier_events, enqueued on fulfillment-events,
 * answered fast. Nothing is stored on a bad signature; a duplicate answers 200 and stores nothing
 * new, and its queue message keeps the first one's id, so the consumer skips it.
 *
 * Across order shards (issue #20): a callback is stored on the shard of the order its parcel
 * belongs to (parcels.ts: the commerce claim, else the shards asked), behind the slot's fence (a
 * fenced slot answers 409 and the carrier retries), its message naming that order; a callback for a
 * parcel no order has shipped yet is stored in the commerce database, and its consumer forwards it
 * to the order's shard once the parcel is shipped, or parks it there until then.
 */
import { z } from "zod";
import { carrierEvents } from "../../db/schema";
import { makeEvent } from "../events/messages";
import { outboxInsert, outboxRow, sendOutbox } from "../events/outbox";
import { type ReceiveDeps, storeOnceAndSend } from "../events/webhook-inbox";
import type { OrderStore } from "../orders/order-store";
import { secretsOf, verifiedJson } from "../payments/signature";
import { sha256Hex } from "../platform/crypto";
import { errorFields } from "../platform/logger";
import { invalidField, validationError } from "../platform/validation";
import { orderOfParcel } from "./parcels";

/** A carrier's name in paths and shipments: what the sandbox carrier accepts too. */
export const carrierName = z.string().regex(/^[a-z0-9_-]{1,32}$/, "must be 1 to 32 of a-z, 0-9, _ and -");

export const CARRIER_EVENT_TYPES = ["shipment.in_transit", "shipment.delivered", "shipment.failed"] as const;
export type CarrierEventType = (typeof CARRIER_EVENT_TYPES)[number];

/**
 * The carriers' signing secrets: `CARRIER_SECRETS` names each real carrier's
 * (`{"sf-express": "whsec_a,whsec_b"}`, comma-separated while rotating); `SANDBOX_CARRIER_SECRET`
 * (local dev and tests only) signs every other carrier name, as the sandbox carrier does.
 */
export const carrierEnvSchema = z.object({
  CARRIER_SECRETS: z
    .string()
    .optional()
    .transform((raw, ctx) => {
      if (!raw) return {} as Record<string, string>;
      const parsed = z.record(z.string(), z.string().min(1)).safeParse(JSON.parse(raw));
      if (!parsed.success) {
        ctx.addIssue({ code: "custom", message: "must be a JSON object of carrier name to secret" });
        return z.NEVER;
      }
      return parsed.data;
    }),
  SANDBOX_CARRIER_SECRET: z.string().min(1).optional(),
});
export type CarrierEnv = z.infer<typeof carrierEnvSchema>;

/** The secrets that may sign `carrier`'s callbacks (none: the carrier is not configured). */
export function carrierSecrets(env: CarrierEnv, carrier: string): string[] {
  return secretsOf(env.CARRIER_SECRETS[carrier] ?? env.SANDBOX_CARRIER_SECRET);
}

/** The callback body (API.md: `{id, type, created, data: {carrier, trackingNumber}}`); extra fields pass. */
export const carrierEventSchema = z.looseObject({
  id: z
    .string()
    .max(255)
    .regex(/^[\x21-\x7e]+$/, "must be a non-empty printable id without spaces"),
  type: z.enum(CARRIER_EVENT_TYPES),
  created: z.number().int().nonnegative(),
  data: z.looseObject({ carrier: carrierName, trackingNumber: z.string().min(1).max(64) }),
});

/** The queue message id of a carrier event: the same for every delivery of it. */
export async function carrierMessageId(carrier: string, eventId: string): Promise<string> {
  return `evt_${(await sha256Hex(`carrier\n${carrier}\n${eventId}`)).slice(0, 40)}`;
}

/**
 * The queue message (an outbox row) that has the consumer apply stored callback `eventId`. Its id
 * derives from the carrier and event id, plus `attempt` when the same callback is queued again (after
 * it was parked: the consumer's inbox already holds the first message's id).
 */
export async function carrierEventMessage(
  stored: { carrier: string; eventId: string; type: string; orderId?: string | undefined },
  now: number,
  attempt?: string,
) {
  const message = makeEvent(
    "shipment.carrier_event",
    {
      carrier: stored.carrier,
      carrierEventId: stored.eventId,
      type: stored.type,
      ...(stored.orderId ? { orderId: stored.orderId } : {}),
    },
    now,
  );
  const key = attempt === undefined ? stored.eventId : `${stored.eventId}\n${attempt}`;
  return outboxRow("fulfillment-events", { ...message, id: await carrierMessageId(stored.carrier, key) });
}

/** Verifies, stores once and enqueues one callback; answers whether it was a duplicate. */
export async function receiveCarrierEvent(
  deps: ReceiveDeps & { orders: OrderStore },
  input: { carrier: string; rawBody: string; signature: string | undefined; secrets: readonly string[] },
): Promise<{ eventId: string; duplicate: boolean }> {
  const now = deps.clock.now();
  const json = await verifiedJson({ ...input, nowMs: now });
  const parsed = carrierEventSchema.safeParse(json);
  if (!parsed.success) throw validationError(parsed.error);
  const event = parsed.data;
  if (event.data.carrier !== input.carrier) {
    throw invalidField("data.carrier", `must be ${input.carrier}, the carrier whose endpoint it was posted to`);
  }
  const orderId = await orderOfParcel(deps, { carrier: input.carrier, trackingNumber: event.data.trackingNumber });
  const home = orderId ? await deps.orders.homeOfOrder(orderId) : null;
  const row = await carrierEventMessage(
    { carrier: input.carrier, eventId: event.id, type: event.type, orderId: orderId ?? undefined },
    now,
  );
  const db = home?.db ?? deps.db;
  const store = db
    .insert(carrierEvents)
    .values({
      carrier: input.carrier,
      eventId: event.id,
      type: event.type,
      trackingNumber: event.data.trackingNumber,
      payload: input.rawBody,
      status: "received",
      createdAt: event.created * 1000,
      receivedAt: now,
      updatedAt: now,
    })
    .onConflictDoNothing()
    .returning({ eventId: carrierEvents.eventId });
  if (!home) {
    const { duplicate } = await storeOnceAndSend(deps, { store, row, eventId: event.id, what: "carrier" }, now);
    return { eventId: event.id, duplicate };
  }
  const [stored] = (await home.batch([store, outboxInsert(db, row).onConflictDoNothing()])) as [unknown[]];
  await sendOutbox(db, deps.producers, [row], now).catch((err: unknown) =>
    deps.log.warn("carrier event stored; enqueue left to the outbox", { eventId: event.id, ...errorFields(err) }),
  );
  return { eventId: event.id, duplicate: stored.length === 0 };
}
