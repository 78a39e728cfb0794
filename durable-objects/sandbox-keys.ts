/**
 * Idempotency-Key helpers of the SandboxProvider object: every creating call carries the caller's
 * optional key beside its body, and is fingerprinted by operation and parameters, so a key reused
 * for another operation or other parameters is told apart from a retry.
 */
import { z } from "zod";

/** An input with the caller's optional Idempotency-Key. */
export function keyed<S extends z.ZodType>(body: S) {
  return z.object({ idempotencyKey: z.string().min(1).max(255).optional(), body });
}

/** Sorted-key JSON, so the same parameters in another key order fingerprint alike. */
export function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(",")}]`;
  if (value !== null && typeof value === "object") {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, v]) => v !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(",")}}`;
  }
  return JSON.stringify(value) ?? "null";
}

/** What an idempotency key is remembered for: the operation and its parameters. */
export function fingerprintOf(operation: string, body: unknown): string {
  return `${operation}\n${canonicalJson(body)}`;
}
