/**
 * One bucket of a flash sale's quota (name `${campaignId}:${k}`): the object a shopper's entries
 * reach (a stable hash of the user id picks k), so K buckets share one hot SKU's stampede.
 *
 * A bucket sells only what it holds. Its units arrive as grants from the campaign's coordinator
 * (flash-sale-coordinator.ts), each applied once by its grant id, and leave as recalls, each taken
 * once by its recall id; every step is one `transactionSync`, so an eviction between any two calls
 * loses nothing, and the `units` row's CHECK keeps granted − recalled = stock + admitted + sold.
 *
 * It enforces the per-user limit (a shopper always lands in the same bucket), admits a shopper by
 * moving units from stock to admitted, and returns an admission whose order never came when its
 * time is up (the alarm). When it is short it asks the coordinator for more (one request at a time)
 * and meanwhile answers `queued` with the shopper's place; the units that arrive are earmarked for
 * the waiters ahead (those who came back within WAITER_TTL_MS), so the queue is served in order.
 */
import { DurableObject } from "cloudflare:workers";
import type { AdmitOutcome, RedeemOutcome } from "../shared/flash-sales/quota";
import { newId } from "../shared/platform/ids";
import { CallMeter } from "./call-meter";
import { FlashSaleBucketTables } from "./flash-sale-bucket-tables";
import type { FlashSaleCoordinator } from "./flash-sale-coordinator";
import {
  type AdmitInput,
  admitInput,
  applyGrantInput,
  type BucketReport,
  type BucketSnapshot,
  type CallStats,
  closeBucketInput,
  DEFAULT_ADMISSION_TTL_MS,
  type GrantApplied,
  type QuotaPlanInput,
  recallInput,
  redeemInput,
  releaseInput,
  snapshotInput,
} from "./flash-sale-protocol";

/** A waiter who has not come back for this long loses its place (and its earmark). */
export const WAITER_TTL_MS = 5_000;
/** After the coordinator had nothing to give, a bucket waits this long before asking again. */
export const EMPTY_BACKOFF_MS = 100;
const RETRY_MIN_MS = 250;
const RETRY_MAX_MS = 2_000;

export interface FlashSaleBucketEnv {
  FLASH_SALE_COORDINATOR: DurableObjectNamespace;
}

type Attempt =
  | { kind: "done"; outcome: AdmitOutcome }
  /** Not enough unearmarked stock: the shopper is in the queue at `position`; `deficit` units short. */
  | { kind: "short"; position: number; deficit: number };

export class FlashSaleBucket extends DurableObject<FlashSaleBucketEnv> {
  private readonly tables: FlashSaleBucketTables;
  private readonly meter: CallMeter;
  private ref: { campaignId: string; bucket: number } | undefined;
  /** The one request to the coordinator in progress, shared by every entry waiting on it. */
  private refilling: Promise<"open" | "sold_out"> | null = null;
  private lastEmptyAt = 0;
  /** Memo of the armed alarm: undefined until read; null when none is armed. */
  private alarmAt: number | null | undefined;

  constructor(ctx: DurableObjectState, env: FlashSaleBucketEnv) {
    super(ctx, env);
    this.tables = new FlashSaleBucketTables(ctx.storage.sql);
    this.meter = new CallMeter(() => (this.ref ? `${this.ref.campaignId}:${this.ref.bucket}` : "bucket"));
  }

  /** Every call names the bucket; the first one it receives is remembered (its alarm needs it). */
  private identify(ref: { campaignId: string; bucket: number }): { campaignId: string; bucket: number } {
    if (this.ref) return this.ref;
    const known = this.tables.meta("ref");
    if (!known) this.tables.setMeta("ref", JSON.stringify(ref));
    this.ref = known ? (JSON.parse(known) as { campaignId: string; bucket: number }) : ref;
    return this.ref;
  }

  private coordinator(): DurableObjectStub<FlashSaleCoordinator> {
    const ns = this.env.FLASH_SALE_COORDINATOR as DurableObjectNamespace<FlashSaleCoordinator>;
    if (!this.ref) throw new Error("flash-sale bucket used before it was named");
    return ns.getByName(this.ref.campaignId);
  }

  // -------------------------------------------------------------------------------------------
  // Reads

