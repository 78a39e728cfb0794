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

/** FNV-1a over UTF-16 code units, written out here so the test does not trust the code under test. */
function fnv1a(text: string): number {
  let hash = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    hash ^= text.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193) >>> 0;
  }
  return hash;
}

describe("order numbers", () => {
  it("lays out time, machine, user suffix and sequence in 19 digits, as the seed's generator", () => {
    const no = formatOrderNumber(1795694400, 7, 345, 12);
    expect(no).toBe("1795694400007345012");
    expect(parseOrderNumber(no)).toEqual({ second: 1795694400, machine: 7, userSuffix: 345, sequence: 12 });
    expect(parseOrderNumber("12")).toBeNull();
    // Pinned values (FNV-1a of the id): a change of hash would renumber every user's orders.
    expect(userSuffix("usr_x")).toBe(fnv1a("usr_x") % 1000);
    expect(machineOf("usr_x", 16)).toBe(Math.floor(fnv1a("usr_x") / 1000) % 16);
    expect([userSuffix("usr_x"), machineOf("usr_x", 16)]).toEqual([214, 8]);
  });

  it("spreads user suffixes over 0..999 and machines over all of them", () => {
    // User ids as newId makes them (a ULID's random part), from a fixed seed.
    let seed = 42;
    const random = () => {
      seed = (Math.imul(seed, 1_103_515_245) + 12_345) >>> 0;
      return seed / 2 ** 32;
    };
    const alphabet = "0123456789ABCDEFGHJKMNPQRSTVWXYZ";
    const ids = Array.from(
      { length: 5_000 },
      () => `usr_01M8${Array.from({ length: 22 }, () => alphabet[Math.floor(random() * 32)]).join("")}`,
    );
    const suffixes = ids.map(userSuffix);
    for (const s of suffixes) expect(Number.isInteger(s) && s >= 0 && s < 1000, `suffix ${s}`).toBe(true);
    // Uniform would hit about 993 of the 1,000 values.
    expect(new Set(suffixes).size).toBeGreaterThan(950);
    const perMachine = new Array(16).fill(0);
    for (const id of ids) perMachine[machineOf(id, 16)] += 1;
    expect(Math.min(...perMachine)).toBeGreaterThan(5_000 / 16 / 1.5);
    expect(Math.max(...perMachine)).toBeLessThan((5_000 / 16) * 1.5);
    expect(new Set(ids.map((id) => machineOf(id, 1)))).toEqual(new Set([0]));
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
