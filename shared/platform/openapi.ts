/**
 * OpenAPI helpers shared by every Worker's routes: the problem+json schema, the error responses a
 * route lists, and JSON request/response bodies, so each `createRoute` stays short and uniform.
 */
import { z } from "@hono/zod-openapi";
import { problemCodeExtension, problemCodeSchema } from "./error-docs";
import { PROBLEM_CONTENT_TYPE } from "./problem";

/**
 * RFC 9457 problem document, as every error answer carries it. `code` lists every code of
 * ERROR_CODES (error-docs.ts: the enum, the code → status → meaning table, `x-error-codes`).
 */
export const problemSchema = z
  .object({
    type: z.string().openapi({ example: "https://edge-commerce.dev/problems/validation_failed" }),
    title: z.string(),
    status: z.number().int(),
    detail: z.string().openapi({ description: "What this refusal is about, naming its subject" }),
    instance: z.string().openapi({ description: "The request id" }),
    code: problemCodeSchema,
    errors: z
      .array(z.object({ field: z.string(), reason: z.string() }))
      .optional()
      .openapi({ description: "`validation_failed`: each bad field and what was expected of it" }),
  })
  .passthrough()
  .openapi("Problem", problemCodeExtension);

const STATUS_TEXT: Record<number, string> = {
  400: "Invalid request (validation_failed, malformed_json, ...)",
  401: "Missing or invalid credentials",
  403: "The caller may not do this",
  404: "Not found (or not visible to the caller)",
  409: "Conflict with the current state",
  413: "Request body too large",
  415: "Unsupported media type",
  422: "Well-formed but refused (idempotency_conflict, ...: see the code)",
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

/** Named examples of one media type: Swagger UI offers them in a list and pre-fills the first. */
export type NamedExamples<T> = Record<string, { summary: string; value: T }>;

/** What a body or response shows in the docs: one `example`, or several named `examples`. */
export interface ExampleOptions<T> {
  description?: string;
  example?: T;
  examples?: NamedExamples<T>;
}

function exampleFields<T>(options: ExampleOptions<T>) {
  return {
    ...(options.example === undefined ? {} : { example: options.example }),
    ...(options.examples === undefined ? {} : { examples: options.examples }),
  };
}

/**
 * A required JSON request body. Its example (typed as the schema's input, so it cannot drift from
 * it) pre-fills Swagger UI's "Try it out"; test/e2e/openapi-docs.test.ts requires one.
 */
export function jsonBody<S extends z.ZodType>(schema: S, options: ExampleOptions<z.input<S>> = {}) {
  const { description = "JSON body" } = options;
  return {
    required: true,
    description,
    content: { "application/json": { schema, ...exampleFields(options) } },
  } as const;
}

/** A JSON response entry, with an example answer (typed as the schema's output). */
export function jsonResponse<S extends z.ZodType>(schema: S, description: string, example?: z.output<S>) {
  return {
    description,
    content: { "application/json": { schema, ...(example === undefined ? {} : { example }) } },
  } as const;
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