  report(now: number = Date.now()): BucketReport {
    const u = this.tables.units();
    return {
      bucket: this.ref?.bucket ?? 0,
      revision: u.revision,
      stock: u.stock,
      admitted: u.admitted,
      sold: u.sold,
      waiting: this.tables.liveWaiters(now - WAITER_TTL_MS),
    };
  }

  /** The bucket's units, plus which of the named moves it has taken (the coordinator's audit). */
  snapshot(raw: unknown): BucketSnapshot {
    const input = snapshotInput.parse(raw);
    this.meter.tick();
    this.identify(input);
    return this.snapshotOf(input.grantIds, input.recallIds);
  }

  private snapshotOf(grantIds: string[], recallIds: string[]): BucketSnapshot {
    const appliedGrantIds: string[] = [];
    const voidGrantIds: string[] = [];
    for (const id of grantIds) {
      const g = this.tables.grant(id);
      if (g?.status === "applied") appliedGrantIds.push(id);
      else if (g?.status === "void") voidGrantIds.push(id);
    }
    const recalled: Record<string, number> = {};
    for (const id of recallIds) {
      const taken = this.tables.recall(id);
      if (taken !== undefined) recalled[id] = taken;
    }
    return {
      ...this.report(),
      closed: this.tables.meta("closed") === "1",
      appliedGrantIds,
      voidGrantIds,
      recalled,
    };
  }

  stats(): CallStats {
    return this.meter.stats();
  }

  // -------------------------------------------------------------------------------------------
  // Admission

  /**
   * Admits the shopper when the bucket holds units not earmarked for waiters ahead; otherwise asks
   * the coordinator once and tries again; still short, the shopper is queued (or, when every unit
   * of the campaign is sold, told it is sold out).
   */
  async admit(raw: unknown): Promise<AdmitOutcome> {
    const input = admitInput.parse(raw);
    this.meter.tick();
    this.identify(input);
    for (let asked = false; ; asked = true) {
      const plan = this.tables.plan();
      const attempt: Attempt = plan
        ? this.ctx.storage.transactionSync(() => this.tryAdmit(input, plan))
        : { kind: "short", position: 1, deficit: input.quantity };
      if (attempt.kind === "done") {
        if (attempt.outcome.status === "admitted") await this.afterAdmit(plan, input.quantity);
        return attempt.outcome;
      }
      if (asked) return queued(attempt.position);
      const outlook = await this.refill(attempt.deficit);
      if (outlook === "sold_out") {
        this.ctx.storage.transactionSync(() => {
          this.tables.setMeta("sold_out", "1");
          this.tables.leaveQueue(input.userId);
        });
        return { status: "sold_out" };
      }
    }
  }

  private tryAdmit(input: AdmitInput, plan: QuotaPlanInput): Attempt {
    const units = this.tables.units();
    const finished = this.tables.meta("closed") === "1" || this.tables.meta("sold_out") === "1";
    if (finished && units.stock === 0) return { kind: "done", outcome: { status: "sold_out" } };
    if (this.tables.heldBy(input.userId) + input.quantity > plan.perUserLimit) {
      return { kind: "done", outcome: { status: "limit_reached" } };
    }
    this.tables.dropStaleWaiters(input.now - WAITER_TTL_MS);
    const ahead = this.tables.ahead(input.userId);
    if (units.stock - ahead.units >= input.quantity) {
      const admissionId = newId("flashAdmission", input.now);
      const expiresAt = input.now + (plan.admissionTtlMs ?? DEFAULT_ADMISSION_TTL_MS);
      this.tables.insertAdmission({ admissionId, userId: input.userId, quantity: input.quantity, expiresAt });
      this.tables.move({ stock: -input.quantity, admitted: input.quantity });
      this.tables.leaveQueue(input.userId);
      const bucket = this.ref?.bucket ?? input.bucket;
      return {
        kind: "done",
        outcome: { status: "admitted", admissionId, bucket, quantity: input.quantity, expiresAt },
      };
    }
    this.tables.wait(input.userId, input.quantity, input.now);
    return {
      kind: "short",
      position: ahead.waiters + 1,
      deficit: Math.max(1, ahead.units + input.quantity - units.stock),
    };
  }

