/**
 * Password hashing with scrypt (memory-hard, salted) from `node:crypto`, which runs in Workers
 * under `nodejs_compat`. PBKDF2 is not used: production Workers cap it at 100,000 iterations,
 * below OWASP's advice.
 *
 * Parameters follow OWASP's scrypt table at a cost that fits a Worker's 128 MB: N=2^15, r=8, p=3
 * (32 MiB per hash). They are stored with each hash (`scrypt$N$r$p$salt$hash`, base64 parts),
 * so a change of parameters verifies old hashes and `needsRehash` tells login to upgrade them.
 */
import { randomBytes, scrypt, timingSafeEqual } from "node:crypto";

export interface ScryptParams {
  N: number;
  r: number;
  p: number;
}

/** Current parameters for new hashes. */
export const CURRENT_PARAMS: ScryptParams = { N: 2 ** 15, r: 8, p: 3 };
const KEY_LENGTH = 32;
const SALT_BYTES = 16;

function scryptAsync(password: string, salt: Buffer, params: ScryptParams): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    // maxmem must exceed 128 * N * r bytes, or node refuses the parameters.
    const maxmem = 128 * params.N * params.r * 2;
    scrypt(password.normalize("NFKC"), salt, KEY_LENGTH, { ...params, maxmem }, (err, key) =>
      err ? reject(err) : resolve(key),
    );
  });
}

/** Hashes `password` with a fresh random salt and `params` (default: current). */
export async function hashPassword(password: string, params: ScryptParams = CURRENT_PARAMS): Promise<string> {
  const salt = randomBytes(SALT_BYTES);
  const key = await scryptAsync(password, salt, params);
  return ["scrypt", params.N, params.r, params.p, salt.toString("base64"), key.toString("base64")].join("$");
}

interface ParsedHash {
  params: ScryptParams;
  salt: Buffer;
  key: Buffer;
}

function parseHash(stored: string): ParsedHash | null {
  const parts = stored.split("$");
  if (parts.length !== 6 || parts[0] !== "scrypt") return null;
  const [N, r, p] = parts.slice(1, 4).map(Number);
  if (!N || !r || !p || !Number.isInteger(N) || !Number.isInteger(r) || !Number.isInteger(p)) return null;
  return {
    params: { N, r, p },
    salt: Buffer.from(parts[4] ?? "", "base64"),
    key: Buffer.from(parts[5] ?? "", "base64"),
  };
}

/** Whether `password` matches `stored`, compared in constant time. A malformed hash never matches. */
export async function verifyPassword(password: string, stored: string): Promise<boolean> {
  const parsed = parseHash(stored);
  if (!parsed || parsed.key.length !== KEY_LENGTH) return false;
  const key = await scryptAsync(password, parsed.salt, parsed.params);
  return timingSafeEqual(key, parsed.key);
}

/** Whether `stored` was made with other parameters than the current ones (rehash at login). */
export function needsRehash(stored: string, params: ScryptParams = CURRENT_PARAMS): boolean {
  const parsed = parseHash(stored);
  return !parsed || parsed.params.N !== params.N || parsed.params.r !== params.r || parsed.params.p !== params.p;
}

/**
 * A hash of a random, discarded password with the current parameters. Logins for unknown
 * identifiers verify against it, so they cost one hash like a real account and no timing
 * difference tells whether an account exists.
 */
export const DUMMY_HASH = "scrypt$32768$8$3$JX3JUgC4LXjjK+Qz/jTt4g==$6fpVYzbjmhctDOZzdab3KqRgwjtj/K8rYzLL3wLTIzQ=";
