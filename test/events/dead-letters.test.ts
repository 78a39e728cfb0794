import { createMessageBatch, env } from "cloudflare:test";
import { describe, expect, it, vi } from "vitest";
import { makeEvent } from "../../shared/events/messages";
import { newId } from "../../shared/platform/ids";
import { handleBatch } from "../../workers/events/worker";
import { DEMO, tokenFor } from "../helpers/callers";
import { call, json } from "../helpers/http";

/** Puts a canary event into the payment-events DLQ as Queues would after exhausting retries. */
async function deadLetterACanary(queue: "payment-events" | "refund-events" = "payment-events") {
  const canaryId = newId("canary");
  await env.DB.prepare("insert into event_canaries (id, queue, requested_by, created_at) values (?, ?, ?, ?)")
    .bind(canaryId, queue, "test", Date.now())
    .run();
  const messageId = newId("request");
  const body = makeEvent("platform.canary", { canaryId, queue }, Date.now());
  const message = { id: messageId, timestamp: new Date(), attempts: 6, body };
  await handleBatch(createMessageBatch(`${queue}-dlq`, [message]), env);
  return { canaryId, messageId, message, queue };
}

async function deadLetterId(messageId: string): Promise<string> {
  const row = await env.DB.prepare("select id from dead_letters where message_id = ?")
    .bind(messageId)
    .first<{ id: string }>();
  if (!row) throw new Error(`no dead letter for ${messageId}`);
  return row.id;
}

describe("dead letters", () => {
  it("records each message from a dead-letter queue once, even when redelivered", async () => {
    const { messageId, message } = await deadLetterACanary();
    await handleBatch(createMessageBatch("payment-events-dlq", [message]), env);
    const rows = await env.DB.prepare("select queue, reason, status, attempts from dead_letters where message_id = ?")
      .bind(messageId)
      .all();
    expect(rows.results).toEqual([
      { queue: "payment-events", reason: "retries_exhausted", status: "dead", attempts: 6 },
    ]);
  });

  it("lists dead letters for operators, newest first, with cursor pagination", async () => {
    for (let i = 0; i < 3; i++) await deadLetterACanary("refund-events");
    const token = await tokenFor(DEMO.operator);
    const first = await json<{ items: { id: string; queue: string }[]; nextCursor: string | null }>(
      await call("GET", "/admin/v1/dead-letters?queue=refund-events&limit=2", { token }),
    );
    expect(first.status).toBe(200);
    expect(first.body.items).toHaveLength(2);
    expect(first.body.items.every((d) => d.queue === "refund-events")).toBe(true);
    expect(first.body.nextCursor).toBeTruthy();
    const second = await json<{ items: { id: string }[] }>(
      await call("GET", `/admin/v1/dead-letters?queue=refund-events&limit=2&cursor=${first.body.nextCursor}`, {
        token,
      }),
    );
    const ids = [...first.body.items, ...second.body.items].map((d) => d.id);
    expect(new Set(ids).size).toBe(ids.length);
    const bad = await json(await call("GET", "/admin/v1/dead-letters?cursor=garbage", { token }));
    expect(bad).toMatchObject({
      status: 400,
      body: { code: "validation_failed", errors: [{ field: "query.cursor" }] },
    });
  });

  it("replays a dead letter once to its source queue, where the events Worker consumes it", async () => {
    const { canaryId, messageId } = await deadLetterACanary();
    const id = await deadLetterId(messageId);
    const token = await tokenFor(DEMO.operator);
    const replays = await Promise.all(
      Array.from({ length: 5 }, () => call("POST", `/admin/v1/dead-letters/${id}/replay`, { token }).then(json)),
    );
    expect(replays.filter((r) => r.status === 202)).toHaveLength(1);
    for (const r of replays.filter((r) => r.status !== 202)) {
      expect(r).toMatchObject({ status: 409, body: { code: "invalid_transition", currentStatus: "replayed" } });
    }
    await vi.waitUntil(
      async () => {
        const canary = await json<{ status: string }>(
          await call("GET", `/admin/v1/ops/event-canaries/${canaryId}`, { token }),
        );
        return canary.body.status === "consumed";
      },
      { timeout: 10_000, interval: 100 },
    );
    const row = await env.DB.prepare("select status, replayed_by from dead_letters where id = ?").bind(id).first();
    expect(row).toEqual({ status: "replayed", replayed_by: DEMO.operator.userId });
  });

  it("answers 404 for an unknown dead letter", async () => {
    const res = await json(
      await call("POST", "/admin/v1/dead-letters/dlq_nope/replay", { token: await tokenFor(DEMO.operator) }),
    );
    expect(res).toMatchObject({ status: 404, body: { code: "not_found" } });
  });
});
