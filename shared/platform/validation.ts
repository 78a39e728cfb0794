/**
 * zod at the edge: turning a failed parse into one `validation_failed` problem that names every
 * bad field, and small schema helpers shared by the Workers' routes.
 */
import type { ZodError } from "zod";
import { z } from "zod";
import { AppError, type FieldError } from "./errors";

/** At most this many field errors are listed in one answer; the rest are counted (`omittedErrors`). */
export const MAX_LISTED_ERRORS = 50;

/** Field errors of a zod failure; `prefix` names where the value came from (`query`, `header`). */
export function fieldErrorsOf(error: ZodError, prefix?: string): FieldError[] {
  const out: FieldError[] = [];
  const seen = new Set<string>();
  const add = (issues: readonly z.core.$ZodIssue[], base: PropertyKey[]) => {
    for (const issue of issues) {
      const at = [...base, ...issue.path];
      const path = at.map(String).join(".");
      const field = [prefix, path].filter(Boolean).join(".") || (prefix ?? "body");
      // A value that fits no branch of a union: say so, then what each branch found wrong
      // (zod's own message for this is only "Invalid input").
      const union = issue.code === "invalid_union" && issue.errors.length > 0;
      const reason =
        union && issue.message === "Invalid input"
          ? "matches none of the accepted shapes (what each one lacks follows)"
          : issue.message;
      const key = `${field}\n${reason}`;
      if (!seen.has(key)) {
        seen.add(key);
        out.push({ field, reason });
      }
      if (union) for (const branch of issue.errors) add(branch, at);
    }
  };
  add(error.issues, []);
  return out;
}

/**
 * The `validation_failed` error naming `errors`; its detail quotes the first of them. At most
 * MAX_LISTED_ERRORS are listed (a 100,000-item array once made an 18 MB answer); the detail and
 * `omittedErrors` say how many more there were.
 */
export function invalidFields(errors: FieldError[]): AppError {
  const first = errors[0];
  const listed = errors.slice(0, MAX_LISTED_ERRORS);
  const omitted = errors.length - listed.length;
  const more = errors.length > 1 ? ` (and ${errors.length - 1} more${omitted ? `; ${omitted} not listed` : ""})` : "";
  const detail = first ? `${first.field}: ${first.reason}${more}` : "The request is not valid";
  return new AppError("validation_failed", {
    detail,
    errors: listed,
    ...(omitted ? { extensions: { omittedErrors: omitted } } : {}),
  });
}

/** The `validation_failed` error for one field. */
export function invalidField(field: string, reason: string): AppError {
  return invalidFields([{ field, reason }]);
}

/** The `validation_failed` error for a zod failure on `target` (json, query, param, header...). */
export function validationError(error: ZodError, target?: string): AppError {
  const prefix = target === "json" || target === undefined ? undefined : target;
  return invalidFields(fieldErrorsOf(error, prefix));
}

/** Parses `value` with `schema` or throws `validation_failed` naming the fields. */
export function parseOrThrow<S extends z.ZodType>(schema: S, value: unknown, target?: string): z.output<S> {
  const result = schema.safeParse(value);
  if (!result.success) throw validationError(result.error, target);
  return result.data;
}

/** `?limit=` as API.md defines it: default 20, 1..100. */
export const limitSchema = z.coerce.number().int().min(1).max(100).default(20);

/** Standard list query: `limit` and an opaque `cursor`. */
export const listQuerySchema = z.object({
  limit: limitSchema,
  cursor: z.string().min(1).max(512).optional(),
});
