/**
 * One order-number "machine" of the seed's generator (订单ID 生成策略): time + machine id +
 * `user_id % 1000` + sequence. At the edge there are no long-lived machines, so each machine id
 * (0-999) is one Durable Object, named `machine-<id>`. Why the numbers are unique:
 *
 * - A Durable Object name maps to exactly one live instance worldwide and its calls run one at a
 *   time, so no two isolates ever allocate for the same machine id concurrently.
 * - The last second used and its sequence are persisted in the object's storage before the
 *   numbers are returned (the output gate holds the reply until the write is durable), so an
 *   eviction, restart or redeploy continues after the last number instead of starting over.
 * - The second never moves backwards: the object uses max(clock, last second). When the clock
 *   steps back, numbers keep coming from the last second's remaining sequence, then from the
 *   next second (borrowed ahead of the clock, which later catches up). The same happens when
 *   1,000 numbers are used within one second. So (second, sequence) strictly increases per
 *   machine, and machine ids keep machines apart.
 *
 * Numbers are fixed-width 19-digit strings (10 digits of Unix seconds, 3 machine, 3 user suffix,
 * 3 sequence), so they sort by time as strings; they exceed 2^53 and are never handled as JS
 * numbers.
 */
import { DurableObject } from "cloudflare:workers";

export const SEQUENCE_PER_SECOND = 1000;

export interface NumberBlock {
  /** Unix second of the first number. */
  second: number;
  /** Sequences handed out, in order: `[second, sequence]` pairs. */
  slots: [number, number][];
}

export class OrderNumbers extends DurableObject {
  private state: { second: number; sequence: number } | undefined;

  /**
   * Hands out `count` consecutive (second, sequence) slots after the last one used. `nowMs` is the
   * caller's clock (tests move it, including backwards).
   */
  async allocate(count: number, nowMs: number = Date.now()): Promise<NumberBlock> {
    if (!Number.isInteger(count) || count < 1 || count > 100) throw new RangeError("count must be 1..100");
    this.state ??= (await this.ctx.storage.get<{ second: number; sequence: number }>("last")) ?? {
      second: 0,
      sequence: SEQUENCE_PER_SECOND - 1,
    };
    let { second, sequence } = this.state;
    const clockSecond = Math.floor(nowMs / 1000);
    if (clockSecond > second) {
      second = clockSecond;
      sequence = -1;
    }
    const slots: [number, number][] = [];
    for (let i = 0; i < count; i++) {
      sequence += 1;
      if (sequence >= SEQUENCE_PER_SECOND) {
        second += 1;
        sequence = 0;
      }
      slots.push([second, sequence]);
    }
    this.state = { second, sequence };
    await this.ctx.storage.put("last", this.state);
    return { second: slots[0]?.[0] ?? second, slots };
  }
}
