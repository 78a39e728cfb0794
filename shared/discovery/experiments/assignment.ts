/**
 * Which variant a unit (a shopper, or a guest by cart token) sees: a stable hash of (experiment,
 * unit) mapped onto the variants' weights. Pure and deterministic: the same unit always lands in
 * the same variant of an experiment, in every isolate and after every deploy, with no assignment
 * table to read; different experiments hash independently (the experiment id is in the hash).
 */

/** 32-bit FNV-1a of a string's UTF-16 code units: fast, well spread, stable across runtimes. */
export function fnv1a(text: string): number {
  let hash = 0x811c9dc5;
  for (let i = 0; i < text.length; i += 1) {
    hash ^= text.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193) >>> 0;
  }
  // A final avalanche (murmur3's fmix32): FNV's low bits are weak for inputs differing at the end.
  hash ^= hash >>> 16;
  hash = Math.imul(hash, 0x85ebca6b) >>> 0;
  hash ^= hash >>> 13;
  hash = Math.imul(hash, 0xc2b2ae35) >>> 0;
  hash ^= hash >>> 16;
  return hash >>> 0;
}

/** The unit an experiment splits: a signed-in shopper by user id, else a guest by cart token. */
export function unitOf(input: { userId?: string; cartToken?: string }): string | null {
  if (input.userId) return `user:${input.userId}`;
  if (input.cartToken) return `cart:${input.cartToken}`;
  return null;
}

/**
 * The variant of `unit` among `variants` (weights are positive integers): the hash picks a point
 * in [0, total weight) and the variant whose cumulative weight range holds it wins.
 */
export function assignVariant<V extends { name: string; weight: number }>(
  experimentId: string,
  unit: string,
  variants: readonly V[],
): V {
  const total = variants.reduce((sum, v) => sum + v.weight, 0);
  let point = fnv1a(`${experimentId}\u0000${unit}`) % total;
  for (const variant of variants) {
    if (point < variant.weight) return variant;
    point -= variant.weight;
  }
  // Unreachable while the weights are positive (validated on create).
  throw new Error("variants without weight");
}
