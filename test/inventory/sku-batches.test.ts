/**
 * The SKU object's write batches (issue #21): calls that queue up meanwhile share one transaction
 * and one commit, each still applied alone and in arrival order; a write that throws fails alone
 * and leaves nothing behind; and a crash loses no answered call (an answer comes only after its
 * batch committed), while retries of the calls it cut off apply once.
 */
import { abortAllDurableObjects, env, runInDurableObject } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import type { SkuInventory } from "../../durable-objects/sku-inventory";
import type { SkuInventoryTables } from "../../durable-objects/sku-inventory-tables";
import { inventoryOf } from "../../shared/inventory/binding";
import type { ReserveInput, ReserveResult } from "../../shared/inventory/schemas";
import { type SkuStub, stockedSku } from "../helpers/sku-object";

const ACTOR = "batch-test";
/** Far enough ahead that the object's own alarm never expires these holds during the test. */
const FUTURE = Date.now() + 24 * 3_600_000;

const hold = (skuId: string, reservationId: string, quantity = 1): ReserveInput => ({
  skuId,
  reservationId,
  quantity,
  ttlMs: 15 * 60_000,
  actor: ACTOR,
  at: FUTURE,
});

/** The object's private batch entry point and tables, reached from inside it. */
interface Internals {
  write<T>(work: () => T): Promise<T>;
  tables: SkuInventoryTables;
}
const internals = (instance: SkuInventory) => instance as unknown as Internals;

function movementCount(stub: SkuStub, kind: string): Promise<number> {
  return runInDurableObject(
    stub,
    (_i: SkuInventory, state) =>
      state.storage.sql.exec<{ n: number }>("SELECT count(*) AS n FROM movements WHERE kind = ?", kind).one().n,
  );
}

