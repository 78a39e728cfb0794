/**
 * Discrepancies (资损: find it during, not after): one open row per kind and ref, written by event
 * application (a correctly signed event whose amount is not the payment's) and by reconciliation
 * runs, resolved by the run that no longer finds it.
 */
import { and, desc, eq, isNull, type SQL, sql } from "drizzle-orm";
import { z } from "zod";
import { paymentDiscrepancies } from "../../db/schema";
import { createdCursorSchema, decodeCursor, olderThan, pageOf } from "../platform/cursor";
import type { Db } from "../platform/db";
import { newId } from "../platform/ids";

export const DISCREPANCY_KINDS = [
  "paid_not_recorded",
  "recorded_not_paid",
  "amount_mismatch",
  "refund_mismatch",
  "ledger_unbalanced",
] as const;
export type DiscrepancyKind = (typeof DISCREPANCY_KINDS)[number];

export interface Finding {
  kind: DiscrepancyKind;
  ref: string;
  expected: unknown;
  actual: unknown;
}

/** The statement recording `finding` unless one is already open for its kind and ref. */
export function recordStatement(db: Db, finding: Finding, now: number, runId: string | null = null) {
  return db
    .insert(paymentDiscrepancies)
    .values({
      id: newId("discrepancy", now),
      kind: finding.kind,
      ref: finding.ref,
      expected: JSON.stringify(finding.expected),
      actual: JSON.stringify(finding.actual),
      runId,
      detectedAt: now,
      resolvedAt: null,
    })
    .onConflictDoNothing();
}

/** Records `finding` (once while open). */
export async function recordDiscrepancy(db: Db, finding: Finding, now: number, runId: string | null = null) {
  await recordStatement(db, finding, now, runId);
}

export const discrepancySchema = z.object({
  discrepancyId: z.string(),
  kind: z.enum(DISCREPANCY_KINDS),
  ref: z.string(),
  expected: z.unknown(),
  actual: z.unknown(),
  runId: z.string().nullable(),
  detectedAt: z.string(),
  resolvedAt: z.string().nullable(),
});

export const listDiscrepanciesQuery = z.object({
  kind: z.enum(DISCREPANCY_KINDS).optional(),
  open: z
    .enum(["true", "false"])
    .optional()
    .transform((v) => (v === undefined ? undefined : v === "true"))
    .describe("true: only unresolved ones; false: only resolved ones"),
  limit: z.coerce.number().int().min(1).max(100).default(50),
  cursor: z.string().min(1).max(512).optional(),
});

/** Newest first. */
export async function listDiscrepancies(db: Db, query: z.output<typeof listDiscrepanciesQuery>) {
  const t = paymentDiscrepancies;
  const conditions: (SQL | undefined)[] = [
    query.kind ? eq(t.kind, query.kind) : undefined,
    query.open === undefined ? undefined : query.open ? isNull(t.resolvedAt) : sql`${t.resolvedAt} IS NOT NULL`,
  ];
  if (query.cursor) conditions.push(olderThan(t.detectedAt, t.id, decodeCursor(createdCursorSchema, query.cursor)));
  const rows = await db
    .select()
    .from(t)
    .where(and(...conditions))
    .orderBy(desc(t.detectedAt), desc(t.id))
    .limit(query.limit + 1);
  return pageOf(
    rows.map((r) => ({ ...r, createdAt: r.detectedAt })),
    query.limit,
    (r) => ({
      discrepancyId: r.id,
      kind: r.kind as DiscrepancyKind,
      ref: r.ref,
      expected: JSON.parse(r.expected) as unknown,
      actual: JSON.parse(r.actual) as unknown,
      runId: r.runId,
      detectedAt: new Date(r.detectedAt).toISOString(),
      resolvedAt: r.resolvedAt === null ? null : new Date(r.resolvedAt).toISOString(),
    }),
  );
}
