import { createExecutionContext, createMessageBatch, env, getQueueResult } from "cloudflare:test";
import { describe, expect, it, vi } from "vitest";
import { backoffSeconds, consumeBatch, type Handlers } from "../../shared/events/consumer";
import { makeEvent } from "../../shared/events/messages";
import { inventoryOf } from "../../shared/inventory/binding";
import { orderStoreOf } from "../../shared/orders/order-store";
import { systemClock } from "../../shared/platform/clock";
import { dbOf } from "../../shared/platform/db";
import { AppError } from "../../shared/platform/errors";
import { newId } from "../../shared/platform/ids";
import { createLogger } from "../../shared/platform/logger";
import { countingD1, type Trip } from "../helpers/counting-d1";

const deps = () => ({
  db: dbOf(env.DB),
  orders: orderStoreOf(env, systemClock),
  clock: systemClock,
  log: createLogger({ test: "consumer" }),
  producers: env,
  inventory: inventoryOf(env),
  adapters: {},
});

function canaryMessage(
  attempts = 1,
  body: unknown = makeEvent("platform.canary", { canaryId: newId("canary"), queue: "order-events" }, Date.now()),
) {
  return { id: newId("request"), timestamp: new Date(), attempts, body };
}

/** Runs a batch; the harness's result drops retry delays, so they are captured with spies. */
// Only canaries travel in these tests; the queue's other handlers are never reached.
type CanaryHandlers = Pick<Handlers<"order-events">, "platform.canary">;

async function run(messages: ReturnType<typeof canaryMessage>[], canaryHandlers: CanaryHandlers, d1 = env.DB) {
  const handlers = canaryHandlers as Handlers<"order-events">;
  const batch = createMessageBatch("order-events", messages);
  const delays = new Map<string, number | undefined>();
  for (const message of batch.messages) {
    const retry = message.retry.bind(message);
    vi.spyOn(message, "retry").mockImplementation((options) => {
      delays.set(message.id, options?.delaySeconds);
      retry(options);
    });
  }
  const ctx = createExecutionContext();
  await consumeBatch("order-events", batch, handlers, { ...deps(), db: dbOf(d1) });
  const result = await getQueueResult(batch, ctx);
  return { ...result, retryMessages: result.retryMessages.map((r) => ({ ...r, delaySeconds: delays.get(r.msgId) })) };
}

async function deadLetterOf(messageId: string) {
  return env.DB.prepare("select * from dead_letters where message_id = ?")
    .bind(messageId)
    .first<{ reason: string; status: string; queue: string }>();
}

