import { env } from "cloudflare:test";
import { inArray, type SQLWrapper, sql } from "drizzle-orm";
import { describe, expect, it } from "vitest";
import { outbox } from "../../db/schema";
import {
  batchRead,
  batchReads,
  combineReads,
  D1_MAX_PARAMS,
  inChunks,
  inKeys,
  keysVia,
  readChunks,
  runBatchRead,
} from "../../shared/platform/d1-chunks";
import { dbOf, runBatch } from "../../shared/platform/db";
import { newId } from "../../shared/platform/ids";
import { countingD1, type Trip } from "../helpers/counting-d1";

const db = dbOf(env.DB);

function rows(n: number, withDelay: (i: number) => boolean = () => false) {
  return Array.from({ length: n }, (_, i) => ({
    id: newId("event"),
    queue: "order-events",
    body: `{"n":${i}}`,
    ...(withDelay(i) ? { deliverAt: 1_000 + i } : {}),
    createdAt: 1_000,
  }));
}

/** `n` outbox rows, written. */
async function inserted(n: number) {
  const values = rows(n);
  await runBatch(
    db,
    inChunks(values, (chunk) => db.insert(outbox).values(chunk)),
  );
  return values;
}

describe("D1 parameter chunks", () => {
  it("D1 itself refuses a statement with more than 100 parameters (the cap the helper exists for)", async () => {
    const values = rows(30); // 30 rows × 4 bound values
    const err = await db
      .insert(outbox)
      .values(values)
      .then(
        () => null,
        (e: unknown) => e,
      );
    expect(String((err as { cause?: unknown } | null)?.cause)).toMatch(/too many SQL variables/i);
  });

  it("splits a 250-row insert into statements of at most 100 parameters, written atomically in one batch", async () => {
    const values = rows(250);
    const statements = inChunks(values, (chunk) => db.insert(outbox).values(chunk));
    expect(statements.length).toBeGreaterThan(1);
    for (const s of statements) expect(s.toSQL().params.length).toBeLessThanOrEqual(D1_MAX_PARAMS);
    // Fewest chunks: 4 parameters a row, so 25 rows a statement.
    expect(statements).toHaveLength(10);
    await runBatch(db, statements);
    const back = await readChunks(
      values.map((v) => v.id),
      (chunk) => db.select({ id: outbox.id }).from(outbox).where(inArray(outbox.id, chunk)),
    );
    expect(back.map((r) => r.id).sort()).toEqual(values.map((v) => v.id).sort());
  });

  it("halves a chunk whose later rows bind more values than the first two measured", async () => {
    // The first rows leave deliverAt out (a literal null), the rest bind it.
    const values = rows(120, (i) => i >= 2);
    const statements = inChunks(values, (chunk) => db.insert(outbox).values(chunk));
    for (const s of statements) expect(s.toSQL().params.length).toBeLessThanOrEqual(D1_MAX_PARAMS);
    await runBatch(db, statements);
    const [found] = await batchReads(db, [
      inChunks(
        values.map((v) => v.id),
        (chunk) =>
          db.select({ id: outbox.id, deliverAt: outbox.deliverAt }).from(outbox).where(inArray(outbox.id, chunk)),
      ),
    ]);
    expect(found).toHaveLength(120);
    expect(found.filter((r) => r.deliverAt !== null)).toHaveLength(118);
  });

  it("counts the statement's other parameters against the cap, and deletes a long IN list", async () => {
    const values = await inserted(300);
    const ids = values.map((v) => v.id);
    const deletes = inChunks(ids, (chunk) => db.delete(outbox).where(inArray(outbox.id, chunk)));
    expect(deletes).toHaveLength(3); // 100 ids each
    await runBatch(db, deletes);
    const [left, empty] = await batchReads(db, [
      inChunks(ids, (chunk) => db.select({ id: outbox.id }).from(outbox).where(inArray(outbox.id, chunk))),
      [],
    ]);
    expect(left).toEqual([]);
    expect(empty).toEqual([]);
    expect(inChunks([], (chunk: string[]) => db.delete(outbox).where(inArray(outbox.id, chunk)))).toEqual([]);
  });

  it("runs reads combined from several owners in one batch, each decoding only its own rows", async () => {
    const values = await inserted(150);
    const ids = values.map((v) => v.id);
    const byId = (set: string[] | SQLWrapper) =>
      db.select({ id: outbox.id, body: outbox.body }).from(outbox).where(inArray(outbox.id, set));
    // Keys taken through a subquery: the same rows, still one statement per chunk of ids.
    const via = keysVia({ ids }, (set) => db.select({ id: outbox.id }).from(outbox).where(inArray(outbox.id, set)));
    const read = combineReads(
      {
        listed: batchRead([inKeys({ ids }, byId)], ([found]) => found.map((r) => r.id).sort()),
        throughSubquery: batchRead([inKeys(via, byId)], ([found]) => found.length),
        count: batchRead(
          [
            [
              db
                .select({ n: sql<number>`count(*)` })
                .from(outbox)
                .where(inArray(outbox.id, ids.slice(0, 10))),
            ],
          ],
          ([[row]]) => row?.n,
        ),
      },
      (values) => values,
    );
    const statements = read.groups.flat();
    expect(statements).toHaveLength(2 + 2 + 1);
    for (const s of statements) expect(s.toSQL().params.length).toBeLessThanOrEqual(D1_MAX_PARAMS);
    const trips: Trip[] = [];
    const counted = dbOf(countingD1(env.DB, trips));
    expect(await runBatchRead(counted, read)).toEqual({ listed: [...ids].sort(), throughSubquery: 150, count: 10 });
    expect(trips.map((t) => t.what.split(":")[0])).toEqual(["batch of 5"]);
  });

  it("refuses an item that alone binds more than the cap", () => {
    expect(() => inChunks(rows(1), (chunk) => db.insert(outbox).values(chunk), 3)).toThrow(/more than 3/);
  });
});
