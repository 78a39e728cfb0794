/**
 * How usernames, emails and phone numbers are written and compared: normalized once (NFKC,
 * lower case, trimmed) at registration and at login, so `Alice` and `alice` are one account.
 */
import { z } from "zod";

export const usernameSchema = z
  .string()
  .transform((s) => s.normalize("NFKC").trim().toLowerCase())
  .pipe(
    z
      .string()
      .regex(
        /^[a-z0-9][a-z0-9_.-]{2,31}$/,
        "must be 3-32 letters, digits, '_', '.' or '-', starting with a letter or digit",
      ),
  );

export const emailSchema = z
  .string()
  .transform((s) => s.trim().toLowerCase())
  .pipe(z.email("must be an email address").max(254));

/** E.164: `+`, country code, subscriber number; 8 to 15 digits in all. */
export const phoneSchema = z
  .string()
  .transform((s) => s.replace(/[\s-]/g, ""))
  .pipe(z.string().regex(/^\+[1-9]\d{7,14}$/, "must be in international format, e.g. +8613800000000"));

/** What a login identifier is: an email if it has `@`, a phone if it parses as one, else a username. */
export type LoginIdentifier = { kind: "email" | "phone" | "username"; value: string };

export function classifyIdentifier(raw: string): LoginIdentifier {
  const trimmed = raw.normalize("NFKC").trim();
  if (trimmed.includes("@")) return { kind: "email", value: trimmed.toLowerCase() };
  const phone = phoneSchema.safeParse(trimmed);
  if (phone.success) return { kind: "phone", value: phone.data };
  return { kind: "username", value: trimmed.toLowerCase() };
}
