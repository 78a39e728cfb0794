/**
 * zod at the edge: turning a failed parse into one `validation_failed` problem that names every
 * bad field, and small schema helpers shared by the Workers' routes.
 */
import type { ZodError } from "zod";
import { z } from "zod";
import { AppError, type FieldError } from "./errors";

/** At most this many field errors are listed in one answer; the rest are counted (`omittedErrors`). */
export const MAX_LISTED_ERRORS = 50;

/** At most this many values are quoted by `oneOf`; longer lists end with how many there are in all. */
const MAX_QUOTED_VALUES = 30;

/**
 * "must be one of 短袖, 长袖, 无袖": the accepted values of an enum, as a field error's reason. A
 * value that is empty or holds a comma is quoted, so the list cannot be misread; a long list says
 * how many values there are in all.
 */
export function oneOf(values: readonly unknown[]): string {
  const shown = values.slice(0, MAX_QUOTED_VALUES).map((v) => {
    if (typeof v === "string") return v.trim() === "" || /[,"]/.test(v) ? JSON.stringify(v) : v;
    return typeof v === "bigint" ? String(v) : String(JSON.stringify(v));
  });
  if (values.length === 1) return `must be ${shown[0]}`;
  const rest = values.length > shown.length ? `, … (${values.length} values in all)` : "";
  return `must be one of ${shown.join(", ")}${rest}`;
}

/**
 * The reason a field error gives for `issue`: its own message when a schema wrote one, otherwise
 * what was expected in words ("must be one of a, b, c", "is required (expected string)") where
 * zod's default says it less plainly ("Invalid option: expected one of \"a\"|\"b\"|\"c\"").
 */
function reasonOf(issue: z.core.$ZodIssue): string {
  if (issue.code === "invalid_value" && /^Invalid (option|input): expected /.test(issue.message)) {
    return oneOf(issue.values);
  }
  if (issue.code === "invalid_type" && /^Invalid input: expected \w+, received undefined$/.test(issue.message)) {
    return `is required (expected ${issue.expected})`;
  }
  return issue.message;
}

/** Field errors of a zod failure; `prefix` names where the value came from (`query`, `header`). */
export function fieldErrorsOf(error: ZodError, prefix?: string): FieldError[] {
  const out: FieldError[] = [];
  const seen = new Set<string>();
  const push = (at: PropertyKey[], reason: string) => {
    const field = [prefix, at.map(String).join(".")].filter(Boolean).join(".") || (prefix ?? "body");
    const key = `${field}\n${reason}`;
    if (!seen.has(key)) {
      seen.add(key);
      out.push({ field, reason });
    }
  };
  const add = (issues: readonly z.core.$ZodIssue[], base: PropertyKey[]) => {
    for (const issue of issues) {
      const at = [...base, ...issue.path];
      // A strict object's unknown keys: one error per key, named where it was sent (zod names
      // the object and lists the keys in its message).
      if (issue.code === "unrecognized_keys") {
        for (const key of issue.keys) push([...at, key], "is not a known field");
        continue;
      }
      // A value that fits no branch of a union: say so, then what each branch found wrong
      // (zod's own message for this is only "Invalid input").
      const union = issue.code === "invalid_union" && issue.errors.length > 0;
      push(
        at,
        union && issue.message === "Invalid input"
          ? "matches none of the accepted shapes (what each one lacks follows)"
          : reasonOf(issue),
      );
      if (union) for (const branch of issue.errors) add(branch, at);
    }
  };
  add(error.issues, []);
  return out;
}

/**
 * The `validation_failed` error naming `errors`; its detail quotes the first of them and counts
 * the others as errors ("(and 2 more errors)"), so a count after a list of accepted values is not
 * read as more values. At most MAX_LISTED_ERRORS are listed (a 100,000-item array once made an
 * 18 MB answer); the detail and `omittedErrors` say how many more there were.
 */
export function invalidFields(errors: FieldError[]): AppError {
  const first = errors[0];
  const listed = errors.slice(0, MAX_LISTED_ERRORS);
  const omitted = errors.length - listed.length;
  const others = errors.length - 1;
  const more =
    others > 0
      ? ` (and ${others} more ${others === 1 ? "error" : "errors"}${omitted ? `; ${omitted} not listed` : ""})`
      : "";
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
