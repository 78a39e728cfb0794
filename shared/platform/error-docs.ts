/**
 * The error codes as the OpenAPI documents publish them: the Problem schema's `code` is an enum of
 * every code in `ERROR_CODES`, described by a table (code → status → meaning) that each
 * document's description repeats. All of it is derived from the one table, so a code cannot be
 * thrown without being listed (test/platform/error-codes.test.ts reads the served documents).
 */
import { z } from "@hono/zod-openapi";
import { ERROR_CODES, type ErrorCode } from "./errors";
import { PROBLEM_TYPE_BASE } from "./problem";

/** Every code, in the table's order (by status). */
export const ERROR_CODE_LIST = Object.keys(ERROR_CODES) as [ErrorCode, ...ErrorCode[]];

/** The codes in status order (the table's own order within one status). */
function byStatus(): ErrorCode[] {
  return [...ERROR_CODE_LIST].sort((a, b) => ERROR_CODES[a].status - ERROR_CODES[b].status);
}

/** The markdown table of every code: `| code | status | meaning |`, one row per code. */
export function errorCodeTable(): string {
  const rows = byStatus().map((code) => `| \`${code}\` | ${ERROR_CODES[code].status} | ${ERROR_CODES[code].title} |`);
  return ["| code | status | meaning |", "| --- | --- | --- |", ...rows].join("\n");
}

/** `x-error-codes` of the Problem schema: each code's status and meaning, for tools. */
export function errorCodeMap(): Record<ErrorCode, { status: number; title: string }> {
  return Object.fromEntries(
    byStatus().map((code) => [code, { status: ERROR_CODES[code].status, title: ERROR_CODES[code].title }]),
  ) as Record<ErrorCode, { status: number; title: string }>;
}

/** The Problem schema's `code`: one of every code, with the table in its description. */
export const problemCodeSchema = z.enum(ERROR_CODE_LIST).openapi({
  description: `The stable machine code of the cause, one per cause (the subject is named in \`detail\` and in extension members). One of:\n\n${errorCodeTable()}`,
  example: "validation_failed",
});

/** `x-error-codes` to put on the Problem schema. */
export const problemCodeExtension = { "x-error-codes": errorCodeMap() } as const;

/** The "Error codes" section every document's description ends with. */
export function errorCodesSection(): string {
  return [
    "## Error codes",
    "",
    `Every error answer is \`application/problem+json\` (RFC 9457): \`type\` (\`${PROBLEM_TYPE_BASE}<code>\`), \`title\`, \`status\`, \`detail\` (what the refusal is about), \`instance\` (the request id, also in \`X-Request-Id\`), the machine \`code\` below (the \`Problem\` schema's \`code\` enum), \`errors[]\` (\`{field, reason}\`) for \`validation_failed\`, and members naming the refusal's subject (a \`productId\`, a \`warehouseId\` and its \`available\` figure, ...). Branch on \`code\`; each means one cause and always comes with the status listed.`,
    "",
    errorCodeTable(),
  ].join("\n");
}

/** A document's info description followed by its "Error codes" section. */
export function withErrorCodes(description: string): string {
  return `${description}\n\n${errorCodesSection()}`;
}
