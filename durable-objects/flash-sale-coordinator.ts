/**
 * One flash-sale campaign's quota (name = campaignId): the escrow that hands units to the
 * campaign's K bucket objects (flash-sale-bucket.ts) and takes back what one holds when another
 * needs it, so the quota is moved, never copied.
 *
 * Every move is recorded here (`moves`, pending) in the same transaction that takes its units out
 * of the pool, before the bucket hears of it; the bucket applies it once by its id; the outcome is
 * settled here once. A move whose outcome never arrived (a bucket evicted mid-call, a lost answer)
 * stays pending, counted in flight, and the alarm asks the bucket again. So after any crash:
 * quota = unallocated + in flight + Σ bucket stock + Σ admitted + Σ sold.
 *
 * Grants are sized from what is left (half the pool spread over the buckets, at least what was
 * asked), so chunks shrink as the sale nears its end. When the pool is empty and a bucket still
 * has shoppers, the coordinator recalls from the bucket holding the most (rebalancing driven by
 * demand). And near the end, on a timer (the alarm at `endRecallAt`), it recalls every bucket's
 * unsold stock into the pool and from then on grants exactly what a bucket asks, so the last units
 * sit where any bucket's late shoppers reach them in one request, not in a bucket nobody enters.
 * `close` voids grants in flight, lapses what was not redeemed and recalls it all.
 */
import { DurableObject } from "cloudflare:workers";
import type { QuotaCounts } from "../shared/flash-sales/quota";
import { CallMeter } from "./call-meter";
import type { FlashSaleBucket } from "./flash-sale-bucket";
import { type BucketRow, FlashSaleCoordinatorTables, type MoveRow } from "./flash-sale-coordinator-tables";
import {
  type BucketSnapshot,
  type CallStats,
  type GrantAnswer,
  grantOutcomeInput,
  type QuotaPlanInput,
  quotaPlanSchema,
  requestGrantInput,
} from "./flash-sale-protocol";

/** A move with no outcome after this long is asked after again by the alarm. */
export const REDELIVER_MS = 2_000;
/** With the pool empty and no bucket known to hold stock, reports are refreshed at most this often. */
export const REFRESH_MS = 250;
/** Audit rounds counts() tries for one during which nothing moved. */
const COUNT_ROUNDS = 5;
/** The end recall runs this long before the end (at most a tenth of the window). */
export const END_RECALL_LEAD_MS = 60_000;

/** When the coordinator takes the buckets' unsold stock back ahead of the end. */
export function endRecallAt(plan: Pick<QuotaPlanInput, "startsAt" | "endsAt">): number {
  return plan.endsAt - Math.min(END_RECALL_LEAD_MS, Math.floor(Math.max(0, plan.endsAt - plan.startsAt) / 10));
}

export interface FlashSaleCoordinatorEnv {
  FLASH_SALE_BUCKET: DurableObjectNamespace;
}

/** Units for a bucket asking for `want`: half the pool spread over the buckets, at least `want`. */
export function grantSize(unallocated: number, buckets: number, want: number): number {
  return Math.min(unallocated, Math.max(want, Math.ceil(unallocated / (2 * buckets))));
}

export class FlashSaleCoordinator extends DurableObject<FlashSaleCoordinatorEnv> {
  private readonly tables: FlashSaleCoordinatorTables;
  private readonly meter: CallMeter;
  private refreshing: Promise<void> | null = null;
  private refreshedAt = 0;
  private alarmAt: number | null | undefined;

  constructor(ctx: DurableObjectState, env: FlashSaleCoordinatorEnv) {
    super(ctx, env);
    this.tables = new FlashSaleCoordinatorTables(ctx.storage.sql);
    this.meter = new CallMeter(() => `${this.tables.plan()?.campaignId ?? "coordinator"}:coordinator`);
  }

  private bucket(k: number): DurableObjectStub<FlashSaleBucket> {
    const plan = this.requirePlan();
    const ns = this.env.FLASH_SALE_BUCKET as DurableObjectNamespace<FlashSaleBucket>;
    return ns.getByName(`${plan.campaignId}:${k}`);
  }

  private requirePlan(): QuotaPlanInput {
    const plan = this.tables.plan();
    if (!plan) throw new Error("flash-sale coordinator used before open");
    return plan;
  }

  plan(): QuotaPlanInput | null {
    this.meter.tick();
    return this.tables.plan();
  }

  stats(): CallStats {
    return this.meter.stats();
  }

  // -------------------------------------------------------------------------------------------
  // Opening

