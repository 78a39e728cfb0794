/** Operators' experiments: create (one running per target), read, list, stop, and the report. */
import { z } from "zod";
import { createdCursorSchema, decodeCursor, pageOf } from "../../platform/cursor";
import type { Db } from "../../platform/db";
import { AppError } from "../../platform/errors";
import { newId } from "../../platform/ids";
import type { Currency } from "../../platform/money";
import type { CreateExperimentBody, ExperimentReport, ExperimentView } from "./definition";
import {
  type ExperimentRow,
  findExperiment,
  insertRunning,
  listExperimentRows,
  markStopped,
  reportCounts,
} from "./repo";
import { twoProportionZTest } from "./significance";

export const listExperimentsQuery = z.object({
  limit: z.coerce.number().int().min(1).max(100).default(20),
  cursor: z.string().max(500).optional(),
});

function viewOf(row: ExperimentRow): ExperimentView {
  return {
    experimentId: row.id,
    name: row.name,
    target: row.target,
    unit: row.unit,
    status: row.status,
    windowHours: row.windowHours,
    variants: row.variants.map((v) => ({ name: v.name, weight: v.weight, config: { ...v.config } })),
    createdAt: new Date(row.createdAt).toISOString(),
  };
}

/** Starts an experiment; 409 `experiment_running` while another runs on the same target. */
export async function createExperiment(
  db: Db,
  body: CreateExperimentBody,
  actor: string,
  now: number,
): Promise<ExperimentView> {
  const row: ExperimentRow = {
    id: newId("experiment", now),
    name: body.name,
    target: body.target,
    unit: body.unit,
    variants: body.variants,
    windowHours: body.windowHours,
    status: "running",
    createdAt: now,
  };
  if (!(await insertRunning(db, { ...row, createdBy: actor }))) {
    throw new AppError("experiment_running", {
      detail: `Another experiment on ${body.target} is running; stop it first`,
      extensions: { target: body.target },
    });
  }
  return viewOf(row);
}

async function existing(db: Db, id: string): Promise<ExperimentRow> {
  const row = await findExperiment(db, id);
  if (!row) throw new AppError("not_found", { detail: "No such experiment" });
  return row;
}

export async function getExperiment(db: Db, id: string): Promise<ExperimentView> {
  return viewOf(await existing(db, id));
}

export async function listExperiments(db: Db, query: z.infer<typeof listExperimentsQuery>) {
  const after = query.cursor ? decodeCursor(createdCursorSchema, query.cursor) : undefined;
  return pageOf(await listExperimentRows(db, query.limit, after), query.limit, viewOf);
}

/** Stops it: its variants are no longer served and no more conversions are attributed. Idempotent. */
export async function stopExperiment(db: Db, id: string): Promise<ExperimentView> {
  const row = await existing(db, id);
  if (row.status === "running") await markStopped(db, id);
  return viewOf({ ...row, status: "stopped" });
}

/**
 * Each variant's exposures, conversions, rate and GMV, and each treatment's lift and two-sided
 * two-proportion z-test against the control (the first variant). The headline `lift`/`pValue`
 * are the best treatment's (the highest conversion rate), so a two-variant test reads directly.
 */
export async function experimentReport(db: Db, id: string): Promise<ExperimentReport> {
  const row = await existing(db, id);
  const counts = await reportCounts(db, id);
  const exposures = new Map(counts.exposed.map((r) => [r.variant, Number(r.units)]));
  const converted = new Map(counts.converted.map((r) => [r.variant, Number(r.units)]));
  const groups = row.variants.map((v) => ({
    name: v.name,
    exposures: exposures.get(v.name) ?? 0,
    conversions: converted.get(v.name) ?? 0,
  }));
  const control = groups[0];
  if (!control) throw new Error("an experiment without variants");
  const variants = groups.map((g) => {
    const test = g === control ? { lift: null, z: null, pValue: null } : twoProportionZTest(control, g);
    const money = counts.gmv.filter((r) => r.variant === g.name);
    return {
      ...g,
      orders: money.reduce((n, r) => n + Number(r.orders), 0),
      conversionRate: g.exposures === 0 ? 0 : g.conversions / g.exposures,
      gmv: money.map((r) => ({ amount: Number(r.amount), currency: r.currency as Currency })),
      ...test,
    };
  });
  const exposedTreatments = variants.slice(1).filter((v) => v.exposures > 0);
  const best = exposedTreatments.reduce<(typeof variants)[number] | null>(
    (top, v) => (top === null || v.conversionRate > top.conversionRate ? v : top),
    null,
  );
  return {
    experimentId: row.id,
    name: row.name,
    status: row.status,
    control: control.name,
    variants,
    best: best?.name ?? null,
    lift: best?.lift ?? null,
    pValue: best?.pValue ?? null,
    significant: best?.pValue !== null && best?.pValue !== undefined && best.pValue < 0.05,
  };
}
