import { env } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { makeEvent } from "../../shared/events/messages";
import { outboxInsert, outboxRow, sendOutbox } from "../../shared/events/outbox";
import { dbOf, runBatch } from "../../shared/platform/db";
import { newId } from "../../shared/platform/ids";

// Regression (issue #11, defect 5): sending a large submission's outbox rows deleted them with one
// `IN (...)` of every id, past D1's 100 parameters from 101 rows on (a bulk job of 2,501+ rows).
describe("outbox clean-up", () => {
  it("sends and deletes 150 rows written by one change", async () => {
    const db = dbOf(env.DB);
    const now = Date.now();
    const jobId = newId("job"); // no such job: the consumer acknowledges and does nothing
    const rows = Array.from({ length: 150 }, (_, chunk) =>
      outboxRow("bulk-jobs", makeEvent("bulk.chunk_ready", { jobId, chunk }, now)),
    );
    await runBatch(
      db,
      rows.map((row) => outboxInsert(db, row)),
    );
    await sendOutbox(db, env, rows, now);
    const left = await env.DB.prepare("select count(*) as n from outbox where body like ?")
      .bind(`%${jobId}%`)
      .first<{ n: number }>();
    expect(left?.n).toBe(0);
  });
});
