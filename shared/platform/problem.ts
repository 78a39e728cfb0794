/**
 * RFC 9457 problem documents. Every error answer of every Worker is built here, so the shape
 * (`type`, `title`, `status`, `detail`, `instance`, `code`, `errors[]`) never drifts.
 */
import { type AppError, ERROR_CODES, type ErrorCode, type FieldError } from "./errors";

export const PROBLEM_CONTENT_TYPE = "application/problem+json";

/** Base of every problem `type` URI; the code is appended, so a type is as stable as its code. */
export const PROBLEM_TYPE_BASE = "https://edge-commerce.dev/problems/";

export interface ProblemDocument {
  type: string;
  title: string;
  status: number;
  detail: string;
  /** The request id, so a client report can be matched to our logs. */
  instance: string;
  code: ErrorCode;
  errors?: FieldError[];
  [extension: string]: unknown;
}

/** The problem document for an `AppError` raised while serving request `requestId`. */
export function problemOf(err: AppError, requestId: string): ProblemDocument {
  const doc: ProblemDocument = {
    ...err.extensions,
    type: `${PROBLEM_TYPE_BASE}${err.code}`,
    title: ERROR_CODES[err.code].title,
    status: err.status,
    detail: err.detail,
    instance: requestId,
    code: err.code,
  };
  if (err.errors) doc.errors = err.errors;
  return doc;
}

/** A complete problem+json response, with the request id and the error's own headers. */
export function problemResponse(err: AppError, requestId: string): Response {
  const headers = new Headers(err.headers);
  headers.set("content-type", PROBLEM_CONTENT_TYPE);
  headers.set("x-request-id", requestId);
  return new Response(JSON.stringify(problemOf(err, requestId)), { status: err.status, headers });
}
