/**
 * When and in which order the sandbox sends its webhooks (pure, unit-tested outside workerd).
 *
 * - A failed attempt is retried after 1 s, 2 s, 4 s ... capped at 60 s; after MAX_ATTEMPTS attempts
 *   the delivery is given up (about 15 minutes in all), as real providers eventually stop.
 * - Deliveries go out in the order they were enqueued, except those enqueued under chaos `shuffle`,
 *   which take random places among the deliveries due with them.
 */

export const MAX_ATTEMPTS = 20;
export const FIRST_RETRY_MS = 1_000;
export const MAX_RETRY_MS = 60_000;

/** The wait before the next attempt, after `attempts` (>= 1) failed ones. */
export function retryDelayMs(attempts: number): number {
  return Math.min(FIRST_RETRY_MS * 2 ** Math.max(0, attempts - 1), MAX_RETRY_MS);
}

/** `due` (oldest first) in sending order; `random` returns [0, 1). */
export function sendingOrder<T extends { shuffle: boolean }>(
  due: readonly T[],
  random: () => number = Math.random,
): T[] {
  return due
    .map((item, index) => ({ item, key: item.shuffle ? random() * due.length : index }))
    .sort((a, b) => a.key - b.key)
    .map((entry) => entry.item);
}
