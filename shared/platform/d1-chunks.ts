/**
 * D1 binds at most 100 parameters per statement (local D1 enforces it too), so a multi-row insert
 * or an `IN (...)` list built from data splits into several statements. This is the one place
 * that does it: `inChunks` builds a statement per chunk of items, each checked against the cap by
 * the statement's own SQL (so columns, defaults and other parameters are all counted), and the
 * statements go into one `db.batch` where they must stay atomic. `batchReads` runs groups of such
 * reads in one batch and concatenates each group's rows.
 *
 * Guarantee: every statement returned binds at most `D1_MAX_PARAMS` parameters, or `inChunks`
 * throws (a single item that alone exceeds the cap is a programming error, not data).
 */
import type { BatchItem } from "drizzle-orm/batch";
import type { Db } from "./db";

/** D1's limit on bound parameters in one statement. */
export const D1_MAX_PARAMS = 100;

/** Anything drizzle can render: query builders and relational queries. */
interface Renderable {
  toSQL(): { params: unknown[] };
}

function paramsOf(statement: Renderable): number {
  return statement.toSQL().params.length;
}

/**
 * Splits `items` into the fewest chunks whose statements (`build(chunk)`) each bind at most
 * `max` parameters, and returns those statements in item order. Empty input → no statements.
 * `build` must be pure (it is called more than once per chunk while sizing).
 */
export function inChunks<T, S extends Renderable>(
  items: readonly T[],
  build: (chunk: T[]) => S,
  max: number = D1_MAX_PARAMS,
): S[] {
  if (items.length === 0) return [];
  const one = build(items.slice(0, 1));
  const p1 = paramsOf(one);
  if (p1 > max) throw new Error(`one item alone binds ${p1} parameters, more than ${max}`);
  if (items.length === 1) return [one];
  // Parameters per item and fixed ones, measured on one and two items; rows whose optional
  // values differ are caught by the check below, which halves a chunk until it fits.
  const perItem = Math.max(1, paramsOf(build(items.slice(0, 2))) - p1);
  const fixed = Math.max(0, p1 - perItem);
  const size = Math.max(1, Math.floor((max - fixed) / perItem));
  const out: S[] = [];
  const emit = (chunk: T[]) => {
    const statement = build(chunk);
    if (chunk.length === 1 || paramsOf(statement) <= max) {
      if (paramsOf(statement) > max) throw new Error(`one item alone binds more than ${max} parameters`);
      out.push(statement);
      return;
    }
    const half = Math.ceil(chunk.length / 2);
    emit(chunk.slice(0, half));
    emit(chunk.slice(half));
  };
  for (let i = 0; i < items.length; i += size) emit(items.slice(i, i + size));
  return out;
}

/**
 * Runs chunked writes atomically: one statement on its own, several as one D1 batch (all or none).
 * Either way one round trip.
 */
export async function runChunks(db: Db, statements: readonly BatchItem<"sqlite">[]): Promise<void> {
  const [first, ...rest] = statements;
  if (!first) return;
  if (rest.length === 0) await first;
  else await db.batch([first, ...rest]);
}

/** Values split into lists of at most `size` (for work that is not a statement, e.g. RPC fan-out). */
export function chunkList<T>(values: readonly T[], size: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < values.length; i += size) out.push(values.slice(i, i + size));
  return out;
}

type Rows<S> = Awaited<S> extends readonly (infer R)[] ? R[] : never;

/**
 * Runs groups of reads in one D1 batch (one round trip, one consistent snapshot) and answers each
 * group's rows concatenated, in group order. A group is usually `inChunks(ids, ...)`; a group that
 * is empty answers `[]`. Ordering inside a group holds per chunk only: sort after if it matters.
 */
export async function batchReads<const G extends readonly (readonly Renderable[])[]>(
  db: Db,
  groups: G,
): Promise<{ -readonly [K in keyof G]: Rows<G[K][number]> }> {
  const flat = groups.flat() as unknown as BatchItem<"sqlite">[];
  const [first, ...rest] = flat;
  const results: unknown[][] = first ? ((await db.batch([first, ...rest])) as unknown as unknown[][]) : [];
  let at = 0;
  return groups.map((g) => {
    const rows = results.slice(at, at + g.length).flat();
    at += g.length;
    return rows;
  }) as never;
}

/** Runs `inChunks` reads concurrently outside a batch and concatenates their rows. */
export async function readChunks<T, S extends Renderable & PromiseLike<readonly unknown[]>>(
  items: readonly T[],
  build: (chunk: T[]) => S,
): Promise<Rows<S>> {
  const parts = await Promise.all(inChunks(items, build));
  return parts.flat() as Rows<S>;
}
