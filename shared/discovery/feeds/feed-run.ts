/**
 * One run of a feed: fetch it conditionally, and unless the origin says 304 or the body hashes
 * as the last one applied, diff it with the shop's catalog and store the difference as one bulk
 * job (progress, per-row errors), acting as the credential that registered the feed. The run is
 * recorded with the feed's new state (validators, hash, codes listed, next run) in one batch.
 *
 * One run at a time per feed: a run holds a lease on the feed row (compare-and-set), and a run
 * does not start while the last run's job is still queued or running, since its diff would read
 * a catalog half way through that job (and create again what the job is creating). The cron
 * skips such a feed until its next tick; "run now" answers 409 `feed_run_in_progress`.
 */
import { bulkJobStatus } from "../../catalog/bulk-job-view";
import { credentialCaller, MAX_ROWS, storeBulkJob } from "../../catalog/bulk-jobs";
import { skuSyncStates } from "../../catalog/sku-sync-state";
import type { Producers } from "../../events/producer";
import type { Clock } from "../../platform/clock";
import { sha256Hex } from "../../platform/crypto";
import type { Db } from "../../platform/db";
import { AppError } from "../../platform/errors";
import { newId } from "../../platform/ids";
import { createLogger, errorFields, type Logger } from "../../platform/logger";
import type { Currency } from "../../platform/money";
import { apiKeyIsActive } from "../../users/api-keys";
import { diffFeed, type FeedSummary, parseFeed } from "./feed-diff";
import { type FeedSettings, fetchFeed } from "./feed-fetch";
import type { FeedRunView } from "./feeds";
import { runView } from "./feeds";
import { dueFeeds, type FeedRow, leaseFeed, recordRun, runRows, updateFeed } from "./feeds-repo";

export interface FeedRunDeps {
  db: Db;
  clock: Clock;
  producers: Producers;
  settings: FeedSettings;
  log?: Logger;
  requestId?: string;
  /** The outbound fetch (the global one in Workers). */
  fetcher?: typeof fetch;
}

/** Longer than a fetch may take (FEED_TIMEOUT_MS) plus the diff, so a crashed run frees the feed soon. */
const LEASE_MS = 2 * 60_000;
/** Feeds one cron tick runs; the rest wait for the next tick (every five minutes). */
export const FEEDS_PER_TICK = 10;

type Outcome = Pick<FeedRunView, "outcome"> & {
  httpStatus: number | null;
  contentHash?: string;
  jobId?: string;
  summary?: FeedSummary;
  error?: { code: string; detail: string };
  feed?: Partial<Pick<FeedRow, "etag" | "lastModified" | "contentHash" | "listedCodes">>;
};

function busy(feedId: string, why: string): AppError {
  return new AppError("feed_run_in_progress", { detail: `Feed ${feedId} ${why}; run it again when that is done` });
}

/** Fetches, diffs and applies; answers what the run found (nothing recorded yet). */
async function attempt(deps: FeedRunDeps, feed: FeedRow): Promise<Outcome> {
  const caller = credentialCaller(feed.credential);
  // A feed registered with a key acts with it: once it is revoked the feed is not even fetched.
  if (caller.apiKeyId !== undefined && !(await apiKeyIsActive(deps.db, caller.apiKeyId)))
    return {
      outcome: "failed",
      httpStatus: null,
      error: { code: "forbidden", detail: "The API key that registered this feed was revoked; register it again" },
    };
  const fetched = await fetchFeed(
    feed.url,
    { etag: feed.etag, lastModified: feed.lastModified },
    deps.settings,
    deps.fetcher,
  );
  if (fetched.kind === "failed")
    return { outcome: "failed", httpStatus: fetched.status, error: { code: fetched.code, detail: fetched.detail } };
  if (fetched.kind === "not_modified") return { outcome: "not_modified", httpStatus: 304 };
  const validators = { etag: fetched.etag, lastModified: fetched.lastModified };
  const contentHash = await sha256Hex(fetched.body);
  if (contentHash === feed.contentHash)
    return { outcome: "unchanged", httpStatus: fetched.status, contentHash, feed: validators };
  const parsed = parseFeed(feed.format, fetched.body, feed.currency as Currency | null);
  const failed = (code: string, detail: string): Outcome => ({
    outcome: "failed",
    httpStatus: fetched.status,
    contentHash,
    error: { code, detail },
  });
  if (!parsed.ok) return failed("feed_unreadable", parsed.reason);
  if (parsed.items.length > MAX_ROWS)
    return failed("feed_too_large", `a feed holds at most ${MAX_ROWS} products; this one has ${parsed.items.length}`);
  const listed = JSON.parse(feed.listedCodes) as string[];
  const codes = [...new Set([...parsed.items.flatMap((i) => i.codes), ...listed])];
  const states = await skuSyncStates(deps.db, feed.shopId, codes);
  const diff = diffFeed(parsed.items, states, listed, feed.deleteMissing);
  const done = { contentHash, feed: { ...validators, contentHash, listedCodes: JSON.stringify(diff.listed) } };
  if (diff.rows.length === 0)
    return { outcome: "no_changes", httpStatus: fetched.status, summary: diff.summary, ...done };
  if (diff.rows.length > MAX_ROWS)
    return failed("feed_too_large", `the difference is ${diff.rows.length} rows, more than a job's ${MAX_ROWS}`);
  try {
    const job = await storeBulkJob(deps, caller, {
      kind: "feed",
      format: feed.format === "json" ? "json" : "csv",
      rows: diff.rows,
    });
    return { outcome: "applied", httpStatus: fetched.status, jobId: job.jobId, summary: diff.summary, ...done };
  } catch (err) {
    // The credential lost its shop or rights: the run fails and says why; anything else is the platform's.
    if (err instanceof AppError && err.status < 500) return failed(err.code, err.detail);
    throw err;
  }
}