  /**
   * Stores the plan and hands each bucket a first grant (half the quota spread over the buckets:
   * quota / 2K each; the other half answers demand), so the first shoppers meet stocked buckets.
   * Once per campaign: opening again changes nothing (another quota or K for the id is refused).
   */
  async open(raw: unknown): Promise<void> {
    const plan = quotaPlanSchema.parse(raw);
    this.meter.tick();
    const first = this.ctx.storage.transactionSync((): MoveRow[] => {
      const known = this.tables.plan();
      if (known) {
        if (known.quota !== plan.quota || known.buckets !== plan.buckets) {
          throw new Error(`flash sale ${plan.campaignId} is already open with another quota or bucket count`);
        }
        return [];
      }
      this.tables.create(plan);
      // Opened already within the end recall's lead: every unit stays in the pool, granted exactly.
      if (Date.now() >= endRecallAt(plan)) {
        this.tables.setMeta("end_recall", "done");
        return [];
      }
      const each = Math.floor(plan.quota / (2 * plan.buckets));
      if (each === 0) return [];
      return Array.from({ length: plan.buckets }, (_, k) => this.tables.createGrant(k, each, Date.now()));
    });
    if (this.tables.meta("end_recall") === undefined) await this.armAlarm(endRecallAt(plan));
    if (first.length === 0) return;
    await this.armAlarm(Date.now() + REDELIVER_MS);
    // A push that fails stays pending; the alarm delivers it.
    await Promise.allSettled(first.map((g) => this.pushGrant(g)));
  }

  // -------------------------------------------------------------------------------------------
  // Grants

  /** A bucket asks for units: a grant from the pool, or from another bucket's stock when the pool is empty. */
  async requestGrant(raw: unknown): Promise<GrantAnswer> {
    const input = requestGrantInput.parse(raw);
    this.meter.tick();
    const plan = this.tables.plan();
    if (!plan) return { plan: null, grant: null, outlook: "open" };
    const asker = input.report.bucket;
    // After the end recall units go only where a shopper is short, never ahead into a bucket.
    const ahead = input.prefetch === true && this.tables.meta("end_recall") !== undefined;
    const fromPool = this.ctx.storage.transactionSync(() => {
      this.tables.noteReport(input.report);
      return ahead ? null : this.grantFromPool(plan, asker, input.want);
    });
    if (ahead) return { plan, grant: null, outlook: "open" };
    if (fromPool) return fromPool;
    if (this.tables.meta("closing") === "1") return { plan, grant: null, outlook: "sold_out" };

    // The pool is empty: take from the bucket holding the most (refreshing stale reports first).
    let donors = this.donors(asker);
    if (donors.length === 0 && Date.now() - this.refreshedAt >= REFRESH_MS) {
      await this.refresh();
      donors = this.donors(asker);
    }
    for (const donor of donors) {
      const take = Math.min(donor.stock, Math.max(input.want, Math.ceil(donor.stock / 2)));
      const got = await this.recallFrom(donor.bucket, take);
      if (got === 0) continue;
      const granted = this.ctx.storage.transactionSync(() => this.grantFromPool(plan, asker, input.want, true));
      if (granted) return granted;
    }
    const soldOut = this.tables.reportedSold() >= plan.quota;
    return { plan, grant: null, outlook: soldOut ? "sold_out" : "open" };
  }

  /** A grant out of the pool when it has units (exactly `want` once the pool had run dry or the end recall began). */
  private grantFromPool(plan: QuotaPlanInput, bucket: number, want: number, exact = false): GrantAnswer | null {
    if (this.tables.meta("closing") === "1") return null;
    const unallocated = this.tables.unallocated();
    if (unallocated === 0) return null;
    const size =
      exact || this.tables.meta("end_recall") !== undefined
        ? Math.min(unallocated, want)
        : grantSize(unallocated, plan.buckets, want);
    const g = this.tables.createGrant(bucket, size, Date.now());
    this.ctx.waitUntil(this.armAlarm(Date.now() + REDELIVER_MS));
    return { plan, grant: { grantId: g.move_id, quantity: g.quantity }, outlook: "open" };
  }

  /** The bucket's word on a grant it received in an answer. */
  async grantOutcome(raw: unknown): Promise<void> {
    const input = grantOutcomeInput.parse(raw);
    this.meter.tick();
    this.ctx.storage.transactionSync(() => {
      this.tables.settleGrant(input.grantId, input.applied);
      this.tables.noteReport(input.report);
    });
  }

  private async pushGrant(g: MoveRow): Promise<void> {
    const plan = this.requirePlan();
    const answer = await this.bucket(g.bucket).applyGrant({
      campaignId: plan.campaignId,
      bucket: g.bucket,
      grantId: g.move_id,
      quantity: g.quantity,
      plan,
    });
    this.ctx.storage.transactionSync(() => {
      this.tables.settleGrant(g.move_id, answer.status === "applied");
      this.tables.noteReport(answer.report);
    });
  }

