/**
 * Reading and flipping the degradation switches. States live in D1 (durable, one row per switch)
 * and each isolate caches all of them for `SWITCH_CACHE_MS` (at most 5 s), so a flip is in force
 * everywhere within 5 s without a deploy and a hot route costs no D1 read per request. While one
 * request of an isolate refreshes them, the others go on with the last states read (isolate-snapshot.ts).
 * A failed refresh keeps serving the last states it read (a switch must not flap because D1
 * hiccuped) and defaults to on when it never read any.
 */
import { z } from "zod";
import { type Actor, actorText } from "../actor";
import type { Db } from "../db";
import { AppError } from "../errors";
import { newId } from "../ids";
import { IsolateSnapshot } from "../isolate-snapshot";
import { errorFields, type Logger } from "../logger";
import { isSwitchName, SWITCH_NAMES, SWITCHED_OFF_RETRY_AFTER_SECONDS, SWITCHES, type SwitchName } from "./catalog";
import { recentFlips, type SwitchRow, storedSwitches, writeFlip } from "./switches-repo";

export const switchEnvSchema = z.object({
  /** How long an isolate trusts the switch states it read (the time a flip takes to be in force). */
  SWITCH_CACHE_MS: z.coerce.number().int().min(0).max(5_000).default(5_000),
});

/** One isolate's cached switch states, by name. */
export class SwitchCache {
  private readonly snapshot = new IsolateSnapshot<Map<string, SwitchRow>>();

  /** Whether `name` is on, read from the cache or (when older than `ttlMs`) from D1. */
  async isEnabled(db: Db, name: SwitchName, now: number, ttlMs: number, log: Logger): Promise<boolean> {
    const rows = await this.current(db, now, ttlMs, log);
    return rows?.get(name)?.enabled ?? true;
  }

  /** Forgets the cached states (the admin Worker after a flip, so its own reads are fresh). */
  invalidate(): void {
    this.snapshot.invalidate();
  }

  private async current(db: Db, now: number, ttlMs: number, log: Logger): Promise<Map<string, SwitchRow> | null> {
    const failed = (err: unknown) =>
      log.warn("switch states not refreshed; serving the last ones read", errorFields(err));
    try {
      const read = async () => new Map((await storedSwitches(db)).map((r) => [r.name, r]));
      return await this.snapshot.current(read, now, ttlMs, failed);
    } catch (err) {
      // Never read any: every switch counts as on.
      failed(err);
      return null;
    }
  }
}

/** The cache this isolate's requests share. */
export const isolateSwitches = new SwitchCache();

/** What reading a switch needs. */
export interface SwitchDeps {
  db: Db;
  now: number;
  ttlMs: number;
  log: Logger;
  cache?: SwitchCache;
}

/** Whether `name` is on. */
export function switchEnabled(deps: SwitchDeps, name: SwitchName): Promise<boolean> {
  return (deps.cache ?? isolateSwitches).isEnabled(deps.db, name, deps.now, deps.ttlMs, deps.log);
}

/** Throws 503 `feature_disabled` with `Retry-After` when `name` is off. */
export async function requireSwitch(deps: SwitchDeps, name: SwitchName): Promise<void> {
  if (await switchEnabled(deps, name)) return;
  throw new AppError("feature_disabled", {
    detail: `${name} is switched off by an operator for now; retry later`,
    headers: { "Retry-After": String(SWITCHED_OFF_RETRY_AFTER_SECONDS) },
  });
}

/** A switch as operators see it. */
export const switchViewSchema = z.object({
  name: z.enum(SWITCH_NAMES),
  description: z.string(),
  enabled: z.boolean(),
  reason: z.string().nullable().describe("Why it was last flipped; null when never flipped"),
  updatedBy: z.string().nullable().describe("Who flipped it last (`user:usr_…`)"),
  updatedAt: z.string().nullable(),
  history: z
    .array(z.object({ enabled: z.boolean(), reason: z.string(), by: z.string(), at: z.string() }))
    .describe("The newest flips first (up to 10)"),
});
export type SwitchView = z.infer<typeof switchViewSchema>;

export const flipBody = z
  .object({
    enabled: z.boolean(),
    reason: z.string().trim().min(3).max(500).describe("Why, for the flip log (who is taken from the token)"),
  })
  .strict();
export type FlipBody = z.infer<typeof flipBody>;

const HISTORY = 10;

async function viewOf(db: Db, name: SwitchName, row: SwitchRow | undefined): Promise<SwitchView> {
  const flips = await recentFlips(db, name, HISTORY);
  return {
    name,
    description: SWITCHES[name].description,
    enabled: row?.enabled ?? true,
    reason: row?.reason ?? null,
    updatedBy: row?.updatedBy ?? null,
    updatedAt: row ? new Date(row.updatedAt).toISOString() : null,
    history: flips.map((f) => ({
      enabled: f.enabled,
      reason: f.reason,
      by: f.actor,
      at: new Date(f.at).toISOString(),
    })),
  };
}

/** Every switch with its state and recent flips (read from D1, never from the cache). */
export async function listSwitches(db: Db): Promise<SwitchView[]> {
  const rows = new Map((await storedSwitches(db)).map((r) => [r.name, r]));
  return Promise.all(SWITCH_NAMES.map((name) => viewOf(db, name, rows.get(name))));
}

/** Flips `name` to `body.enabled`, logged with who and why; 404 for an unknown switch. */
export async function flipSwitch(
  db: Db,
  input: { name: string; body: FlipBody; actor: Actor; now: number; log: Logger },
): Promise<SwitchView> {
  const { name, body, actor, now, log } = input;
  if (!isSwitchName(name)) {
    throw new AppError("not_found", { detail: `No switch ${name}; the switches are ${SWITCH_NAMES.join(", ")}` });
  }
  const state: SwitchRow = {
    name,
    enabled: body.enabled,
    reason: body.reason,
    updatedBy: actorText(actor),
    updatedAt: now,
  };
  await writeFlip(db, state, newId("operationLog", now));
  isolateSwitches.invalidate();
  log.info("switch flipped", { switch: name, enabled: body.enabled, reason: body.reason, by: state.updatedBy });
  return viewOf(db, name, state);
}
