/**
 * Which passwords are refused (400 `weak_password`), following NIST SP 800-63B: at least 8
 * characters, at most 128 (so 64+ is always allowed), not one of the commonly used passwords
 * (the 49k-entry list of @zxcvbn-ts/language-common, a maintained package), and not containing the
 * username or the local part of the email. No composition rules: they do not make passwords better.
 */
export const MIN_PASSWORD_LENGTH = 8;
export const MAX_PASSWORD_LENGTH = 128;

let common: Set<string> | undefined;

/** The common-password list, lower-cased; loaded on first use to keep cold starts cheap. */
async function commonPasswords(): Promise<Set<string>> {
  if (!common) {
    const { dictionary } = await import("@zxcvbn-ts/language-common");
    common = new Set(
      dictionary["passwords-common"].filter((p) => p.length >= MIN_PASSWORD_LENGTH).map((p) => p.toLowerCase()),
    );
  }
  return common;
}

/** How many common passwords of an acceptable length the list refuses (for docs and tests). */
export async function commonPasswordCount(): Promise<number> {
  return (await commonPasswords()).size;
}

/** Why `password` is too weak for this user, or null when it is acceptable. */
export async function weakPasswordReason(
  password: string,
  user: { username: string; email?: string | null | undefined },
): Promise<string | null> {
  const length = [...password].length;
  if (length < MIN_PASSWORD_LENGTH) return `must be at least ${MIN_PASSWORD_LENGTH} characters`;
  if (length > MAX_PASSWORD_LENGTH) return `must be at most ${MAX_PASSWORD_LENGTH} characters`;
  const lower = password.toLowerCase();
  if ((await commonPasswords()).has(lower)) return "is one of the most commonly used passwords";
  const username = user.username.toLowerCase();
  if (username.length >= 3 && lower.includes(username)) return "must not contain the username";
  const local = user.email?.split("@")[0]?.toLowerCase();
  if (local && local.length >= 3 && lower.includes(local)) return "must not contain the email address";
  return null;
}
