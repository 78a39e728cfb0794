/** Opaque list cursors: base64url JSON of the last row's sort key. Clients never parse them. */
import { and, type Column, eq, gt, lt, or, type SQL } from "drizzle-orm";
import { z } from "zod";
import { invalidField } from "./validation";

function toBase64Url(text: string): string {
  const bytes = new TextEncoder().encode(text);
  let binary = "";
  for (const b of bytes) binary += String.fromCharCode(b);
  return btoa(binary).replaceAll("+", "-").replaceAll("/", "_").replace(/=+$/, "");
}

function fromBase64Url(text: string): string {
  const binary = atob(text.replaceAll("-", "+").replaceAll("_", "/"));
  return new TextDecoder().decode(Uint8Array.from(binary, (ch) => ch.charCodeAt(0)));
}

/** Encodes a sort key as a cursor. */
export function encodeCursor(key: unknown): string {
  return toBase64Url(JSON.stringify(key));
}

/** Decodes a cursor against the schema of its sort key; a bad cursor is a 400 naming `query.cursor`. */
export function decodeCursor<S extends z.ZodType>(schema: S, cursor: string): z.output<S> {
  try {
    return schema.parse(JSON.parse(fromBase64Url(cursor)));
  } catch {
    throw invalidField("query.cursor", "is not a cursor this list issued");
  }
}

/** The sort key of lists ordered by creation: (createdAt, id), id breaking ties. */
export const createdCursorSchema = z.object({ createdAt: z.number().int(), id: z.string() });

/**
 * The keyset condition for "rows after this cursor" in a newest-first list ordered by
 * (createdAt desc, id desc): strictly older, or as old with a smaller id, so no row is skipped or
 * repeated when several share a timestamp. Undefined without a cursor (drizzle's `and` skips it).
 */
export function olderThan(
  createdAtColumn: Column,
  idColumn: Column,
  cursor: { createdAt: number; id: string } | undefined,
): SQL | undefined {
  if (!cursor) return undefined;
  return or(lt(createdAtColumn, cursor.createdAt), and(eq(createdAtColumn, cursor.createdAt), lt(idColumn, cursor.id)));
}

/** The mirror of `olderThan` for oldest-first lists ordered by (createdAt asc, id asc). */
export function newerThan(
  createdAtColumn: Column,
  idColumn: Column,
  cursor: { createdAt: number; id: string } | undefined,
): SQL | undefined {
  if (!cursor) return undefined;
  return or(gt(createdAtColumn, cursor.createdAt), and(eq(createdAtColumn, cursor.createdAt), gt(idColumn, cursor.id)));
}

/** Splits rows fetched with `limit + 1` into one page of views and the cursor after it (null at the end). */
export function pageOf<R extends { createdAt: number; id: string }, T>(
  rows: readonly R[],
  limit: number,
  view: (row: R) => T,
) {
  return pageByKey(rows, limit, view, (last) => ({ createdAt: last.createdAt, id: last.id }));
}

/** `pageOf` for lists ordered by another key (a version, a sequence number): `key` is the last row's. */
export function pageByKey<R, T>(rows: readonly R[], limit: number, view: (row: R) => T, key: (last: R) => unknown) {
  const page = rows.slice(0, limit);
  const last = page.at(-1);
  return {
    items: page.map(view),
    nextCursor: rows.length > limit && last !== undefined ? encodeCursor(key(last)) : null,
  };
}
