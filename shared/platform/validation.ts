/**
 * zod at the edge: turning a failed parse into one `validation_failed` problem that names every
 * bad field, and small schema helpers shared by the Workers' routes.
 */
import type { ZodError } from "zod";
import { z } from "zod";
import { AppError, type FieldError } from "./errors";

/** Field errors of a zod failure; `prefix` names where the value came from (`query`, `header`). */
export function fieldErrorsOf(error: ZodError, prefix?: string): FieldError[] {
  return error.issues.map((issue) => {
    const path = issue.path.map(String).join(".");
    const field = [prefix, path].filter(Boolean).join(".") || (prefix ?? "body");
    return { field, reason: issue.message };
  });
}

/** The `validation_failed` error naming `errors`; its detail quotes the first of them. */
export function invalidFields(errors: FieldError[]): AppError {
  const first = errors[0];
  const detail = first
    ? `${first.field}: ${first.reason}${errors.length > 1 ? ` (and ${errors.length - 1} more)` : ""}`
    : "The request is not valid";
  return new AppError("validation_failed", { detail, errors });
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
