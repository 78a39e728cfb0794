/**
 * Order and pay-order numbers in the seed's layout, `SSSSSSSSSS MMM UUU QQQ` (19 digits): Unix
 * seconds, machine id, `user_id % 1000`, sequence. The machine is a Durable Object
 * (durable-objects/order-numbers.ts explains why the numbers are unique and never go back in
 * time). A user's numbers always come from the same machine (chosen by a hash of the user id
 * among `machines`), so one shopper's orders are numbered in the order they were placed.
 */
import type { OrderNumbers } from "../../durable-objects/order-numbers";
import { userHash, userSuffix } from "./user-suffix";

export { userSuffix } from "./user-suffix";

export const DEFAULT_MACHINES = 16;

/** Which machine numbers this user's orders (0 ≤ machine < machines ≤ 1000). */
export function machineOf(userId: string, machines: number): number {
  return Math.floor(userHash(userId) / 1000) % Math.min(1000, Math.max(1, machines));
}

const pad = (n: number, width: number) => String(n).padStart(width, "0");

export function formatOrderNumber(second: number, machine: number, suffix: number, sequence: number): string {
  return `${pad(second, 10)}${pad(machine, 3)}${pad(suffix, 3)}${pad(sequence, 3)}`;
}

export function parseOrderNumber(no: string) {
  if (!/^\d{19}$/.test(no)) return null;
  return {
    second: Number(no.slice(0, 10)),
    machine: Number(no.slice(10, 13)),
    userSuffix: Number(no.slice(13, 16)),
    sequence: Number(no.slice(16, 19)),
  };
}

/** `count` new numbers for `userId`, increasing, from the user's machine. */
export async function allocateOrderNumbers(
  ns: DurableObjectNamespace<OrderNumbers>,
  userId: string,
  count: number,
  nowMs: number,
  machines = DEFAULT_MACHINES,
): Promise<string[]> {
  const machine = machineOf(userId, machines);
  const block = await ns.getByName(`machine-${machine}`).allocate(count, nowMs);
  const suffix = userSuffix(userId);
  return block.slots.map((slot) => formatOrderNumber(slot[0] ?? 0, machine, suffix, slot[1] ?? 0));
}
