/** The drizzle handle over D1 that repositories take as their first argument. */
import type { BatchItem } from "drizzle-orm/batch";
import { drizzle } from "drizzle-orm/d1";
import * as schema from "../../db/schema";

export type Db = ReturnType<typeof dbOf>;

/** A drizzle database over a D1 binding (or a D1 session, for read-your-writes). */
export function dbOf(d1: D1Database | D1DatabaseSession) {
  return drizzle(d1 as D1Database, { schema });
}

/** Runs statements as one D1 batch (atomic: all or none); an empty list does nothing. */
export async function runBatch(db: Db, statements: BatchItem<"sqlite">[]): Promise<void> {
  const [first, ...rest] = statements;
  if (first) await db.batch([first, ...rest]);
}
