/**
 * Receiving provider webhooks (the payments-webhook Worker's whole job): verify the signature on
 * the raw body, store the event once by its provider event id, enqueue it, answer fast. A bad,
 * stale, future or missing signature stores nothing. A duplicate delivery answers 200 like the
 * first and stores nothing new; its queue message keeps the same id (derived from the provider
 * event id), so a consumer that already handled it skips it.
 */
import { z } from "zod";
import { paymentProviderEvents } from "../../db/schema";
import { makeEvent } from "../events/messages";
import { outboxRow } from "../events/outbox";
import { type ReceiveDeps, storeOnceAndSend } from "../events/webhook-inbox";
import { sha256Hex } from "../platform/crypto";
import { validationError } from "../platform/validation";
import { verifiedJson } from "./signature";

export const PAYMENT_PROVIDERS = ["sandbox", "stripe"] as const;
export type PaymentProvider = (typeof PAYMENT_PROVIDERS)[number];

/** Vars and secrets of the webhook Worker: one signing secret per provider (comma-separated while rotating). */
export const webhookEnvSchema = z.object({
  PAYMENT_WEBHOOK_SECRET: z.string().min(1, "the sandbox provider's webhook secret is required"),
  STRIPE_WEBHOOK_SECRET: z.string().min(1).optional(),
});

/** Stripe's event envelope (the sandbox sends the same). Providers add fields freely, so extra ones pass. */
export const providerEventSchema = z.looseObject({
  id: z
    .string()
    .max(255)
    .regex(/^[\x21-\x7e]+$/, "must be a non-empty printable id without spaces"),
  object: z.literal("event"),
  type: z.string().min(1).max(100),
  created: z.number().int().nonnegative(),
  data: z.looseObject({ object: z.record(z.string(), z.unknown()) }),
});
export type ProviderEvent = z.infer<typeof providerEventSchema>;

export type { ReceiveDeps };

/** The queue message id of a provider event: the same for every delivery of it. */
export async function messageIdOf(provider: PaymentProvider, eventId: string): Promise<string> {
  return `evt_${(await sha256Hex(`${provider}\n${eventId}`)).slice(0, 40)}`;
}

/** Verifies, stores once and enqueues one delivery; answers whether it was a duplicate. */
export async function receiveProviderEvent(
  deps: ReceiveDeps,
  input: { provider: PaymentProvider; rawBody: string; signature: string | undefined; secrets: readonly string[] },
): Promise<{ eventId: string; duplicate: boolean }> {
  const now = deps.clock.now();
  const json = await verifiedJson({ ...input, nowMs: now });
  const parsed = providerEventSchema.safeParse(json);
  if (!parsed.success) {
    throw validationError(parsed.error);
  }
  const event = parsed.data;
  const message = makeEvent(
    "payment.provider_event",
    { provider: input.provider, providerEventId: event.id, type: event.type },
    now,
  );
  const row = outboxRow("payment-events", { ...message, id: await messageIdOf(input.provider, event.id) });
  const { db } = deps;
  const store = db
    .insert(paymentProviderEvents)
    .values({
      provider: input.provider,
      eventId: event.id,
      type: event.type,
      payload: input.rawBody,
      status: "received",
      createdAt: event.created * 1000,
      receivedAt: now,
      updatedAt: now,
    })
    .onConflictDoNothing()
    .returning({ eventId: paymentProviderEvents.eventId });
  const { duplicate } = await storeOnceAndSend(deps, { store, row, eventId: event.id, what: "provider" }, now);
  return { eventId: event.id, duplicate };
}