describe("write batches", () => {
  it("applies 100 reserves issued at once in far fewer transactions, in arrival order", async () => {
    const { skuId, stub } = await stockedSku({ wh_a: 60 });
    const { transactions, results, seqs } = await runInDurableObject(stub, async (instance: SkuInventory, state) => {
      // Counts the object's transactions (a spy on the runtime's method; storage stays real).
      let transactions = 0;
      const storage = state.storage as DurableObjectStorage & { transactionSync: <T>(fn: () => T) => T };
      const real = storage.transactionSync.bind(storage);
      storage.transactionSync = <T>(fn: () => T): T => {
        transactions += 1;
        return real(fn);
      };
      try {
        const ids = Array.from({ length: 100 }, (_, i) => `r-${i}`);
        const results = await Promise.all(ids.map((id) => instance.reserve(hold(skuId, id))));
        const seqs = state.storage.sql
          .exec<{ op_id: string }>("SELECT op_id FROM movements WHERE kind = 'reserve' ORDER BY seq")
          .toArray()
          .map((m) => m.op_id);
        return { transactions, results, seqs };
      } finally {
        storage.transactionSync = real;
      }
    });
    expect(transactions).toBeGreaterThanOrEqual(1);
    expect(transactions).toBeLessThan(10);
    // Each call alone, in arrival order: the first 60 hold, the last 40 find nothing left.
    expect(results.slice(0, 60).every((r) => r.ok && !r.replayed)).toBe(true);
    expect(results.slice(60).every((r) => !r.ok && r.code === "insufficient_stock")).toBe(true);
    expect(seqs).toEqual(Array.from({ length: 60 }, (_, i) => `reserve:r-${i}:wh_a`));
    // Each answer carries the stock as it stood right after that call.
    expect(results.map((r) => r.view.available)).toEqual(Array.from({ length: 100 }, (_, i) => Math.max(0, 59 - i)));
    expect(await stub.view()).toMatchObject({ available: 0, reserved: 60, sold: 0 });
  });

  it("fails only the write that throws; its writes roll back and the rest of its batch commits", async () => {
    const { skuId, stub } = await stockedSku({ wh_a: 10 });
    const settled = await runInDurableObject(stub, (instance: SkuInventory) => {
      const { write, tables } = internals(instance);
      return Promise.allSettled([
        instance.reserve(hold(skuId, "before", 2)),
        // Moves a unit and logs it, then throws: none of it may stay.
        write.call(instance, () => {
          const after = tables.move("wh_a", { available: -1, reserved: 1 });
          tables.log(
            {
              opId: "doomed",
              warehouseId: "wh_a",
              kind: "reserve",
              quantity: 1,
              reason: "x",
              actor: ACTOR,
              at: FUTURE,
            },
            after,
          );
          throw new Error("boom");
        }),
        // Refused by the stock table's CHECK (reserved below zero) inside SQLite.
        write.call(instance, () => tables.move("wh_a", { reserved: -50, available: 50 })),
        instance.reserve(hold(skuId, "after", 3)),
      ]);
    });
    expect(settled.map((s) => s.status)).toEqual(["fulfilled", "rejected", "rejected", "fulfilled"]);
    expect((settled[1] as PromiseRejectedResult).reason).toBeInstanceOf(Error);
    expect(String((settled[1] as PromiseRejectedResult).reason)).toContain("boom");
    expect(String((settled[2] as PromiseRejectedResult).reason)).toContain("CHECK");
    const [before, , , after] = settled as PromiseFulfilledResult<ReserveResult>[];
    expect(before?.value).toMatchObject({ ok: true, view: { available: 8, reserved: 2 } });
    expect(after?.value).toMatchObject({ ok: true, view: { available: 5, reserved: 5 } });
    expect(await stub.view()).toMatchObject({ available: 5, reserved: 5, revision: 3 });
    expect(await movementCount(stub, "reserve")).toBe(2);
    // The next batch reads the rows as stored, not what the failed ones left in memory.
    expect(await stub.reserve(hold(skuId, "next", 5))).toMatchObject({
      ok: true,
      view: { available: 0, reserved: 10 },
    });
  });

  it("loses no answered reserve when the object crashes mid-stream, and retries apply once", async () => {
    const { skuId, stub } = await stockedSku({ wh_a: 150, wh_b: 150 });
    const ids = Array.from({ length: 400 }, (_, i) => `crash-${i}`);
    const answered: string[] = [];
    let crashed: Promise<void> | undefined;
    // 20 callers, each sending its next reserve when the last is answered: a stream, so the
    // crash lands with calls in flight (and every later call on the crashed stub fails).
    const first: PromiseSettledResult<ReserveResult>[] = [];
    let next = 0;
    const caller = async () => {
      while (next < ids.length) {
        const id = ids[next++] ?? "";
        try {
          const result = await stub.reserve(hold(skuId, id));
          if (result.ok) answered.push(id);
          first.push({ status: "fulfilled", value: result });
        } catch (reason) {
          first.push({ status: "rejected", reason });
        }
        // Crash (every object of this file, storage kept) once the first answers are in.
        if (answered.length >= 40) crashed ??= abortAllDurableObjects();
      }
    };
    await Promise.all(Array.from({ length: 20 }, caller));
    await crashed;
    expect(crashed).toBeDefined();
    expect(answered.length).toBeGreaterThanOrEqual(40);
    // A stub to the crashed instance stays broken; a new one reaches the restarted object.
    const restarted = inventoryOf(env).getByName(skuId);
    // Every call answered before the crash is in storage, exactly as answered.
    const stored = await Promise.all(answered.map((id) => restarted.reservation(id)));
    expect(stored.every((r) => r?.status === "held" && r.quantity === 1)).toBe(true);
    const view = await restarted.view();
    expect(view.reserved).toBeGreaterThanOrEqual(answered.length);
    expect(view.available + view.reserved).toBe(300);
    expect(await movementCount(restarted, "reserve")).toBe(view.reserved);

    // The crash cut calls off (some in a batch not yet committed); they retry, and so do the
    // rest, as clients would: each id holds once.
    expect(first.filter((r) => r.status === "rejected").length).toBeGreaterThan(0);
    const retries = await Promise.all(ids.map((id) => restarted.reserve(hold(skuId, id))));
    const held = retries.filter((r) => r.ok);
    expect(held).toHaveLength(300);
    expect(retries.filter((r) => !r.ok && r.code === "insufficient_stock")).toHaveLength(100);
    expect(held.filter((r) => r.ok && r.replayed).length).toBeGreaterThanOrEqual(answered.length);
    expect(await restarted.view()).toMatchObject({ available: 0, reserved: 300, sold: 0 });
    expect(await movementCount(restarted, "reserve")).toBe(300);
  });
});
