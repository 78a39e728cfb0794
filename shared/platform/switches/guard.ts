/** The switches from a request: a route middleware that refuses while a switch is off, and a reader. */
import type { MiddlewareHandler } from "hono";
import type { AppContext, AppEnv, PlatformBindings } from "../app-env";
import { dbOf } from "../db";
import { readEnv } from "../env";
import type { SwitchName } from "./catalog";
import { requireSwitch, type SwitchDeps, switchEnabled, switchEnvSchema } from "./switches";

/** A request's switch deps: its D1, its clock, the configured cache time. */
export function switchDepsOf<B extends PlatformBindings>(c: AppContext<B>): SwitchDeps {
  return {
    db: dbOf(c.env.DB),
    now: c.var.clock.now(),
    ttlMs: readEnv(switchEnvSchema, c.env).SWITCH_CACHE_MS,
    log: c.var.log,
  };
}

/** Whether `name` is on, for this request. */
export function isSwitchedOn<B extends PlatformBindings>(c: AppContext<B>, name: SwitchName): Promise<boolean> {
  return switchEnabled(switchDepsOf(c), name);
}

/** Middleware answering 503 `feature_disabled` (with `Retry-After`) while `name` is off. */
export function switchGuard<B extends PlatformBindings>(name: SwitchName): MiddlewareHandler<AppEnv<B>> {
  return async (c, next) => {
    await requireSwitch(switchDepsOf(c), name);
    await next();
  };
}
