import { env, evictDurableObject } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import {
  allocateOrderNumbers,
  formatOrderNumber,
  machineOf,
  parseOrderNumber,
  userSuffix,
} from "../../shared/orders/order-numbers";

const NOW = Date.UTC(2026, 10, 25, 12, 0, 0);

describe("order numbers", () => {
  it("lays out time, machine, user suffix and sequence in 19 digits, as the seed's generator", () => {
    const no = formatOrderNumber(1795694400, 7, 345, 12);
    expect(no).toBe("1795694400007345012");
    expect(parseOrderNumber(no)).toEqual({ second: 1795694400, machine: 7, userSuffix: 345, sequence: 12 });
    expect(parseOrderNumber("12")).toBeNull();
    expect(userSuffix("usr_x")).toBeGreaterThanOrEqual(0);
    expect(userSuffix("usr_x")).toBeLessThan(1000);
    expect(machineOf("usr_x", 16)).toBeLessThan(16);
  });

  it("never repeats across concurrent callers, machines and users, and sorts by time", async () => {
    const users = Array.from({ length: 40 }, (_, i) => `usr_numbers_${i}`);
    const batches = await Promise.all(
      users.flatMap((u) => Array.from({ length: 10 }, () => allocateOrderNumbers(env.ORDER_NUMBERS, u, 3, NOW, 4))),
    );
    const all = batches.flat();
    expect(all).toHaveLength(1200);
    expect(new Set(all).size).toBe(1200);
    for (const no of all) expect(no).toMatch(/^\d{19}$/);
    // Within one user's machine, numbers only go up.
    const later = await allocateOrderNumbers(env.ORDER_NUMBERS, users[0] as string, 1, NOW + 5_000, 4);
    const mine = all.filter((n) => parseOrderNumber(n)?.machine === machineOf(users[0] as string, 4));
    expect((later[0] as string) > (mine.sort().at(-1) as string)).toBe(true);
    expect(parseOrderNumber(later[0] as string)?.second).toBe(Math.floor((NOW + 5_000) / 1000));
  });

  it("keeps going up when the clock steps back, and borrows the next second after 1,000 in one", async () => {
    const user = "usr_clock_back";
    const start = NOW + 60_000;
    const [first] = await allocateOrderNumbers(env.ORDER_NUMBERS, user, 1, start, 1000);
    const [back] = await allocateOrderNumbers(env.ORDER_NUMBERS, user, 1, start - 30_000, 1000);
    expect((back as string) > (first as string)).toBe(true);
    expect(parseOrderNumber(back as string)?.second).toBe(Math.floor(start / 1000));
    const burst: string[] = [];
    for (let i = 0; i < 11; i++) burst.push(...(await allocateOrderNumbers(env.ORDER_NUMBERS, user, 100, start, 1000)));
    expect(new Set(burst).size).toBe(1100);
    expect(burst.every((n, i) => i === 0 || n > (burst[i - 1] as string))).toBe(true);
    expect(parseOrderNumber(burst.at(-1) as string)?.second).toBe(Math.floor(start / 1000) + 1);
  });

  it("continues after the machine's object is evicted (state is persisted before answering)", async () => {
    const user = "usr_evicted";
    const machine = machineOf(user, 1000);
    const [before] = await allocateOrderNumbers(env.ORDER_NUMBERS, user, 1, NOW + 120_000, 1000);
    await evictDurableObject(env.ORDER_NUMBERS.getByName(`machine-${machine}`));
    const [after] = await allocateOrderNumbers(env.ORDER_NUMBERS, user, 1, NOW + 120_000, 1000);
    expect(parseOrderNumber(after as string)?.sequence).toBe((parseOrderNumber(before as string)?.sequence ?? 0) + 1);
  });
});