  // -------------------------------------------------------------------------------------------
  // Recalls

  /** Buckets other than `asker` reported holding stock, the richest first. */
  private donors(asker: number): BucketRow[] {
    return this.tables
      .buckets()
      .filter((b) => b.bucket !== asker && b.stock > 0)
      .sort((a, b) => b.stock - a.stock);
  }

  /** Takes up to `max` units back from bucket `k`: recorded first, settled once; returns the units. */
  private async recallFrom(k: number, max: number): Promise<number> {
    const r = this.ctx.storage.transactionSync(() => this.tables.createRecall(k, max, Date.now()));
    await this.armAlarm(Date.now() + REDELIVER_MS);
    return this.sendRecall(r);
  }

  /** Sends a pending recall (its row holds the most it may take until it is settled). */
  private async sendRecall(r: MoveRow): Promise<number> {
    const plan = this.requirePlan();
    const answer = await this.bucket(r.bucket).recall({
      campaignId: plan.campaignId,
      bucket: r.bucket,
      recallId: r.move_id,
      max: r.quantity,
    });
    this.ctx.storage.transactionSync(() => {
      this.tables.settleRecall(r.move_id, answer.quantity);
      this.tables.noteReport(answer.report);
    });
    return answer.quantity;
  }

  // -------------------------------------------------------------------------------------------
  // Audit: the bucket's own word on every pending move

  /** Asks bucket `k` for its units and the outcome of its pending moves, and settles them. */
  private async audit(k: number): Promise<BucketSnapshot> {
    const plan = this.requirePlan();
    const pending = this.tables.pending({ bucket: k });
    const snap = await this.bucket(k).snapshot({
      campaignId: plan.campaignId,
      bucket: k,
      grantIds: pending.filter((m) => m.kind === "grant").map((m) => m.move_id),
      recallIds: pending.filter((m) => m.kind === "recall").map((m) => m.move_id),
    });
    this.settleFrom(snap);
    return snap;
  }

  private settleFrom(snap: BucketSnapshot): void {
    this.ctx.storage.transactionSync(() => {
      for (const id of snap.appliedGrantIds) this.tables.settleGrant(id, true);
      for (const id of snap.voidGrantIds) this.tables.settleGrant(id, false);
      for (const [id, quantity] of Object.entries(snap.recalled)) this.tables.settleRecall(id, quantity);
      this.tables.noteReport(snap);
    });
  }

  /** Fresh reports from every bucket, one refresh at a time. */
  private refresh(): Promise<void> {
    this.refreshing ??= (async () => {
      const plan = this.requirePlan();
      await Promise.allSettled(Array.from({ length: plan.buckets }, (_, k) => this.audit(k)));
      this.refreshedAt = Date.now();
    })().finally(() => {
      this.refreshing = null;
    });
    return this.refreshing;
  }

  /**
   * The whole campaign's units, from each bucket's own word (settling what it reports). A round of
   * audits is exact when no move was made or settled while it ran (then a grant a bucket applied
   * after its snapshot is still pending here, and a recall it gave after its snapshot is still in
   * its stock), so rounds repeat until one is quiet (a few at most; the last one under load).
   */
  async counts(): Promise<QuotaCounts> {
    this.meter.tick();
    const plan = this.requirePlan();
    const round = () => this.auditAll(plan);
    let snaps = await round();
    for (let tries = 0; tries < COUNT_ROUNDS; tries++) {
      const before = this.tables.revision();
      snaps = await round();
      if (this.tables.revision() === before) break;
    }
    const sum = (key: "admitted" | "sold" | "waiting") => snaps.reduce((n, s) => n + s[key], 0);
    const admitted = sum("admitted");
    const sold = sum("sold");
    return {
      quota: plan.quota,
      unallocated: this.tables.unallocated(),
      inFlight: this.tables.inFlight(),
      bucketStock: snaps.map((s) => s.stock),
      admitted,
      sold,
      remaining: plan.quota - sold - admitted,
      closed: this.tables.meta("result") !== undefined,
      waiting: sum("waiting"),
    };
  }

  /**
   * Units that can still be admitted (quota − sold − admitted) from one round of audits: each
   * bucket's admitted and sold are its own at that moment, so this is cheap and never counts a
   * unit twice; only the split of the rest needs counts()'s quiet round.
   */
  async remaining(): Promise<number> {
    this.meter.tick();
    const plan = this.requirePlan();
    const snaps = await this.auditAll(plan);
    return plan.quota - snaps.reduce((n, s) => n + s.admitted + s.sold, 0);
  }