  /** Arms the expiry alarm, and asks for more ahead of time when stock runs low (not awaited). */
  private async afterAdmit(plan: QuotaPlanInput | null, quantity: number): Promise<void> {
    await this.armAlarm();
    const lowWater = 2 * (plan?.perUserLimit ?? quantity);
    if (this.tables.units().stock < lowWater && this.tables.meta("sold_out") !== "1") {
      this.ctx.waitUntil(this.refill(quantity, true));
    }
  }

  /** The admission becomes a sale (its order was placed), once; a lapsed one cannot. */
  async redeem(raw: unknown): Promise<RedeemOutcome> {
    const input = redeemInput.parse(raw);
    this.meter.tick();
    this.identify(input);
    return this.ctx.storage.transactionSync((): RedeemOutcome => {
      const a = this.tables.admission(input.admissionId);
      if (!a || a.user_id !== input.userId) return { status: "lapsed" };
      if (a.status === "sold") {
        // The same order asking again (a retried order creation) is that order's sale.
        return a.order_id === input.orderId
          ? { status: "sold" }
          : { status: "already_sold", orderId: a.order_id ?? "" };
      }
      if (a.status !== "admitted") return { status: "lapsed" };
      if (a.expires_at <= input.now) {
        this.returnAdmission(a.admission_id, a.quantity, "admitted", "lapsed");
        return { status: "lapsed" };
      }
      this.tables.setAdmission(a.admission_id, "sold", input.orderId);
      this.tables.move({ admitted: -a.quantity, sold: a.quantity });
      return { status: "sold" };
    });
  }

  /**
   * The admission's units go back to stock: a token that lapsed, or an order cancelled unpaid
   * while the campaign runs (then the sold units come back). Once; after close it changes nothing
   * (close already settled what was sold and returned the rest).
   */
  async release(raw: unknown): Promise<void> {
    const input = releaseInput.parse(raw);
    this.meter.tick();
    this.identify(input);
    this.ctx.storage.transactionSync(() => {
      const a = this.tables.admission(input.admissionId);
      if (!a || a.user_id !== input.userId || this.tables.meta("closed") === "1") return;
      if (input.soldOnly && a.status !== "sold") return;
      if (a.status === "admitted" || a.status === "sold")
        this.returnAdmission(a.admission_id, a.quantity, a.status, "released");
      // A sold unit back in stock is for sale again here.
      if (a.status === "sold") this.tables.setMeta("sold_out", "0");
    });
  }

  private returnAdmission(
    admissionId: string,
    quantity: number,
    from: "admitted" | "sold",
    to: "lapsed" | "released",
  ): void {
    this.tables.setAdmission(admissionId, to);
    this.tables.move(
      from === "admitted" ? { admitted: -quantity, stock: quantity } : { sold: -quantity, stock: quantity },
    );
  }

  /** Returns every admission due at `now` to stock; how many. Safe to run any number of times. */
  async expireDue(now: number): Promise<number> {
    const n = this.ctx.storage.transactionSync(() => {
      const due = this.tables.dueAdmissions(now);
      for (const a of due) this.returnAdmission(a.admission_id, a.quantity, "admitted", "lapsed");
      return due.length;
    });
    await this.armAlarm();
    return n;
  }

  override async alarm(): Promise<void> {
    this.alarmAt = null;
    await this.expireDue(Date.now());
  }

  private async armAlarm(): Promise<void> {
    const next = this.tables.nextExpiry();
    if (next === null) return;
    if (this.alarmAt === undefined) this.alarmAt = await this.ctx.storage.getAlarm();
    if (this.alarmAt === null || this.alarmAt > next) {
      await this.ctx.storage.setAlarm(next);
      this.alarmAt = next;
    }
  }

  // -------------------------------------------------------------------------------------------
  // Moves (from and to the coordinator)

  /**
   * Asks the coordinator for `want` units, one request at a time; the answer's grant is applied
   * here. A `prefetch` (stock running low, nobody short) the coordinator may refuse near the end.
   */
  private refill(want: number, prefetch = false): Promise<"open" | "sold_out"> {
    if (this.refilling) return this.refilling;
    if (Date.now() - this.lastEmptyAt < EMPTY_BACKOFF_MS) return Promise.resolve("open");
    this.refilling = this.askCoordinator(want, prefetch).finally(() => {
      this.refilling = null;
    });
    return this.refilling;
  }

