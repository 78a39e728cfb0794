/** The experiment tables: definitions, first exposures per unit, attributed conversions. */
import { and, desc, eq, sql } from "drizzle-orm";
import { experimentConversions, experimentExposures, experiments } from "../../../db/schema";
import { olderThan } from "../../platform/cursor";
import type { Db } from "../../platform/db";
import type { ExperimentTarget, Variant } from "./definition";

export interface ExperimentRow {
  id: string;
  name: string;
  target: ExperimentTarget;
  unit: "user";
  variants: Variant[];
  windowHours: number;
  status: "running" | "stopped";
  createdAt: number;
}

type Stored = typeof experiments.$inferSelect;
const rowOf = (r: Stored): ExperimentRow => ({
  id: r.id,
  name: r.name,
  target: r.target,
  unit: r.unit,
  variants: JSON.parse(r.variants) as Variant[],
  windowHours: r.windowHours,
  status: r.status,
  createdAt: r.createdAt,
});

/**
 * Stores a running experiment unless another one on its target is running: one conditional
 * INSERT … SELECT, so of two racing creates on one target exactly one lands. False when refused.
 */
export async function insertRunning(db: Db, row: ExperimentRow & { createdBy: string }): Promise<boolean> {
  const rows = await db.all<{ id: string }>(sql`
    INSERT INTO experiments (id, name, target, unit, variants, window_hours, status, created_by, created_at)
    SELECT ${row.id}, ${row.name}, ${row.target}, ${row.unit}, ${JSON.stringify(row.variants)}, ${row.windowHours},
           'running', ${row.createdBy}, ${row.createdAt}
    WHERE NOT EXISTS (SELECT 1 FROM experiments WHERE target = ${row.target} AND status = 'running')
    RETURNING id`);
  return rows.length === 1;
}

export async function findExperiment(db: Db, id: string): Promise<ExperimentRow | null> {
  const row = await db.query.experiments.findFirst({ where: eq(experiments.id, id) });
  return row ? rowOf(row) : null;
}

/** Newest first, `limit + 1` rows after the cursor (the caller pages). */
export async function listExperimentRows(db: Db, limit: number, after?: { createdAt: number; id: string }) {
  const rows = await db
    .select()
    .from(experiments)
    .where(and(olderThan(experiments.createdAt, experiments.id, after)))
    .orderBy(desc(experiments.createdAt), desc(experiments.id))
    .limit(limit + 1);
  return rows.map(rowOf);
}

/** The running experiment on `target` (at most one runs per target). */
export async function runningOn(db: Db, target: ExperimentTarget): Promise<ExperimentRow | null> {
  const row = await db.query.experiments.findFirst({
    where: and(eq(experiments.target, target), eq(experiments.status, "running")),
  });
  return row ? rowOf(row) : null;
}

/** running → stopped; false when it was not running. */
export async function markStopped(db: Db, id: string): Promise<boolean> {
  const rows = await db
    .update(experiments)
    .set({ status: "stopped" })
    .where(and(eq(experiments.id, id), eq(experiments.status, "running")))
    .returning({ id: experiments.id });
  return rows.length === 1;
}

/** A unit's first exposure (later ones change nothing: the first fixes the attribution window). */
export async function insertExposures(
  db: Db,
  exposures: { experimentId: string; unitId: string; variant: string; exposedAt: number }[],
): Promise<void> {
  if (exposures.length === 0) return;
  await db.insert(experimentExposures).values(exposures).onConflictDoNothing();
}

/**
 * Moves `from`'s exposures in running experiments to `to`, in one batch: each becomes `to`'s
 * (same variant, same exposure time) unless `to` was exposed to that experiment already, whose
 * own exposure then stands; either way `from`'s row goes, so one person is one unit. Answers how
 * many exposures `to` took over.
 */
export async function moveExposures(db: Db, from: string, to: string): Promise<number> {
  const running = sql`SELECT id FROM experiments WHERE status = 'running'`;
  const [moved] = await db.batch([
    db
      .insert(experimentExposures)
      .select(
        sql`SELECT experiment_id, ${to}, variant, exposed_at FROM experiment_exposures WHERE unit_id = ${from} AND experiment_id IN (${running})`,
      )
      .onConflictDoNothing()
      .returning({ experimentId: experimentExposures.experimentId }),
    db
      .delete(experimentExposures)
      .where(and(eq(experimentExposures.unitId, from), sql`${experimentExposures.experimentId} IN (${running})`)),
  ]);
  return moved.length;
}

/**
 * Attributes a paid order to every running experiment that exposed its shopper within the
 * window before `paidAt`: one INSERT … SELECT keyed by (experiment, order), so a redelivered
 * order.paid adds nothing.
 */
export async function insertConversions(
  db: Db,
  order: { orderId: string; unitId: string; amount: number; currency: string; paidAt: number },
): Promise<number> {
  const rows = await db.all<{ id: string }>(sql`
    INSERT INTO experiment_conversions (experiment_id, order_id, unit_id, variant, amount, currency, converted_at)
    SELECT e.experiment_id, ${order.orderId}, e.unit_id, e.variant, ${order.amount}, ${order.currency}, ${order.paidAt}
    FROM experiment_exposures e JOIN experiments x ON x.id = e.experiment_id
    WHERE e.unit_id = ${order.unitId} AND x.status = 'running'
      AND e.exposed_at <= ${order.paidAt} AND ${order.paidAt} < e.exposed_at + x.window_hours * 3600000
    ON CONFLICT (experiment_id, order_id) DO NOTHING
    RETURNING experiment_id AS id`);
  return rows.length;
}

/**
 * The report's counts in one batch: distinct exposed units per variant, distinct converted units
 * per variant (a unit paying in two currencies counts once), and orders and GMV per variant and
 * currency.
 */
export async function reportCounts(db: Db, experimentId: string) {
  const c = experimentConversions;
  const [exposed, converted, gmv] = await db.batch([
    db
      .select({ variant: experimentExposures.variant, units: sql<number>`count(*)` })
      .from(experimentExposures)
      .where(eq(experimentExposures.experimentId, experimentId))
      .groupBy(experimentExposures.variant),
    db
      .select({ variant: c.variant, units: sql<number>`count(DISTINCT ${c.unitId})` })
      .from(c)
      .where(eq(c.experimentId, experimentId))
      .groupBy(c.variant),
    db
      .select({
        variant: c.variant,
        currency: c.currency,
        orders: sql<number>`count(*)`,
        amount: sql<number>`sum(${c.amount})`,
      })
      .from(c)
      .where(eq(c.experimentId, experimentId))
      .groupBy(c.variant, c.currency)
      .orderBy(c.variant, c.currency),
  ]);
  return { exposed, converted, gmv };
}
