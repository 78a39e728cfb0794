/**
 * The search index rebuild as a job, like bulk jobs: an operator starts it (202 with the job), the
 * events Worker indexes the catalog a chunk of products per message on the bulk-jobs queue, in
 * product id order, and the job answers its progress (`done` of `total`) until it is `completed`.
 *
 * Each chunk counts once however its message is delivered: a delivery leases the chunk after the
 * job's cursor (the last product id indexed) before indexing it, and moves the cursor by
 * compare-and-set on its lease in the same D1 batch as the progress and the next chunk's outbox
 * row. A duplicate arriving meanwhile is retried until the cursor has moved on, then does
 * nothing; one arriving later finds the cursor moved at once. A crash between indexing and that
 * batch leaves the cursor where it was, and the redelivery indexes the chunk again once the lease
 * lapses (re-indexing a product twice changes nothing).
 */
import { desc, eq, sql } from "drizzle-orm";
import { z } from "zod";
import { searchRebuildJobs } from "../../db/schema";
import { makeEvent } from "../events/messages";
import { outboxInsert, outboxRow, sendOutbox } from "../events/outbox";
import type { Producers } from "../events/producer";
import type { Actor } from "../platform/actor";
import type { Clock } from "../platform/clock";
import { createdCursorSchema, decodeCursor, olderThan, pageOf } from "../platform/cursor";
import { assertExists, type Db, isAssertionFailure, runBatch } from "../platform/db";
import { AppError } from "../platform/errors";
import { newId } from "../platform/ids";
import { createLogger, errorFields, type Logger } from "../platform/logger";
import { countProductsToIndex, rebuildSearchIndex } from "./indexer";

/** Products indexed per queue message unless the operator says otherwise. */
export const DEFAULT_CHUNK_SIZE = 200;

export const startRebuildBody = z
  .object({
    missingOnly: z
      .boolean()
      .default(false)
      .describe("Index only products that have no search document yet (products loaded by SQL)"),
    chunkSize: z
      .number()
      .int()
      .min(1)
      .max(500)
      .default(DEFAULT_CHUNK_SIZE)
      .describe("Products indexed per queue message"),
  })
  .strict();

export const rebuildJobSchema = z.object({
  jobId: z.string(),
  status: z
    .enum(["queued", "running", "completed"])
    .describe("A chunk that keeps failing is retried by the queue, then dead-lettered (replayable); the job waits"),
  missingOnly: z.boolean(),
  chunkSize: z.number().int(),
  total: z.number().int().describe("Products to index, counted when the job started"),
  done: z.number().int().describe("Products indexed so far"),
  progress: z.number().describe("done / total, 0 to 1 (1 for a job with nothing to index)"),
  createdBy: z.string(),
  createdAt: z.string(),
  updatedAt: z.string(),
  completedAt: z.string().nullable(),
});
export type RebuildJob = z.infer<typeof rebuildJobSchema>;

type Row = typeof searchRebuildJobs.$inferSelect;

const iso = (ms: number) => new Date(ms).toISOString();

function viewOf(row: Row): RebuildJob {
  return {
    jobId: row.id,
    status: row.status,
    missingOnly: row.missingOnly,
    chunkSize: row.chunkSize,
    total: row.total,
    done: row.done,
    // Products created while it runs are indexed too (they come after the cursor), so done may pass total.
    progress: row.total === 0 ? 1 : Math.min(1, row.done / row.total),
    createdBy: row.createdBy,
    createdAt: iso(row.createdAt),
    updatedAt: iso(row.updatedAt),
    completedAt: row.completedAt === null ? null : iso(row.completedAt),
  };
}

interface RebuildDeps {
  db: Db;
  clock: Clock;
  producers: Producers;
  requestId?: string;
  log?: Logger;
}

const chunkEvent = (jobId: string, after: string | null, now: number) =>
  outboxRow("bulk-jobs", makeEvent("search.rebuild_chunk_ready", { jobId, after }, now));

/** Announces outbox rows now; if the queue is unreachable the events cron sends them from the outbox. */
async function announce(deps: RebuildDeps, rows: ReturnType<typeof chunkEvent>[], jobId: string, now: number) {
  await sendOutbox(deps.db, deps.producers, rows, now).catch((err: unknown) =>
    (deps.log ?? createLogger()).warn("search rebuild chunk not announced; the events cron sends it from the outbox", {
      requestId: deps.requestId,
      jobId,
      ...errorFields(err),
    }),
  );
}