  private async askCoordinator(want: number, prefetch: boolean): Promise<"open" | "sold_out"> {
    const campaignId = this.ref?.campaignId ?? "";
    try {
      const answer = await this.coordinator().requestGrant({
        campaignId,
        want,
        report: this.report(),
        ...(prefetch ? { prefetch } : {}),
      });
      if (!answer.plan) throw new Error(`flash sale ${campaignId} was never opened`);
      const plan = answer.plan;
      if (!answer.grant) {
        // A refused prefetch says nothing about the pool: a shopper short next still asks.
        if (!prefetch) this.lastEmptyAt = Date.now();
        return answer.outlook;
      }
      const { grantId, quantity } = answer.grant;
      const status = this.ctx.storage.transactionSync(() => this.applyGrantTx(grantId, quantity, plan));
      // The coordinator counts the grant in flight until told; if this is lost its alarm asks again.
      this.ctx.waitUntil(
        this.coordinator()
          .grantOutcome({ campaignId, grantId, applied: status === "applied", report: this.report() })
          .catch(() => undefined),
      );
      return "open";
    } catch (error) {
      if (error instanceof Error && error.message.includes("never opened")) throw error;
      // An overloaded or restarting coordinator: the shopper waits and tries again.
      this.lastEmptyAt = Date.now();
      return "open";
    }
  }

  /** A grant the coordinator pushes (at open, or again when it never heard the outcome). */
  async applyGrant(raw: unknown): Promise<{ status: GrantApplied; report: BucketReport }> {
    const input = applyGrantInput.parse(raw);
    this.meter.tick();
    this.identify(input);
    const status = this.ctx.storage.transactionSync(() => this.applyGrantTx(input.grantId, input.quantity, input.plan));
    return { status, report: this.report() };
  }

  private applyGrantTx(grantId: string, quantity: number, plan: QuotaPlanInput): GrantApplied {
    const seen = this.tables.grant(grantId);
    if (seen) return seen.status;
    if (!this.tables.plan()) this.tables.setMeta("plan", JSON.stringify(plan));
    if (this.tables.meta("closed") === "1") {
      this.tables.insertGrant(grantId, 0, "void");
      return "void";
    }
    this.tables.insertGrant(grantId, quantity, "applied");
    this.tables.move({ stock: quantity, granted: quantity });
    return "applied";
  }

  /** Gives up to `max` units of stock back to the coordinator, once per recall id. */
  async recall(raw: unknown): Promise<{ quantity: number; report: BucketReport }> {
    const input = recallInput.parse(raw);
    this.meter.tick();
    this.identify(input);
    const quantity = this.ctx.storage.transactionSync(() => {
      const seen = this.tables.recall(input.recallId);
      if (seen !== undefined) return seen;
      const taken = Math.min(this.tables.units().stock, input.max);
      this.tables.insertRecall(input.recallId, taken);
      if (taken > 0) this.tables.move({ stock: -taken, recalled: taken });
      return taken;
    });
    return { quantity, report: this.report() };
  }

  /**
   * The campaign ends here: no more admissions, unredeemed admissions lapse back to stock, the
   * queue is dropped, and grants still in flight are voided so none can land after the last
   * recall. Idempotent; answers the snapshot the coordinator settles from.
   */
  async close(raw: unknown): Promise<BucketSnapshot> {
    const input = closeBucketInput.parse(raw);
    this.meter.tick();
    this.identify(input);
    return this.ctx.storage.transactionSync(() => {
      this.tables.setMeta("closed", "1");
      for (const id of input.grantIds) if (!this.tables.grant(id)) this.tables.insertGrant(id, 0, "void");
      for (const a of this.tables.dueAdmissions(Number.POSITIVE_INFINITY)) {
        this.returnAdmission(a.admission_id, a.quantity, "admitted", "lapsed");
      }
      this.tables.clearQueue();
      return this.snapshotOf(input.grantIds, []);
    });
  }
}

function queued(position: number): AdmitOutcome {
  const retryAfterMs = Math.min(RETRY_MAX_MS, RETRY_MIN_MS + 10 * (position - 1));
  return { status: "queued", position, retryAfterMs };
}
