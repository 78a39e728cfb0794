/**
 * The seed's `user_id % 1000` for string user ids (the slot of a shopper's orders, the `UUU` of
 * their order numbers), with no dependencies, so tools outside the Workers (the bench) compute it
 * the same way.
 */

/** FNV-1a over the id's UTF-16 code units: stable, fast, and good enough to spread users. */
export function userHash(text: string): number {
  let hash = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    hash ^= text.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193) >>> 0;
  }
  return hash;
}

/** The id's hash modulo 1000. */
export function userSuffix(userId: string): number {
  return userHash(userId) % 1000;
}
