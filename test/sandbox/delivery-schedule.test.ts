import { describe, expect, it } from "vitest";
import { MAX_RETRY_MS, retryDelayMs, sendingOrder } from "../../shared/sandbox/delivery-schedule";

describe("sandbox delivery schedule", () => {
  it("backs off 1 s, 2 s, 4 s ... and never waits more than 60 s", () => {
    expect([1, 2, 3, 4, 5, 6].map(retryDelayMs)).toEqual([1_000, 2_000, 4_000, 8_000, 16_000, 32_000]);
    expect(retryDelayMs(7)).toBe(MAX_RETRY_MS);
    expect(retryDelayMs(19)).toBe(MAX_RETRY_MS);
  });

  it("keeps the enqueued order unless a delivery was enqueued under shuffle", () => {
    const plain = [1, 2, 3, 4].map((n) => ({ n, shuffle: false }));
    expect(sendingOrder(plain, () => 0).map((d) => d.n)).toEqual([1, 2, 3, 4]);
    const shuffled = [1, 2, 3, 4].map((n) => ({ n, shuffle: true }));
    const draws = [0.9, 0.1, 0.5, 0.3];
    let i = 0;
    expect(sendingOrder(shuffled, () => draws[i++] ?? 0).map((d) => d.n)).toEqual([2, 4, 3, 1]);
  });
});
