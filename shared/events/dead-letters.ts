/**
 * Dead letters: messages whose retries ran out (delivered by a `<queue>-dlq` consumer) or that
 * were refused as permanently unprocessable. Operators list them and replay one to its queue.
 */
import { z } from "zod";
import { createdCursorSchema, decodeCursor, pageOf } from "../platform/cursor";
import type { Db } from "../platform/db";
import { AppError } from "../platform/errors";
import { newId } from "../platform/ids";
import * as repo from "./dead-letters-repo";
import { type Producers, publishRaw } from "./producer";
import { isQueueName, type QueueName } from "./queues";

/** A dead letter as operators see it. */
export const deadLetterSchema = z.object({
  id: z.string(),
  queue: z.string(),
  messageId: z.string(),
  eventType: z.string().nullable(),
  body: z.unknown(),
  attempts: z.number().int(),
  reason: z.string(),
  status: z.enum(["dead", "replayed"]),
  createdAt: z.string(),
  replayedAt: z.string().nullable(),
  replayedBy: z.string().nullable(),
});
export type DeadLetter = z.infer<typeof deadLetterSchema>;

function view(row: repo.DeadLetterRow): DeadLetter {
  let body: unknown = row.body;
  try {
    body = JSON.parse(row.body);
  } catch {
    // Stored verbatim when it was not JSON; show it as a string.
  }
  return {
    id: row.id,
    queue: row.queue,
    messageId: row.messageId,
    eventType: row.eventType,
    body,
    attempts: row.attempts,
    reason: row.reason,
    status: row.status,
    createdAt: new Date(row.createdAt).toISOString(),
    replayedAt: row.replayedAt === null ? null : new Date(row.replayedAt).toISOString(),
    replayedBy: row.replayedBy,
  };
}

function eventTypeOf(body: unknown): string | null {
  if (body && typeof body === "object" && "type" in body && typeof body.type === "string") return body.type;
  return null;
}

/**
 * Records a message as dead; idempotent per (queue, message id). `queue` is normally a
 * `QueueName`; an outbox row naming a queue that no longer exists is recorded under its name.
 */
export async function recordDeadLetter(
  db: Db,
  input: {
    queue: QueueName | (string & {});
    messageId: string;
    body: unknown;
    attempts: number;
    reason: string;
    now: number;
  },
): Promise<void> {
  await repo.insertDeadLetter(db, {
    id: newId("deadLetter", input.now),
    queue: input.queue,
    messageId: input.messageId,
    eventType: eventTypeOf(input.body),
    body: JSON.stringify(input.body) ?? "null",
    attempts: input.attempts,
    reason: input.reason.slice(0, 500),
    status: "dead",
    createdAt: input.now,
  });
}

/** One page of dead letters, newest first. */
export async function listDeadLetters(
  db: Db,
  query: { status?: "dead" | "replayed"; queue?: string; limit: number; cursor?: string },
): Promise<{ items: DeadLetter[]; nextCursor: string | null }> {
  const rows = await repo.listDeadLetters(db, {
    ...(query.status ? { status: query.status } : {}),
    ...(query.queue ? { queue: query.queue } : {}),
    ...(query.cursor ? { after: decodeCursor(createdCursorSchema, query.cursor) } : {}),
    limit: query.limit + 1,
  });
  return pageOf(rows, query.limit, view);
}

/**
 * Re-sends a dead letter's original body to its source queue, once: the `dead` → `replayed`
 * compare-and-set lets exactly one of several concurrent replays send. The body keeps its event
 * id, so consumers that already handled it (through another path) skip it.
 */
export async function replayDeadLetter(
  db: Db,
  producers: Producers,
  input: { id: string; by: string; now: number },
): Promise<DeadLetter> {
  const won = await repo.markReplayed(db, input.id, input.by, input.now);
  if (!won) {
    const existing = await repo.findDeadLetter(db, input.id);
    if (!existing) throw new AppError("not_found", { detail: `No dead letter ${input.id}` });
    throw new AppError("invalid_transition", {
      detail: `Dead letter ${input.id} is already ${existing.status}`,
      extensions: { currentStatus: existing.status },
    });
  }
  if (!isQueueName(won.queue)) throw new Error(`dead letter ${won.id} names unknown queue ${won.queue}`);
  try {
    await publishRaw(producers, won.queue, JSON.parse(won.body));
  } catch (cause) {
    await repo.unmarkReplayed(db, won.id);
    throw new AppError("unavailable", { detail: "The message could not be re-sent; retry the replay", cause });
  }
  return view(won);
}
