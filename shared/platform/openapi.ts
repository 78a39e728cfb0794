/**
 * OpenAPI helpers shared by every Worker's routes: the problem+json schema, the error responses a
 * route lists, and JSON request/response bodies, so each `createRoute` stays short and uniform.
 */
import { z } from "@hono/zod-openapi";
import { ERROR_CODES } from "./errors";
import { PROBLEM_CONTENT_TYPE } from "./problem";

/** RFC 9457 problem document, as every error answer carries it. */
export const problemSchema = z
  .object({
    type: z.string().openapi({ example: "https://edge-commerce.dev/problems/validation_failed" }),
    title: z.string(),
    status: z.number().int(),
    detail: z.string(),
    instance: z.string().openapi({ description: "The request id" }),
    code: z.enum(Object.keys(ERROR_CODES) as [keyof typeof ERROR_CODES, ...(keyof typeof ERROR_CODES)[]]),
    errors: z.array(z.object({ field: z.string(), reason: z.string() })).optional(),
  })
  .passthrough()
  .openapi("Problem");

const STATUS_TEXT: Record<number, string> = {
  400: "Invalid request (validation_failed, malformed_json, ...)",
  401: "Missing or invalid credentials",
  403: "The caller may not do this",
  404: "Not found (or not visible to the caller)",
  409: "Conflict with the current state",
  413: "Request body too large",
  415: "Unsupported media type",
  422: "Idempotency key reused with a different request",
  423: "Account locked",
  429: "Rate limited",
  500: "Internal error",
  502: "The payment provider refused or failed",
  503: "Temporarily unavailable",
};

/** The `responses` entries for the given error statuses, each a problem+json document. */
export function errorResponses(...statuses: number[]) {
  const out: Record<number, { description: string; content: Record<string, { schema: typeof problemSchema }> }> = {};
  for (const status of statuses) {
    out[status] = {
      description: STATUS_TEXT[status] ?? "Error",
      content: { [PROBLEM_CONTENT_TYPE]: { schema: problemSchema } },
    };
  }
  return out;
}

/** A required JSON request body. */
export function jsonBody<S extends z.ZodType>(schema: S, description = "JSON body") {
  return { required: true, description, content: { "application/json": { schema } } } as const;
}

/** A JSON response entry. */
export function jsonResponse<S extends z.ZodType>(schema: S, description: string) {
  return { description, content: { "application/json": { schema } } } as const;
}

/** The `Idempotency-Key` request header, documented on every creating POST. */
export const idempotencyHeaders = z.object({
  "idempotency-key": z.string().optional().openapi({
    description: "Replays the first response for the same key and body (24 h)",
    example: "7d4c1e2a-order-1",
  }),
});

/** `?shopId=` of admin routes that act on one shop (see `shopOf`): operators name it, sellers omit it. */
export const shopQuery = z.object({
  shopId: z.string().min(1).max(64).optional().describe("Operators name the shop; sellers get their own"),
});
