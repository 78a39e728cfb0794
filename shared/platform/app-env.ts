/**
 * The Hono env every HTTP Worker's app is typed with: the bindings all Workers have and the
 * per-request variables the kernel's middleware sets (request id, logger, caller, D1 session, ...).
 */
import type { Context } from "hono";
import type { Caller } from "./auth";
import type { Clock } from "./clock";
import type { AppError } from "./errors";
import type { IdempotencyIdentity } from "./idempotency";
import type { Logger } from "./logger";

/** Bindings every HTTP Worker has. */
export interface PlatformBindings {
  DB: D1Database;
  ENVIRONMENT?: string;
  MAX_BODY_BYTES?: string;
  /** Workers Analytics Engine dataset for metrics (production; see shared/platform/metrics). */
  METRICS?: AnalyticsEngineDataset;
}

/** Per-request values set by the kernel's middleware. */
export interface AppVariables {
  requestId: string;
  log: Logger;
  clock: Clock;
  /** The authenticated caller, or null for anonymous requests. */
  caller: Caller | null;
  /** Why a presented credential was refused, so protected routes answer `invalid_token`. */
  credentialError: AppError | null;
  /** The request's D1 session, opened by `requestDb` on first use. */
  d1Session: D1DatabaseSession | null;
  /** The request's Idempotency-Key identity when its route takes part and the client sent one. */
  idempotency: IdempotencyIdentity | null;
}

/** A Worker app's Hono env: its bindings and the kernel's variables. */
export type AppEnv<B extends PlatformBindings = PlatformBindings> = { Bindings: B; Variables: AppVariables };
/** A request's context in a Worker app. */
export type AppContext<B extends PlatformBindings = PlatformBindings> = Context<AppEnv<B>>;
