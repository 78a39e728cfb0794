/**
 * The answers the kernel gives on any operation, declared once for all of them: a pass over the
 * generated OpenAPI document (run by the app factory) that adds to each operation the statuses
 * `createApp`'s middleware answers before or around its handler, so no route has to list them:
 *
 * - 400 `validation_failed` / `malformed_json` where the operation has parameters or a body;
 * - 413 `payload_too_large` on every method that may carry a body (the body limit reads them all);
 * - 415 `unsupported_media_type` where it takes a body (zod-openapi's media-type gate);
 * - 401 `unauthenticated` / `invalid_token` where it declares `security`;
 * - 422 `idempotency_conflict` and 409 `idempotency_in_progress` where it documents
 *   `Idempotency-Key`, which is exactly where the idempotency middleware takes part.
 *
 * A status the route already lists keeps its entry; its description gains the kernel's code when
 * it does not name it. test/e2e/openapi-docs.test.ts sends these requests to every operation and
 * fails on a status its document does not declare.
 */
import type { ErrorCode } from "./errors";
import { ERROR_CODES } from "./errors";
import { PROBLEM_CONTENT_TYPE } from "./problem";

interface Parameter {
  in: string;
  name: string;
}
interface MediaType {
  schema?: unknown;
  example?: unknown;
}
interface Response {
  description: string;
  content?: Record<string, MediaType>;
}
interface Operation {
  parameters?: Parameter[];
  requestBody?: { content?: Record<string, MediaType> };
  security?: unknown[];
  responses?: Record<string, Response>;
}
/** The operations of an OpenAPI 3.1 document, as far as this pass reads and writes them. */
type Paths = Record<string, Record<string, Operation>>;

/** One answer the kernel may give, and why. */
interface KernelAnswer {
  status: number;
  code: ErrorCode;
  /** Why, as the docs say it. */
  why: string;
  /** The `detail` of the example answer. */
  detail: string;
}

const HTTP_METHODS = new Set(["get", "put", "post", "delete", "options", "head", "patch", "trace"]);

/** The kernel's answers for `op` (sent with `method`), in status order. */
export function kernelAnswersOf(method: string, op: Operation): KernelAnswer[] {
  const params = op.parameters ?? [];
  const bodyTypes = Object.keys(op.requestBody?.content ?? {});
  const idempotent = params.some((p) => p.in === "header" && p.name.toLowerCase() === "idempotency-key");
  const answers: KernelAnswer[] = [];
  if (params.length > 0 || bodyTypes.length > 0) {
    answers.push({
      status: 400,
      code: "validation_failed",
      why: "a parameter or body field is invalid (each named in `errors[]`)",
      detail: "quantity: must be at least 1",
    });
  }
  if (bodyTypes.length > 0) {
    answers.push({
      status: 400,
      code: "malformed_json",
      why: "the body is not valid JSON",
      detail: "The request body could not be parsed as JSON",
    });
  }
  if ((op.security ?? []).length > 0) {
    answers.push({
      status: 401,
      code: "unauthenticated",
      why: "no `Authorization: Bearer` credential, or `invalid_token` for an expired or unknown one",
      detail: "Authentication is required",
    });
  }
  if (idempotent) {
    answers.push({
      status: 409,
      code: "idempotency_in_progress",
      why: "a request with the same Idempotency-Key is still running; retry later",
      detail: "A request with this Idempotency-Key is still running",
    });
  }
  if (method !== "get" && method !== "head") {
    answers.push({
      status: 413,
      code: "payload_too_large",
      why: "the body is over the limit (`MAX_BODY_BYTES`, 1 MiB unless configured)",
      detail: "The request body exceeds 1048576 bytes",
    });
  }
  if (bodyTypes.length > 0) {
    answers.push({
      status: 415,
      code: "unsupported_media_type",
      why: `the body is not sent as ${bodyTypes.map((t) => `\`${t}\``).join(" or ")}`,
      detail: `Send the body as ${bodyTypes.join(" or ")}`,
    });
  }
  if (idempotent) {
    answers.push({
      status: 422,
      code: "idempotency_conflict",
      why: "the Idempotency-Key was already used with a different request",
      detail: "This Idempotency-Key was used with a different request",
    });
  }
  return answers;
}

/** An example problem document for `code`, as the kernel answers it. */
function problemExample(code: ErrorCode, detail: string) {
  const { status, title } = ERROR_CODES[code];
  return {
    type: `https://edge-commerce.dev/problems/${code}`,
    title,
    status,
    detail,
    instance: "req_01JD7Q2N7ZP4Y1M3X8V6K5T2R9",
    code,
  };
}

/**
 * Adds the kernel's answers to every operation of `doc` (in place, and answers it). Problem
 * responses refer to the `Problem` schema component, which the app factory registers.
 */
export function declareKernelResponses<D extends { paths?: object }>(doc: D): D {
  for (const methods of Object.values((doc.paths ?? {}) as Paths)) {
    for (const [method, op] of Object.entries(methods)) {
      if (!HTTP_METHODS.has(method)) continue;
      const responses = op.responses ?? {};
      op.responses = responses;
      for (const answer of kernelAnswersOf(method, op)) {
        const key = String(answer.status);
        const cause = `\`${answer.code}\`: ${answer.why}`;
        const existing = responses[key];
        if (!existing) {
          responses[key] = {
            description: cause,
            content: {
              [PROBLEM_CONTENT_TYPE]: {
                schema: { $ref: "#/components/schemas/Problem" },
                example: problemExample(answer.code, answer.detail),
              },
            },
          };
        } else if (!existing.description.includes(answer.code)) {
          existing.description = `${existing.description}; ${cause}`;
        }
      }
    }
  }
  return doc;
}