/** Starts a rebuild: stores the job with its first chunk's message (one batch) and answers it queued. */
export async function startSearchRebuild(
  deps: RebuildDeps,
  actor: Actor,
  input: z.output<typeof startRebuildBody>,
): Promise<RebuildJob> {
  const { db } = deps;
  const now = deps.clock.now();
  const jobId = newId("job", now);
  const total = await countProductsToIndex(db, input.missingOnly);
  const first = chunkEvent(jobId, null, now);
  await runBatch(db, [
    db.insert(searchRebuildJobs).values({
      id: jobId,
      status: "queued",
      missingOnly: input.missingOnly,
      chunkSize: input.chunkSize,
      total,
      done: 0,
      cursor: null,
      createdBy: actor.id,
      createdAt: now,
      updatedAt: now,
    }),
    outboxInsert(db, first),
  ]);
  await announce(deps, [first], jobId, now);
  return getSearchRebuild(db, jobId);
}

/** A rebuild job with its progress; 404 when there is none by that id. */
export async function getSearchRebuild(db: Db, jobId: string): Promise<RebuildJob> {
  const row = await db.query.searchRebuildJobs.findFirst({ where: eq(searchRebuildJobs.id, jobId) });
  if (!row) throw new AppError("not_found", { detail: `No search rebuild job ${jobId}` });
  return viewOf(row);
}

/** The rebuild jobs, newest first, a page at a time (for the operator who lost a job id). */
export async function listSearchRebuilds(db: Db, query: { limit: number; cursor?: string | undefined }) {
  const after = query.cursor ? decodeCursor(createdCursorSchema, query.cursor) : undefined;
  const rows = await db
    .select()
    .from(searchRebuildJobs)
    .where(olderThan(searchRebuildJobs.createdAt, searchRebuildJobs.id, after))
    .orderBy(desc(searchRebuildJobs.createdAt), desc(searchRebuildJobs.id))
    .limit(query.limit + 1);
  return pageOf(rows, query.limit, viewOf);
}

/** How long one delivery holds a chunk before another may take it over (a crashed Worker's chunk). */
export const CHUNK_LEASE_MS = 120_000;

/**
 * Indexes the chunk after `after` and moves the job on (events Worker). A message whose chunk is
 * already counted (the cursor moved past `after`), or of a finished or unknown job, does nothing.
 * The delivery that leases the chunk does it; a duplicate arriving meanwhile is retried later
 * (it throws), by when the cursor has moved on or the lease has lapsed.
 */
export async function processRebuildChunk(deps: RebuildDeps, jobId: string, after: string | null): Promise<void> {
  const { db } = deps;
  const now = deps.clock.now();
  const cursorIs = after === null ? sql`${searchRebuildJobs.cursor} IS NULL` : eq(searchRebuildJobs.cursor, after);
  const atChunk = sql`${searchRebuildJobs.id} = ${jobId} AND ${cursorIs} AND ${searchRebuildJobs.status} <> 'completed'`;
  const leaseId = newId("operation", now);
  const leased = await db
    .update(searchRebuildJobs)
    .set({ leaseId, leaseUntil: now + CHUNK_LEASE_MS, status: "running", updatedAt: now })
    .where(sql`${atChunk} AND (${searchRebuildJobs.leaseUntil} IS NULL OR ${searchRebuildJobs.leaseUntil} < ${now})`)
    .returning({ chunkSize: searchRebuildJobs.chunkSize, missingOnly: searchRebuildJobs.missingOnly });
  const job = leased[0];
  if (!job) {
    const current = await db.query.searchRebuildJobs.findFirst({ where: eq(searchRebuildJobs.id, jobId) });
    if (!current || current.status === "completed" || current.cursor !== after) return;
    throw new Error(`search rebuild ${jobId}: the chunk after ${after ?? "the start"} is leased by another delivery`);
  }
  const page = await rebuildSearchIndex(db, now, after, job.chunkSize, job.missingOnly);
  const next = page.next === null ? [] : [chunkEvent(jobId, page.next, now)];
  const mine = sql`${atChunk} AND ${searchRebuildJobs.leaseId} = ${leaseId}`;
  try {
    await runBatch(db, [
      assertExists(db, sql`SELECT 1 FROM ${searchRebuildJobs} WHERE ${mine}`),
      db
        .update(searchRebuildJobs)
        .set({
          status: page.next === null ? "completed" : "running",
          done: sql`${searchRebuildJobs.done} + ${page.indexed}`,
          cursor: page.last ?? after,
          leaseId: null,
          leaseUntil: null,
          updatedAt: deps.clock.now(),
          completedAt: page.next === null ? deps.clock.now() : null,
        })
        .where(mine),
      ...next.map((row) => outboxInsert(db, row)),
    ]);
  } catch (err) {
    // The lease lapsed and another delivery took the chunk over and counted it: nothing left to do.
    if (isAssertionFailure(err)) return;
    throw err;
  }
  await announce(deps, next, jobId, now);
}
