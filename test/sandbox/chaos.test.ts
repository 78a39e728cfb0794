/**
 * Chaos: duplicated, late and reordered webhooks, as real providers send them. The platform must
 * store each event once however many times it arrives. Chaos is one setting per sandbox, so each
 * test turns it off again.
 */
import { afterAll, afterEach, describe, expect, it } from "vitest";
import type { ChaosSettings } from "../../shared/sandbox/schemas";
import { act, calm, createIntent, deliveriesOf, drain, flush, inboxCount, sandbox, settled } from "../helpers/sandbox";

async function chaos(settings: Partial<ChaosSettings>): Promise<void> {
  const res = await sandbox<ChaosSettings>("POST", "/chaos", settings);
  expect(res.status, JSON.stringify(res.body)).toBe(200);
}

afterEach(calm);

// Nothing may be mid-delivery when the file's runtime closes.
afterAll(drain);

describe("sandbox chaos: settings", () => {
  it("is read back, reset by {}, and refuses out-of-range or unknown fields as problem+json", async () => {
    await chaos({ duplicates: 2, delayMs: 1500, shuffle: true });
    expect((await sandbox("GET", "/chaos")).body).toEqual({
      duplicates: 2,
      delayMs: 1500,
      shuffle: true,
      refunds: "succeed",
    });
    await chaos({});
    expect((await sandbox("GET", "/chaos")).body).toEqual({
      duplicates: 0,
      delayMs: 0,
      shuffle: false,
      refunds: "succeed",
    });
    const bad: [unknown, string][] = [
      [{ duplicates: 6 }, "duplicates"],
      [{ duplicates: -1 }, "duplicates"],
      [{ delayMs: 60_001 }, "delayMs"],
      [{ delayMs: 1.5 }, "delayMs"],
      [{ shuffle: "yes" }, "shuffle"],
      [{ loss: 0.5 }, "loss"],
    ];
    for (const [body, field] of bad) {
      const res = await sandbox<{ code: string; errors: { field: string }[] }>("POST", "/chaos", body);
      expect(res.status, JSON.stringify(body)).toBe(400);
      expect(res.res.headers.get("content-type")).toMatch(/^application\/problem\+json/);
      expect(res.body.code).toBe("validation_failed");
      expect(res.body.errors.map((e) => e.field).join(), JSON.stringify(res.body)).toContain(field);
    }
  });
});

describe("sandbox chaos: deliveries", () => {
  it("sends each event 1 + duplicates times; the platform stores it once", async () => {
    await chaos({ duplicates: 3 });
    const intent = await createIntent();
    await act(intent.id, "succeed");
    await calm();
    const log = await settled(intent.id);
    expect(log.map((d) => [d.copy, d.status, d.lastStatusCode])).toEqual([
      [0, "delivered", 200],
      [1, "delivered", 200],
      [2, "delivered", 200],
      [3, "delivered", 200],
    ]);
    expect(new Set(log.map((d) => d.eventId)).size).toBe(1);
    expect(await inboxCount(log[0]?.eventId ?? "")).toBe(1);
  });

  it("sends nothing before delayMs unless flushed with all=1", async () => {
    await chaos({ delayMs: 60_000 });
    const intent = await createIntent();
    const before = Date.now();
    await act(intent.id, "succeed");
    await calm();
    await flush();
    const [waiting] = await deliveriesOf(intent.id);
    expect(waiting).toMatchObject({ status: "pending", attempts: 0 });
    expect(Date.parse(waiting?.nextAttemptAt ?? "")).toBeGreaterThanOrEqual(before + 59_000);
    expect(await inboxCount(waiting?.eventId ?? "")).toBe(0);
    const [sent] = await settled(intent.id);
    expect(sent).toMatchObject({ status: "delivered", attempts: 1 });
    expect(await inboxCount(sent?.eventId ?? "")).toBe(1);
  });

  it("shuffles deliveries due together: 8 events do not all go out in the order they happened", async () => {
    await chaos({ delayMs: 60_000, shuffle: true });
    const intents = [];
    for (let i = 0; i < 8; i++) {
      const intent = await createIntent();
      await act(intent.id, "succeed");
      intents.push(intent);
    }
    await calm();
    await flush(true);
    const sent = await Promise.all(intents.map(async (i) => (await deliveriesOf(i.id))[0]));
    for (const d of sent) expect(d).toMatchObject({ status: "delivered" });
    const order = sent.map((d) => d?.sentSeq ?? 0);
    // In creation order they would be increasing; a shuffle of 8 is that by chance once in 40,320.
    expect(order).not.toEqual([...order].sort((a, b) => a - b));
    for (const d of sent) expect(await inboxCount(d?.eventId ?? "")).toBe(1);
  });

  it("can deliver a payment_failed after the succeeded that followed it, each stored once", async () => {
    let reversed = false;
    for (let round = 0; round < 12 && !reversed; round++) {
      await chaos({ delayMs: 60_000, shuffle: true });
      const intent = await createIntent();
      await act(intent.id, "fail");
      await act(intent.id, "succeed");
      await calm();
      const log = await settled(intent.id);
      const failed = log.find((d) => d.eventType === "payment_intent.payment_failed");
      const succeeded = log.find((d) => d.eventType === "payment_intent.succeeded");
      reversed = (succeeded?.sentSeq ?? 0) < (failed?.sentSeq ?? 0);
      for (const d of log) expect(await inboxCount(d.eventId)).toBe(1);
    }
    // Each round reverses the pair with probability 1/2: all 12 in order would be a 1-in-4,096 fluke.
    expect(reversed).toBe(true);
  });
});
