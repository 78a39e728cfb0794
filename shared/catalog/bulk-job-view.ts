/**
 * A bulk job as its submitter sees it: progress, the rows that failed with why, and the products an
 * import created (with the status the import left them in and what it could not carry over).
 */
import { and, asc, count, eq, isNotNull } from "drizzle-orm";
import { z } from "zod";
import { bulkJobRows, bulkJobs } from "../../db/schema";
import type { Caller } from "../platform/auth";
import type { Db } from "../platform/db";
import { AppError } from "../platform/errors";
import { canAccessShop } from "../platform/shop-access";

/** Rows listed in a job view's `errors` and `created`. */
const MAX_LISTED = 1000;

/** What a done import row records beside its product id (rows done before it was kept have none). */
const rowOutcome = z.object({
  status: z.string().default("DRAFT"),
  warnings: z.array(z.string()).default([]),
});

/** A job view: GET /admin/v1/bulk-jobs/:jobId. */
export const bulkJobSchema = z.object({
  jobId: z.string(),
  kind: z.enum(["import", "edit", "feed"]).describe("feed: a feed run's difference (GET /admin/v1/feeds/{feedId})"),
  format: z.enum(["json", "csv"]),
  status: z
    .enum(["queued", "running", "completed", "failed"])
    .describe("completed: every row ran and at least one succeeded (failures are listed); failed: every row failed"),
  total: z.number().int(),
  done: z.number().int(),
  failed: z.number().int(),
  errors: z.array(
    z.object({
      row: z.number().int(),
      ref: z.string().nullable().describe("The row's Shopify handle, seller SKU code or product name"),
      code: z.string(),
      detail: z.string(),
    }),
  ),
  created: z
    .array(
      z.object({
        row: z.number().int(),
        ref: z.string().nullable().describe("The Shopify handle (CSV) or the product name (JSON)"),
        productId: z.string(),
        status: z
          .string()
          .describe("The product's status as the import left it: DRAFT, or PENDING_AUDIT when submitted"),
        warnings: z.array(z.string()).describe("What the import could not carry over, or changed"),
      }),
    )
    .describe(`The products an import created, by row (the first ${MAX_LISTED} rows); empty for edits`),
  createdAt: z.string(),
  completedAt: z.string().nullable(),
});

/** A job of a shop the caller may see (404 otherwise). */
export async function getBulkJob(db: Db, caller: Caller, jobId: string) {
  const job = await db.query.bulkJobs.findFirst({ where: eq(bulkJobs.id, jobId) });
  if (!job || !canAccessShop(caller, job.shopId)) {
    throw new AppError("not_found", { detail: `No bulk job ${jobId}` });
  }
  const counts = await db
    .select({ status: bulkJobRows.status, n: count() })
    .from(bulkJobRows)
    .where(eq(bulkJobRows.jobId, jobId))
    .groupBy(bulkJobRows.status);
  const errors = await db
    .select({
      row: bulkJobRows.row,
      ref: bulkJobRows.ref,
      code: bulkJobRows.errorCode,
      detail: bulkJobRows.errorDetail,
    })
    .from(bulkJobRows)
    .where(and(eq(bulkJobRows.jobId, jobId), eq(bulkJobRows.status, "failed")))
    .orderBy(asc(bulkJobRows.row))
    .limit(MAX_LISTED);
  // A feed's job mixes creations with edits: only its creations record an outcome.
  const created =
    job.kind !== "edit"
      ? await db
          .select({
            row: bulkJobRows.row,
            ref: bulkJobRows.ref,
            productId: bulkJobRows.resultId,
            outcome: bulkJobRows.outcome,
          })
          .from(bulkJobRows)
          .where(
            and(
              eq(bulkJobRows.jobId, jobId),
              eq(bulkJobRows.status, "done"),
              job.kind === "feed" ? isNotNull(bulkJobRows.outcome) : undefined,
            ),
          )
          .orderBy(asc(bulkJobRows.row))
          .limit(MAX_LISTED)
      : [];
  const n = (s: string) => counts.find((c) => c.status === s)?.n ?? 0;
  return {
    jobId: job.id,
    kind: job.kind,
    format: job.format,
    status: job.status,
    total: job.total,
    done: n("done"),
    failed: n("failed"),
    errors: errors.map((e) => ({ row: e.row, ref: e.ref, code: e.code ?? "failed", detail: e.detail ?? "" })),
    created: created.map((c) => {
      const outcome = rowOutcome.safeParse(c.outcome === null ? {} : JSON.parse(c.outcome));
      return {
        row: c.row,
        ref: c.ref,
        productId: c.productId ?? "",
        ...(outcome.success ? outcome.data : { status: "DRAFT", warnings: [] }),
      };
    }),
    createdAt: new Date(job.createdAt).toISOString(),
    completedAt: job.completedAt === null ? null : new Date(job.completedAt).toISOString(),
  };
}

/** A job's status alone (a feed waits for its last run's job before it diffs again); undefined if absent. */
export async function bulkJobStatus(db: Db, jobId: string) {
  const job = await db.query.bulkJobs.findFirst({ columns: { status: true }, where: eq(bulkJobs.id, jobId) });
  return job?.status;
}
