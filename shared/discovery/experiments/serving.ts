/**
 * Serving experiments: which variant a unit gets on a target, recording its first exposure, and
 * attributing its paid orders. Exposures are written off the request's path (the caller hands the
 * promise to `waitUntil`) and only once per unit per isolate: a shopper reloading the home page
 * costs one D1 write per experiment per isolate, not one per request, and the table's primary key
 * (experiment, unit) keeps the first exposure whatever races.
 */
import type { Db } from "../../platform/db";
import { errorFields, type Logger } from "../../platform/logger";
import { assignVariant, unitOf } from "./assignment";
import type { ExperimentTarget, Variant } from "./definition";
import { type ExperimentRow, insertConversions, insertExposures, moveExposures, runningOn } from "./repo";

export interface Assignment {
  experimentId: string;
  unit: string;
  variant: Variant;
}

/** The variant `unit` gets in `experiment` (a running one). */
export function assignmentIn(experiment: Pick<ExperimentRow, "id" | "variants">, unit: string): Assignment {
  return { experimentId: experiment.id, unit, variant: assignVariant(experiment.id, unit, experiment.variants) };
}

/** The running experiment on `target` and the caller's variant in it; null without either. */
export async function assignmentOn(
  db: Db,
  target: ExperimentTarget,
  who: { userId?: string; cartToken?: string },
): Promise<Assignment | null> {
  const unit = unitOf(who);
  if (unit === null) return null;
  const experiment = await runningOn(db, target);
  return experiment ? assignmentIn(experiment, unit) : null;
}

/** (experiment, unit) pairs this isolate already wrote; bounded, forgotten wholesale when full. */
const exposed = new Set<string>();
const MAX_REMEMBERED = 50_000;

/**
 * Records the unit's exposure to its variant (the first one counts); a no-op when this isolate
 * already recorded it. Returns the write's promise for `waitUntil`.
 */
export async function recordExposure(db: Db, assignment: Assignment, now: number): Promise<void> {
  const key = `${assignment.experimentId}\u0000${assignment.unit}`;
  if (exposed.has(key)) return;
  if (exposed.size >= MAX_REMEMBERED) exposed.clear();
  await insertExposures(db, [
    {
      experimentId: assignment.experimentId,
      unitId: assignment.unit,
      variant: assignment.variant.name,
      exposedAt: now,
    },
  ]);
  exposed.add(key);
}

/**
 * `recordExposure` for `waitUntil`: a failed write is logged (with the request's logger) rather
 * than thrown into the void; the unit stays unremembered, so its next request tries again.
 */
export function exposeInBackground(db: Db, assignment: Assignment, now: number, log: Logger): Promise<void> {
  return recordExposure(db, assignment, now).catch((err: unknown) => {
    log.error("experiment exposure not recorded", { experimentId: assignment.experimentId, ...errorFields(err) });
  });
}

/**
 * A guest who signs in with their cart token becomes the shopper for the experiments that exposed
 * them as a guest: the exposures of `cart:<token>` are the user's from then on (variant and
 * exposure time kept), so an order they pay within the window converts the variant they saw.
 * The user's own earlier exposure to an experiment, if any, stands instead. Idempotent.
 */
export async function linkGuestExposures(db: Db, cartToken: string, userId: string): Promise<number> {
  const guest = unitOf({ cartToken });
  const user = unitOf({ userId });
  if (guest === null || user === null) return 0;
  return moveExposures(db, guest, user);
}

/**
 * A paid order counts as a conversion of every running experiment that exposed its shopper
 * within the window before it was paid (once per experiment and order, whatever redeliveries).
 * Answers how many experiments it was attributed to.
 */
export function attributePaidOrder(
  db: Db,
  order: { orderId: string; userId: string; total: { amount: number; currency: string }; paidAt: number },
): Promise<number> {
  const unitId = unitOf({ userId: order.userId });
  if (unitId === null) return Promise.resolve(0);
  return insertConversions(db, {
    orderId: order.orderId,
    unitId,
    amount: order.total.amount,
    currency: order.total.currency,
    paidAt: order.paidAt,
  });
}
