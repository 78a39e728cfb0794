/**
 * D1 binds at most 100 parameters per statement (local D1 enforces it too), so a multi-row insert
 * or an `IN (...)` list built from data splits into several statements. This is the one place
 * that does it: `inChunks` builds a statement per chunk of items, each checked against the cap by
 * the statement's own SQL (so columns, defaults and other parameters are all counted), and the
 * statements go into one `db.batch` where they must stay atomic. `batchReads` runs groups of such
 * reads in one batch and concatenates each group's rows. A `BatchRead` is such a set of groups with
 * its decoder, so a domain can lend its reads to another domain's batch (checkout reads the
 * catalog's, the users', shipping's and inventory's facts in one round trip).
 *
 * Guarantee: every statement returned binds at most `D1_MAX_PARAMS` parameters, or `inChunks`
 * throws (a single item that alone exceeds the cap is a programming error, not data).
 *
 * Rendering a statement (drizzle's SQL text and parameters) is the costliest part of building it:
 * a sixth of the local thread's time per order went there, and the check rendered each statement
 * twice or more (the check, then the batch). A statement `inChunks` returns keeps the rendering
 * its check made, and drizzle's batch and `await` use that one: so do not change a statement
 * after `inChunks` built it.
 */
import type { SQLWrapper } from "drizzle-orm";
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

/** drizzle's prepared query, the rendering of one statement (an internal of its builders). */
interface Prepared {
  getQuery(): { params: unknown[] };
}

/**
 * The parameters `statement` binds, rendered once: the builder keeps the prepared query, which
 * is what drizzle's `db.batch` and `await` render it into (both call `_prepare`), so the check
 * costs no second rendering. Builders without `_prepare` are rendered with `toSQL`.
 */
function renderedParams(statement: Renderable): number {
  const builder = statement as Renderable & { _prepare?: () => Prepared };
  if (typeof builder._prepare !== "function") return paramsOf(statement);
  const prepared = builder._prepare();
  builder._prepare = () => prepared;
  return prepared.getQuery().params.length;
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
  // Most lists fit in one statement (an order's SKUs, a batch's event ids): rendered once, kept.
  const whole = build(items.slice());
  const all = renderedParams(whole);
  if (all <= max) return [whole];
  if (items.length === 1) throw new Error(`one item alone binds ${all} parameters, more than ${max}`);
  // Parameters per item and fixed ones, measured on one and two items; rows whose optional
  // values differ are caught by the check below, which halves a chunk until it fits.
  const p1 = paramsOf(build(items.slice(0, 1)));
  if (p1 > max) throw new Error(`one item alone binds ${p1} parameters, more than ${max}`);
  const perItem = Math.max(1, paramsOf(build(items.slice(0, 2))) - p1);
  const fixed = Math.max(0, p1 - perItem);
  const size = Math.max(1, Math.floor((max - fixed) / perItem));
  const out: S[] = [];
  const emit = (chunk: T[]) => {
    const statement = build(chunk);
    const params = renderedParams(statement);
    if (params <= max) {
      out.push(statement);
      return;
    }
    if (chunk.length === 1) throw new Error(`one item alone binds ${params} parameters, more than ${max}`);
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

type GroupRows<G extends readonly (readonly Renderable[])[]> = { -readonly [K in keyof G]: Rows<G[K][number]> };

/**
 * The keys a read filters on (`inArray(column, set)`): `ids` themselves or, with `via`, what a
 * subquery over each chunk of `ids` yields ("the shops of these SKUs"), so a read keyed by what
 * another domain knows still goes in the same batch. Chunked as `inChunks` chunks.
 */
export interface KeySet {
  readonly ids: readonly string[];
  readonly via?: (chunk: string[]) => SQLWrapper;
}

/** One statement per chunk of `keys`, each given its chunk's ids or subquery (see `KeySet`). */
export function inKeys<S extends Renderable>(keys: KeySet, build: (set: string[] | SQLWrapper) => S): S[] {
  const { via } = keys;
  return inChunks(keys.ids, via ? (chunk) => build(via(chunk)) : build);
}

/** `keys` taken one subquery further (from "these SKUs" to "their products"). */
export function keysVia(keys: KeySet, via: (set: string[] | SQLWrapper) => SQLWrapper): KeySet {
  const inner = keys.via;
  return { ids: keys.ids, via: (chunk) => via(inner ? inner(chunk) : chunk) };
}

/** Reads a domain lends to a caller's D1 batch: statement groups, and how their rows decode. */
export interface BatchRead<T> {
  readonly groups: readonly (readonly Renderable[])[];
  decode(rows: readonly unknown[][]): T;
}

/** A `BatchRead` of `groups`; `decode` gets each group's rows as `batchReads` answers them. */
export function batchRead<const G extends readonly (readonly Renderable[])[], T>(
  groups: G,
  decode: (rows: GroupRows<G>) => T,
): BatchRead<T> {
  return { groups, decode: (rows) => decode(rows as never) };
}

type ReadValues<R extends Record<string, BatchRead<unknown>>> = {
  [K in keyof R]: R[K] extends BatchRead<infer T> ? T : never;
};

/** Several reads as one: their groups in one batch, `decode` given each read's value by name. */
export function combineReads<const R extends Record<string, BatchRead<unknown>>, T>(
  reads: R,
  decode: (values: ReadValues<R>) => T,
): BatchRead<T> {
  const parts = Object.entries(reads);
  return {
    groups: parts.flatMap(([, read]) => read.groups),
    decode(rows) {
      let at = 0;
      const values: Record<string, unknown> = {};
      for (const [name, read] of parts) {
        values[name] = read.decode(rows.slice(at, at + read.groups.length));
        at += read.groups.length;
      }
      return decode(values as ReadValues<R>);
    },
  };
}

/** Runs a `BatchRead` as one D1 batch (one round trip, one snapshot; none when it has no statements). */
export async function runBatchRead<T>(db: Db, read: BatchRead<T>): Promise<T> {
  return read.decode((await batchReads(db, read.groups)) as unknown[][]);
}
