/** The switches' rows: current states and the flip log (see db/schema/operations.ts). */
import { desc, eq, sql } from "drizzle-orm";
import { featureSwitches, featureSwitchFlips } from "../../../db/schema";
import type { Db } from "../db";
import { runBatch } from "../db";

export type SwitchRow = typeof featureSwitches.$inferSelect;
export type FlipRow = typeof featureSwitchFlips.$inferSelect;

/** Every stored switch state (a handful of rows). */
export function storedSwitches(db: Db): Promise<SwitchRow[]> {
  return db.select().from(featureSwitches);
}

/** Writes the state and its flip log row in one batch. */
export async function writeFlip(db: Db, state: SwitchRow, flipId: string): Promise<void> {
  await runBatch(db, [
    db
      .insert(featureSwitches)
      .values(state)
      .onConflictDoUpdate({
        target: featureSwitches.name,
        set: { enabled: state.enabled, reason: state.reason, updatedBy: state.updatedBy, updatedAt: state.updatedAt },
      }),
    db.insert(featureSwitchFlips).values({
      id: flipId,
      name: state.name,
      enabled: state.enabled,
      reason: state.reason,
      actor: state.updatedBy,
      at: state.updatedAt,
    }),
  ]);
}

/** The newest `limit` flips of `name`. */
export function recentFlips(db: Db, name: string, limit: number): Promise<FlipRow[]> {
  return (
    db
      .select()
      .from(featureSwitchFlips)
      .where(eq(featureSwitchFlips.name, name))
      // rowid: insertion order, for flips within one millisecond.
      .orderBy(desc(featureSwitchFlips.at), sql`rowid DESC`)
      .limit(limit)
  );
}
