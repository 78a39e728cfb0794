import { env } from "cloudflare:test";
import { desc } from "drizzle-orm";
import { drizzle } from "drizzle-orm/d1";
import { integer, sqliteTable, text } from "drizzle-orm/sqlite-core";
import { SQLiteSyncDialect } from "drizzle-orm/sqlite-core/dialect";
import { describe, expect, it } from "vitest";
import {
  createdCursorSchema,
  decodeCursor,
  encodeCursor,
  newerThan,
  olderThan,
  pageOf,
} from "../../shared/platform/cursor";
import { AppError } from "../../shared/platform/errors";

const things = sqliteTable("things", { id: text("id").primaryKey(), createdAt: integer("created_at").notNull() });
const dialect = new SQLiteSyncDialect();

describe("olderThan", () => {
  it("is undefined without a cursor, so the list starts at the newest row", () => {
    expect(olderThan(things.createdAt, things.id, undefined)).toBeUndefined();
  });

  it("builds created_at < ? or (created_at = ? and id < ?) with the cursor's key", () => {
    const condition = olderThan(things.createdAt, things.id, { createdAt: 1_000, id: "thg_b" });
    if (!condition) throw new Error("expected a condition");
    const query = dialect.sqlToQuery(condition);
    expect(query.sql).toBe('("things"."created_at" < ? or ("things"."created_at" = ? and "things"."id" < ?))');
    expect(query.params).toEqual([1_000, 1_000, "thg_b"]);
  });

  it("pages through rows sharing a timestamp in D1 without skipping or repeating one", async () => {
    await env.DB.exec("CREATE TABLE IF NOT EXISTS things (id TEXT PRIMARY KEY, created_at INTEGER NOT NULL)");
    const rows = ["a", "b", "c", "d", "e"].flatMap((id, i) => [
      { id: `thg_${id}1`, createdAt: 1_000 + (i % 2) },
      { id: `thg_${id}2`, createdAt: 1_000 },
    ]);
    const db = drizzle(env.DB);
    await db.insert(things).values(rows);
    const newestFirst = [...rows].sort((x, y) => y.createdAt - x.createdAt || (x.id < y.id ? 1 : -1));
    const seen: string[] = [];
    let cursor: string | null = null;
    do {
      const after: { createdAt: number; id: string } | undefined = cursor
        ? decodeCursor(createdCursorSchema, cursor)
        : undefined;
      const fetched = await db
        .select()
        .from(things)
        .where(olderThan(things.createdAt, things.id, after))
        .orderBy(desc(things.createdAt), desc(things.id))
        .limit(4);
      const page: { items: string[]; nextCursor: string | null } = pageOf(fetched, 3, (row) => row.id);
      seen.push(...page.items);
      cursor = page.nextCursor;
    } while (cursor);
    expect(seen).toEqual(newestFirst.map((row) => row.id));
  });
});

describe("newerThan", () => {
  it("is undefined without a cursor and otherwise builds the ascending keyset condition", () => {
    expect(newerThan(things.createdAt, things.id, undefined)).toBeUndefined();
    const condition = newerThan(things.createdAt, things.id, { createdAt: 1_000, id: "thg_b" });
    if (!condition) throw new Error("expected a condition");
    const query = dialect.sqlToQuery(condition);
    expect(query.sql).toBe('("things"."created_at" > ? or ("things"."created_at" = ? and "things"."id" > ?))');
    expect(query.params).toEqual([1_000, 1_000, "thg_b"]);
  });
});

describe("cursors", () => {
  it("round-trips a sort key through an opaque base64url string", () => {
    const cursor = encodeCursor({ createdAt: 1_700_000_000_000, id: "ord_01/+é" });
    expect(cursor).toMatch(/^[A-Za-z0-9_-]+$/);
    expect(decodeCursor(createdCursorSchema, cursor)).toEqual({ createdAt: 1_700_000_000_000, id: "ord_01/+é" });
  });

  it("rejects a cursor it did not issue as a 400 naming query.cursor", () => {
    let caught: unknown;
    try {
      decodeCursor(createdCursorSchema, encodeCursor({ createdAt: "soon" }));
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(AppError);
    expect((caught as AppError).status).toBe(400);
    expect((caught as AppError).errors?.[0]?.field).toBe("query.cursor");
  });
});
