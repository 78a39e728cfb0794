/**
 * Webhook signatures in Stripe's scheme, for the sandbox and Stripe providers alike:
 * `Stripe-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256 of "<t>.<raw body>">[,v1=...]`.
 *
 * - The signature covers the raw body bytes as sent: verify before parsing, never re-serialize.
 * - Several `v1` may be present while the provider rotates its secret; any match is enough. We may
 *   also hold several secrets (the old and new one during our own rotation): any pair matching is.
 * - `t` must be within the tolerance (300 s) of now in both directions: an old signature is a
 *   replay, one from the future a clock or forgery problem. Other schemes (`v0`) are ignored.
 * - Comparison is constant time (WebCrypto's HMAC verify), so a forger learns nothing from timing.
 */
import { toHex } from "../platform/crypto";
import { AppError } from "../platform/errors";

export const SIGNATURE_HEADER = "Stripe-Signature";
export const SIGNATURE_TOLERANCE_SECONDS = 300;

export type SignatureCheck = { ok: true; timestamp: number } | { ok: false; reason: string };

const encoder = new TextEncoder();

function hmacKey(secret: string, usage: "sign" | "verify"): Promise<CryptoKey> {
  return crypto.subtle.importKey("raw", encoder.encode(secret), { name: "HMAC", hash: "SHA-256" }, false, [usage]);
}

function hexToBytes(hex: string): Uint8Array | null {
  if (!/^(?:[0-9a-f]{2})+$/i.test(hex)) return null;
  const out = new Uint8Array(hex.length / 2);
  for (let i = 0; i < out.length; i++) out[i] = Number.parseInt(hex.slice(i * 2, i * 2 + 2), 16);
  return out;
}

/** Parses the header into its timestamp and `v1` signatures (anything else is ignored). */
export function parseSignatureHeader(header: string): { timestamp: number | null; v1: string[] } {
  let timestamp: number | null = null;
  const v1: string[] = [];
  for (const part of header.split(",")) {
    const eq = part.indexOf("=");
    if (eq < 0) continue;
    const key = part.slice(0, eq).trim();
    const value = part.slice(eq + 1).trim();
    if (key === "t" && /^\d{1,12}$/.test(value)) timestamp = Number(value);
    else if (key === "v1") v1.push(value);
  }
  return { timestamp, v1 };
}

/** Checks `header` against `payload` with any of `secrets`, at `nowMs`. */
export async function verifySignature(input: {
  header: string | undefined;
  payload: string;
  secrets: readonly string[];
  nowMs: number;
  toleranceSeconds?: number;
}): Promise<SignatureCheck> {
  if (!input.header) return { ok: false, reason: `the ${SIGNATURE_HEADER} header is missing` };
  const { timestamp, v1 } = parseSignatureHeader(input.header);
  if (timestamp === null) return { ok: false, reason: "the signature has no timestamp" };
  if (v1.length === 0) return { ok: false, reason: "the signature has no v1 scheme" };
  const tolerance = input.toleranceSeconds ?? SIGNATURE_TOLERANCE_SECONDS;
  const skew = Math.abs(Math.floor(input.nowMs / 1000) - timestamp);
  if (skew > tolerance) return { ok: false, reason: `the timestamp is ${skew} s from now (tolerance ${tolerance} s)` };
  const signed = encoder.encode(`${timestamp}.${input.payload}`);
  for (const secret of input.secrets) {
    const key = await hmacKey(secret, "verify");
    for (const candidate of v1) {
      const bytes = hexToBytes(candidate);
      if (bytes && bytes.length === 32 && (await crypto.subtle.verify("HMAC", key, bytes, signed))) {
        return { ok: true, timestamp };
      }
    }
  }
  return { ok: false, reason: "no v1 signature matches" };
}

/**
 * A webhook's raw body parsed as JSON once its signature checks out, else 400 `invalid_signature`
 * (the caller must store nothing) or `malformed_json`. Every signed webhook (payment providers,
 * carriers) reads its body through here.
 */
export async function verifiedJson(input: {
  rawBody: string;
  signature: string | undefined;
  secrets: readonly string[];
  nowMs: number;
}): Promise<unknown> {
  const check = await verifySignature({
    header: input.signature,
    payload: input.rawBody,
    secrets: input.secrets,
    nowMs: input.nowMs,
  });
  if (!check.ok) throw new AppError("invalid_signature", { detail: `Signature refused: ${check.reason}` });
  try {
    return JSON.parse(input.rawBody);
  } catch {
    throw new AppError("malformed_json", { detail: "The signed body is not JSON" });
  }
}

/** Signs `payload` as a provider would, for the sandbox provider and tests. */
export async function signPayload(payload: string, secret: string, nowMs: number): Promise<string> {
  const timestamp = Math.floor(nowMs / 1000);
  const key = await hmacKey(secret, "sign");
  const mac = await crypto.subtle.sign("HMAC", key, encoder.encode(`${timestamp}.${payload}`));
  return `t=${timestamp},v1=${toHex(mac)}`;
}

/** The secrets configured for a provider: one, or several comma-separated during a rotation. */
export function secretsOf(configured: string | undefined): string[] {
  return (configured ?? "")
    .split(",")
    .map((s) => s.trim())
    .filter((s) => s.length > 0);
}