describe("the queue consumer loop", () => {
  it("acknowledges handled messages and skips a redelivered event", async () => {
    const seen: string[] = [];
    const handlers: CanaryHandlers = { "platform.canary": async (m) => void seen.push(m.id) };
    const message = canaryMessage();
    const first = await run([message], handlers);
    expect(first.explicitAcks).toEqual([message.id]);
    // The same event again, as Queues' at-least-once delivery may bring it (new message id, same event id).
    const again = { ...canaryMessage(), body: message.body };
    const second = await run([again], handlers);
    expect(second.explicitAcks).toEqual([again.id]);
    expect(seen).toHaveLength(1);
  });

  it("retries a retryable failure alone, with backoff growing with attempts", async () => {
    const ok = canaryMessage();
    const flaky1 = canaryMessage(1);
    const flaky3 = canaryMessage(3);
    const failing = new Set([flaky1, flaky3].map((m) => (m.body as { id: string }).id));
    const handlers: CanaryHandlers = {
      "platform.canary": async (m) => {
        if (failing.has(m.id)) throw new AppError("unavailable", { retryable: true });
      },
    };
    const result = await run([ok, flaky1, flaky3], handlers);
    expect(result.explicitAcks).toEqual([ok.id]);
    expect(result.retryMessages).toEqual([
      { msgId: flaky1.id, delaySeconds: backoffSeconds(1) },
      { msgId: flaky3.id, delaySeconds: backoffSeconds(3) },
    ]);
    expect(backoffSeconds(1)).toBe(5);
    expect(backoffSeconds(3)).toBe(20);
    expect(backoffSeconds(30)).toBe(900);
  });

  it("retries unknown errors (a D1 hiccup may pass)", async () => {
    const message = canaryMessage(2);
    const result = await run([message], {
      "platform.canary": async () => {
        throw new Error("D1_ERROR: network connection lost");
      },
    });
    expect(result.retryMessages).toEqual([{ msgId: message.id, delaySeconds: 10 }]);
  });

  it("dead-letters a permanent failure at once and acknowledges it", async () => {
    const message = canaryMessage();
    const result = await run([message], {
      "platform.canary": async () => {
        throw new AppError("unprocessable", { detail: "references a deleted order" });
      },
    });
    expect(result.explicitAcks).toEqual([message.id]);
    expect(result.retryMessages).toEqual([]);
    expect(await deadLetterOf(message.id)).toMatchObject({
      queue: "order-events",
      status: "dead",
      reason: "unprocessable: references a deleted order",
    });
  });

  it("dead-letters a message that does not match the queue's schema", async () => {
    const message = canaryMessage(1, { id: "evt_x", type: "order.teleported", occurredAt: 1, data: {} });
    const result = await run([message], { "platform.canary": async () => {} });
    expect(result.explicitAcks).toEqual([message.id]);
    expect((await deadLetterOf(message.id))?.reason).toMatch(/^invalid_message/);
  });

  it("reads and writes the inbox once per batch, not per message, and handles an event twice in one batch once", async () => {
    const seen: string[] = [];
    const handlers: CanaryHandlers = { "platform.canary": async (m) => void seen.push(m.id) };
    const messages = Array.from({ length: 10 }, () => canaryMessage());
    const trips: Trip[] = [];
    const first = await run(messages, handlers, countingD1(env.DB, trips));
    expect(first.explicitAcks).toEqual(messages.map((m) => m.id));
    expect(trips).toHaveLength(2);
    expect(trips[0]?.what).toMatch(/select .*"processed_events"/);
    expect(trips[1]?.what).toMatch(/insert into "processed_events"/);
    // Redelivered beside a copy of itself and one new event: the two copies are skipped, the new one handled.
    const fresh = canaryMessage();
    const copies = [0, 1].map(() => ({ ...canaryMessage(), body: messages[0]?.body }));
    const second = await run([copies[0], fresh, copies[1]] as ReturnType<typeof canaryMessage>[], handlers);
    expect(second.explicitAcks.sort()).toEqual([copies[0]?.id, fresh.id, copies[1]?.id].sort());
    expect(seen).toHaveLength(11);
    const twice = canaryMessage();
    const third = await run([twice, { ...canaryMessage(), body: twice.body }], handlers);
    expect(third.explicitAcks).toHaveLength(2);
    expect(seen).toHaveLength(12);
  });

  it("retries every message of a batch whose inbox write fails, and records none of them", async () => {
    const messages = [canaryMessage(), canaryMessage(2)];
    const failingInserts = new Proxy(env.DB, {
      get(target, prop) {
        const value = Reflect.get(target, prop, target);
        if (prop !== "prepare") return typeof value === "function" ? value.bind(target) : value;
        return (sql: string) => {
          if (/^insert into "processed_events"/.test(sql)) throw new Error("D1_ERROR: network connection lost");
          return target.prepare(sql);
        };
      },
    });
    const result = await run(messages, { "platform.canary": async () => {} }, failingInserts);
    expect(result.explicitAcks).toEqual([]);
    expect(result.retryMessages).toEqual([
      { msgId: messages[0]?.id, delaySeconds: backoffSeconds(1) },
      { msgId: messages[1]?.id, delaySeconds: backoffSeconds(2) },
    ]);
    const ids = messages.map((m) => (m.body as { id: string }).id);
    const recorded = await env.DB.prepare("select count(*) as n from processed_events where event_id in (?, ?)")
      .bind(...ids)
      .first<{ n: number }>();
    expect(recorded?.n).toBe(0);
  });
});
