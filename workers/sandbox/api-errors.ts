/**
 * Errors of the Stripe-like API (`/sandbox/api/v1`): Stripe's `{error: {type, code, message, param}}`
 * with its statuses, so the platform's adapter meets the same failures it will meet at Stripe.
 */
import { z as zod } from "@hono/zod-openapi";
import { type ApiError, type ApiResult, apiErrorBody } from "../../shared/sandbox/schemas";

/** A Stripe-style error answer, thrown by a route and rendered by the API app's error handler. */
export class SandboxApiError extends Error {
  constructor(
    readonly status: 400 | 401 | 404 | 409 | 413 | 500 | 504,
    readonly error: ApiError,
  ) {
    super(error.message);
    this.name = "SandboxApiError";
  }
}

/** The body of an ok result, or the result's error thrown. */
export function unwrap<T>(result: ApiResult<T>): T {
  if (result.ok) return result.body;
  throw new SandboxApiError(result.status, result.error);
}

/** Stripe's name for a field: `metadata[paymentId]`, `created[gte]`. */
function paramOf(path: readonly PropertyKey[]): string | undefined {
  const [head, ...rest] = path.map(String);
  return head === undefined ? undefined : `${head}${rest.map((p) => `[${p}]`).join("")}`;
}

/** The first zod issue as Stripe reports a bad parameter. */
export function parameterError(error: zod.ZodError): SandboxApiError {
  const issue = error.issues[0];
  if (!issue) {
    return new SandboxApiError(400, {
      type: "invalid_request_error",
      code: "parameter_invalid",
      message: "Invalid request",
    });
  }
  if (issue.code === "unrecognized_keys") {
    const key = issue.keys[0] ?? "";
    const param = paramOf([...issue.path, key]) ?? key;
    return new SandboxApiError(400, {
      type: "invalid_request_error",
      code: "parameter_unknown",
      message: `Received unknown parameter: ${param}`,
      param,
    });
  }
  const param = paramOf(issue.path);
  const missing = issue.code === "invalid_type" && /received undefined/.test(issue.message);
  const error_: ApiError = {
    type: "invalid_request_error",
    code: missing ? "parameter_missing" : "parameter_invalid",
    message: missing
      ? `Missing required param: ${param ?? "body"}.`
      : `Invalid ${param ?? "request"}: ${issue.message}`,
  };
  if (param) error_.param = param;
  return new SandboxApiError(400, error_);
}

/** The `responses` entries for Stripe-style error statuses. */
export function apiErrorResponses(...statuses: number[]) {
  const out: Record<number, { description: string; content: { "application/json": { schema: typeof apiErrorBody } } }> =
    {};
  for (const status of statuses) {
    out[status] = {
      description: `Stripe-style error (${status})`,
      content: { "application/json": { schema: apiErrorBody } },
    };
  }
  return out;
}

/** The optional `Idempotency-Key` of a creating POST (Stripe's semantics: same key and parameters replay). */
export const idempotencyKeyHeader = zod.object({
  "idempotency-key": zod.string().min(1).max(255).optional().openapi({
    description:
      "Replays the first answer for the same key and parameters; other parameters are a 400 idempotency_error",
  }),
});