  private auditAll(plan: QuotaPlanInput): Promise<BucketSnapshot[]> {
    return Promise.all(Array.from({ length: plan.buckets }, (_, k) => this.audit(k)));
  }

  // -------------------------------------------------------------------------------------------
  // The end recall

  /**
   * From `endRecallAt` on (the alarm's work; `now` for tests): every bucket's stock back into the
   * pool, once. Grants are exact from the moment it begins, so nothing handed out after it is
   * stranded again; a recall that fails (a bucket evicted mid-call) stays pending and the alarm's
   * redelivery finishes it, and a crash before it is marked done runs it again. Returns the units recalled.
   */
  async recallBeforeEnd(now: number = Date.now()): Promise<number> {
    this.meter.tick();
    const plan = this.tables.plan();
    if (!plan || now < endRecallAt(plan)) return 0;
    if (this.tables.meta("end_recall") === "done" || this.tables.meta("closing") === "1") return 0;
    this.ctx.storage.transactionSync(() => this.tables.setMeta("end_recall", "started"));
    // Up to the whole quota from each: a bucket gives what it holds, whatever its last report said.
    const got = await Promise.allSettled(
      Array.from({ length: plan.buckets }, (_, k) => this.recallFrom(k, plan.quota)),
    );
    this.ctx.storage.transactionSync(() => this.tables.setMeta("end_recall", "done"));
    return got.reduce((n, r) => n + (r.status === "fulfilled" ? r.value : 0), 0);
  }

  // -------------------------------------------------------------------------------------------
  // Closing

  /**
   * Ends admission: every bucket closes (voiding grants in flight, lapsing unredeemed admissions),
   * then gives all its stock back. Idempotent, and safe to re-run after a crash at any step.
   */
  async close(): Promise<{ sold: number; unsold: number }> {
    this.meter.tick();
    const plan = this.requirePlan();
    const done = this.tables.meta("result");
    if (done) return JSON.parse(done) as { sold: number; unsold: number };
    this.ctx.storage.transactionSync(() => this.tables.setMeta("closing", "1"));
    const sold = await Promise.all(Array.from({ length: plan.buckets }, (_, k) => this.closeBucket(k)));
    const result = { sold: sold.reduce((a, b) => a + b, 0), unsold: 0 };
    result.unsold = plan.quota - result.sold;
    this.ctx.storage.transactionSync(() => this.tables.setMeta("result", JSON.stringify(result)));
    return result;
  }

  /** Closes bucket `k` and recalls everything it holds; returns the units it sold. */
  private async closeBucket(k: number): Promise<number> {
    const plan = this.requirePlan();
    const pending = this.tables.pending({ bucket: k });
    const snap = await this.bucket(k).close({
      campaignId: plan.campaignId,
      bucket: k,
      grantIds: pending.filter((m) => m.kind === "grant").map((m) => m.move_id),
    });
    this.settleFrom(snap);
    // Recalls begun before (a crash, a rebalancing in progress) finish first, then the rest comes back.
    for (const r of this.tables.pending({ bucket: k })) if (r.kind === "recall") await this.sendRecall(r);
    await this.recallFrom(k, plan.quota);
    return snap.sold;
  }

  // -------------------------------------------------------------------------------------------
  // Alarm: moves whose outcome never arrived

  override async alarm(): Promise<void> {
    this.alarmAt = null;
    await this.redeliver(Date.now() - REDELIVER_MS);
    const plan = this.tables.plan();
    if (plan && this.tables.meta("end_recall") !== "done" && this.tables.meta("closing") !== "1") {
      if (Date.now() >= endRecallAt(plan)) await this.recallBeforeEnd();
      else await this.armAlarm(endRecallAt(plan));
    }
    if (this.tables.pending().length > 0) await this.armAlarm(Date.now() + REDELIVER_MS);
  }

  /** Sends again every move pending since before `before` (all of them with Infinity); idempotent at the bucket. */
  async redeliver(before: number = Number.POSITIVE_INFINITY): Promise<number> {
    const stale = this.tables.pending({ before: Number.isFinite(before) ? before : Number.MAX_SAFE_INTEGER });
    await Promise.allSettled(stale.map((m) => (m.kind === "grant" ? this.pushGrant(m) : this.sendRecall(m))));
    return stale.length;
  }

  private async armAlarm(at: number): Promise<void> {
    if (this.alarmAt === undefined) this.alarmAt = await this.ctx.storage.getAlarm();
    if (this.alarmAt === null || this.alarmAt > at) {
      await this.ctx.storage.setAlarm(at);
      this.alarmAt = at;
    }
  }
}