/**
 * Runs `feed` now. Answers the recorded run, or null when a scheduled run finds the feed busy;
 * a manual run finding it busy is a 409.
 */
export async function runFeed(
  deps: FeedRunDeps,
  feed: FeedRow,
  trigger: "schedule" | "manual",
): Promise<FeedRunView | null> {
  const now = deps.clock.now();
  const leased = await leaseFeed(deps.db, feed.id, now, now + LEASE_MS);
  if (!leased) {
    if (trigger === "schedule") return null;
    throw busy(feed.id, "is being run");
  }
  let outcome: Outcome;
  try {
    const [last] = await runRows(deps.db, feed.id, undefined, 1);
    const status = last?.jobId ? await bulkJobStatus(deps.db, last.jobId) : undefined;
    if (status === "queued" || status === "running") {
      await updateFeed(deps.db, feed.id, { leasedUntil: null });
      if (trigger === "schedule") return null;
      throw busy(feed.id, `still applies its last run (bulk job ${last?.jobId})`);
    }
    outcome = await attempt(deps, leased);
  } catch (err) {
    if (!(err instanceof AppError && err.code === "feed_run_in_progress"))
      await updateFeed(deps.db, feed.id, { leasedUntil: null }).catch((release: unknown) =>
        (deps.log ?? createLogger()).warn("feed lease not released; it lapses by itself", {
          requestId: deps.requestId,
          feedId: feed.id,
          ...errorFields(release),
        }),
      );
    throw err;
  }
  const run = {
    id: newId("feedRun", now),
    feedId: feed.id,
    shopId: feed.shopId,
    trigger,
    outcome: outcome.outcome,
    httpStatus: outcome.httpStatus,
    contentHash: outcome.contentHash ?? null,
    jobId: outcome.jobId ?? null,
    summary: outcome.summary ? JSON.stringify(outcome.summary) : null,
    errorCode: outcome.error?.code ?? null,
    errorDetail: outcome.error?.detail.slice(0, 1000) ?? null,
    createdAt: now,
  };
  await recordRun(deps.db, run, feed.id, {
    ...outcome.feed,
    nextRunAt: now + leased.intervalMinutes * 60_000,
    updatedAt: now,
  });
  return runView(run);
}

/** The cron's part: runs the feeds that are due (at most FEEDS_PER_TICK); answers how many ran. */
export async function runDueFeeds(deps: FeedRunDeps): Promise<number> {
  const log = deps.log ?? createLogger();
  let ran = 0;
  for (const feed of await dueFeeds(deps.db, deps.clock.now(), FEEDS_PER_TICK)) {
    try {
      if (await runFeed(deps, feed, "schedule")) ran += 1;
    } catch (err) {
      // One feed's failure (D1, a bug) must not keep the others from running; it is retried next tick.
      log.error("feed run failed", { feedId: feed.id, ...errorFields(err) });
    }
  }
  return ran;
}
