/**
 * Event-pipeline canaries: an operator sends one through a queue and watches it arrive, proving
 * producer → queue → consumer → D1 end to end (the same probe a synthetic monitor would run).
 */
import { eq, sql } from "drizzle-orm";
import { z } from "zod";
import { eventCanaries } from "../../db/schema";
import type { Clock } from "../platform/clock";
import type { Db } from "../platform/db";
import { AppError } from "../platform/errors";
import { newId } from "../platform/ids";
import { makeEvent } from "./messages";
import { type Producers, publish } from "./producer";
import type { QueueName } from "./queues";

export const canarySchema = z.object({
  canaryId: z.string(),
  queue: z.string(),
  status: z.enum(["sent", "consumed"]),
  createdAt: z.string(),
  consumedAt: z.string().nullable(),
  deliveries: z.number().int(),
});
export type Canary = z.infer<typeof canarySchema>;

function view(row: typeof eventCanaries.$inferSelect): Canary {
  return {
    canaryId: row.id,
    queue: row.queue,
    status: row.consumedAt === null ? "sent" : "consumed",
    createdAt: new Date(row.createdAt).toISOString(),
    consumedAt: row.consumedAt === null ? null : new Date(row.consumedAt).toISOString(),
    deliveries: row.deliveries,
  };
}

/** Records a canary and sends it through `queue`. */
export async function sendCanary(
  db: Db,
  producers: Producers,
  input: { queue: QueueName; requestedBy: string; clock: Clock },
): Promise<Canary> {
  const now = input.clock.now();
  const row = {
    id: newId("canary", now),
    queue: input.queue,
    requestedBy: input.requestedBy,
    createdAt: now,
    consumedAt: null,
    deliveries: 0,
  };
  await db.insert(eventCanaries).values(row);
  await publish(producers, input.queue, makeEvent("platform.canary", { canaryId: row.id, queue: input.queue }, now));
  return view(row);
}

export async function getCanary(db: Db, canaryId: string): Promise<Canary> {
  const row = await db.query.eventCanaries.findFirst({ where: eq(eventCanaries.id, canaryId) });
  if (!row) throw new AppError("not_found", { detail: `No canary ${canaryId}` });
  return view(row);
}

/** The consumer side: marks the canary consumed (first time wins) and counts the delivery. */
export async function markCanaryConsumed(db: Db, canaryId: string, now: number): Promise<void> {
  await db
    .update(eventCanaries)
    .set({
      consumedAt: sql`coalesce(${eventCanaries.consumedAt}, ${now})`,
      deliveries: sql`${eventCanaries.deliveries} + 1`,
    })
    .where(eq(eventCanaries.id, canaryId));
}
