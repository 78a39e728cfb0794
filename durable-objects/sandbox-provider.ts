/**
 * The sandbox providers' state (local dev and tests only; never deployed): one object, named
 * SANDBOX_OBJECT_NAME, standing for one account at a Stripe-like payment provider, a carrier and a
 * top-up service. It is the outside world: it reaches the platform only by signed webhooks over
 * HTTP (the WEBHOOKS binding), never by touching its data.
 *
 * - Every write runs in `transactionSync`, and the events it causes are stored in the same
 *   transaction (sandbox-deliveries.ts), so a state change and its webhook never part.
 * - Idempotency-Key works as Stripe's does: a key replays its first answer (errors included) for the
 *   same operation and parameters, and answers `idempotency_error` for anything else.
 * - Webhooks are sent only by `flush`, which the alarm runs: never inside the request that caused
 *   them. Each delivery is retried with backoff until a 2xx or MAX_ATTEMPTS. Refunds settle the same
 *   way: created `pending`, they succeed on the next flush and send `refund.updated`.
 *
 * The records' tables are in sandbox-provider-tables.ts; intent and refund rules in sandbox-payments.ts.
 */
import { DurableObject } from "cloudflare:workers";
import { z } from "zod";
import { signPayload } from "../shared/payments/signature";
import { readEnv } from "../shared/platform/env";
import { ulid } from "../shared/platform/ids";
import { sendingOrder } from "../shared/sandbox/delivery-schedule";
import { type SandboxConfig, sandboxEnabled, sandboxEnvSchema } from "../shared/sandbox/env";
import {
  type ApiResult,
  type ChaosSettings,
  carrierEventBody,
  carrierParams,
  chaosSettings,
  createTopupBody,
  type DeliveryView,
  deliveriesQuery,
  type FlushResult,
  type ListPage,
  type PaymentIntentView,
  type RefundView,
  type TopupView,
} from "../shared/sandbox/schemas";
import { type AttemptOutcome, type DueDelivery, type OutgoingEvent, SandboxDeliveries } from "./sandbox-deliveries";
import { fingerprintOf, keyed } from "./sandbox-keys";
import { type ActResult, type PageAction, SandboxPayments } from "./sandbox-payments";
import { SandboxTables } from "./sandbox-provider-tables";
import { SandboxTopups } from "./sandbox-topups";

/** The one object every sandbox route addresses. */
export const SANDBOX_OBJECT_NAME = "sandbox";
/** One webhook request's time limit; a claimed batch is leased for all of them in a row, and then some. */
const SEND_TIMEOUT_MS = 10_000;
const leaseFor = (count: number) => 30_000 + count * SEND_TIMEOUT_MS;
const objectId = z.string().min(1).max(255);
const pageAction = z.enum(["succeed", "fail", "cancel"]);

export class SandboxProvider extends DurableObject<SandboxEnv> {
  private readonly tables: SandboxTables;
  private readonly deliveries: SandboxDeliveries;
  private readonly topups: SandboxTopups;
  private readonly payments: SandboxPayments;

  constructor(ctx: DurableObjectState, env: SandboxEnv) {
    super(ctx, env);
    this.tables = new SandboxTables(ctx.storage.sql);
    this.deliveries = new SandboxDeliveries(ctx.storage.sql);
    this.topups = new SandboxTopups(ctx.storage.sql);
    this.payments = new SandboxPayments({
      tables: this.tables,
      config: () => this.config(),
      chaos: () => this.chaos(),
      emit: (event, chaos, nowMs) => this.deliveries.enqueue(event, chaos, nowMs),
      transaction: (run) => this.ctx.storage.transactionSync(run),
      once: (key, fingerprint, run) => this.once(key, fingerprint, run),
    });
  }

  private config(): SandboxConfig {
    if (!sandboxEnabled(this.env)) throw new Error('the sandbox is disabled (SANDBOX_ENABLED is not "true")');
    return readEnv(sandboxEnvSchema, this.env);
  }

  /**
   * Runs `run` in one transaction under an idempotency key: a known key with the same fingerprint
   * replays the stored answer; with another fingerprint it is an `idempotency_error`.
   */
  private once<T>(key: string | undefined, fingerprint: string, run: () => ApiResult<T>): ApiResult<T> {
    return this.ctx.storage.transactionSync((): ApiResult<T> => {
      if (key !== undefined) {
        const prior = this.tables.idempotent(key);
        if (prior && prior.fingerprint !== fingerprint) {
          return {
            ok: false,
            status: 400,
            error: {
              type: "idempotency_error",
              code: "idempotency_error",
              message: `Keys for idempotent requests can only be used with the same parameters they were first used with. Try using a key other than '${key}' if you meant to execute a different request.`,
            },
          };
        }
        if (prior) return JSON.parse(prior.result) as ApiResult<T>;
      }
      const result = run();
      if (key !== undefined) this.tables.remember(key, fingerprint, JSON.stringify(result), Date.now());
      return result;
    });
  }

  // -------------------------------------------------------------------------------------------
  // The payment API and the hosted page (rules in sandbox-payments.ts); writes re-arm the alarm

  createIntent(raw: unknown): ApiResult<PaymentIntentView> {
    this.config();
    return this.payments.createIntent(raw);
  }

  intent(id: string): ApiResult<PaymentIntentView> {
    this.config();
    return this.payments.intent(objectId.parse(id));
  }

  listIntents(raw: unknown): ApiResult<ListPage<PaymentIntentView>> {
    this.config();
    return this.payments.listIntents(raw);
  }

  async cancelIntent(raw: unknown): Promise<ApiResult<PaymentIntentView>> {
    this.config();
    const result = this.payments.cancelIntent(raw);
    await this.arm();
    return result;
  }

  /** The intent the hosted page shows, by its id or our payment id. */
  pageIntent(idOrPaymentId: string): PaymentIntentView | null {
    this.config();
    return this.payments.findForPage(objectId.parse(idOrPaymentId));
  }

  async act(idOrPaymentId: string, action: PageAction): Promise<ActResult> {
    this.config();
    const result = this.payments.act(objectId.parse(idOrPaymentId), pageAction.parse(action));
    await this.arm();
    return result;
  }

  async createRefund(raw: unknown): Promise<ApiResult<RefundView>> {
    this.config();
    const result = this.payments.createRefund(raw);
    await this.arm();
    return result;
  }

  refund(id: string): ApiResult<RefundView> {
    this.config();
    return this.payments.refund(objectId.parse(id));
  }

  listRefunds(raw: unknown): ApiResult<ListPage<RefundView>> {
    this.config();
    return this.payments.listRefunds(raw);
  }

  // -------------------------------------------------------------------------------------------
  // Chaos and the delivery log

  /** The chaos settings applied to webhooks enqueued from now on. */
  chaos(): ChaosSettings {
    const stored = this.tables.meta("chaos");
    return chaosSettings.parse(stored ? JSON.parse(stored) : {});
  }

  setChaos(raw: unknown): ChaosSettings {
    this.config();
    const settings = chaosSettings.parse(raw);
    this.tables.setMeta("chaos", JSON.stringify(settings));
    return settings;
  }

  deliveryLog(raw: unknown): DeliveryView[] {
    this.config();
    return this.deliveries.list(deliveriesQuery.parse(raw));
  }

  /** A sent (or pending) event with its exact body, as signed. */
  event(id: string): { id: string; type: string; path: string; body: string } | null {
    this.config();
    return this.deliveries.event(objectId.parse(id));
  }

  // -------------------------------------------------------------------------------------------
  // Carrier callbacks and top-ups

  /** Enqueues a signed carrier callback; answers its event id. */
  async carrierEvent(raw: unknown): Promise<{ eventId: string; type: string }> {
    const input = carrierParams.extend(carrierEventBody.shape).parse(raw);
    this.config();
    const now = Date.now();
    const event = {
      id: `evt_${ulid(now)}`,
      type: `shipment.${input.status}`,
      created: Math.floor(now / 1000),
      data: { carrier: input.carrier, trackingNumber: input.trackingNumber },
    };
    const outgoing: OutgoingEvent = {
      id: event.id,
      type: event.type,
      objectId: input.trackingNumber,
      path: `/webhooks/carriers/${input.carrier}`,
      signer: "carrier",
      body: JSON.stringify(event),
    };
    this.ctx.storage.transactionSync(() => this.deliveries.enqueue(outgoing, this.chaos(), now));
    await this.arm();
    return { eventId: event.id, type: event.type };
  }

  /** Makes a top-up; its outcome follows from the target's last digits (topupOutcome). */
  createTopup(raw: unknown): ApiResult<TopupView> {
    const { idempotencyKey, body } = keyed(createTopupBody).parse(raw);
    this.config();
    return this.once(idempotencyKey, fingerprintOf("create_topup", body), () => ({
      ok: true,
      status: 200,
      body: this.topups.create(body, Date.now()),
    }));
  }

  topup(id: string): ApiResult<TopupView> {
    this.config();
    const topup = this.topups.get(objectId.parse(id));
    if (topup) return { ok: true, status: 200, body: topup };
    return {
      ok: false,
      status: 404,
      error: {
        type: "invalid_request_error",
        code: "resource_missing",
        message: `No such topup: '${id}'`,
        param: "id",
      },
    };
  }

  topupsByReference(reference: string): TopupView[] {
    this.config();
    return this.topups.byReference(objectId.parse(reference));
  }

  // -------------------------------------------------------------------------------------------
  // Sending

  /**
   * Settles the refunds that are due and attempts every delivery that is due (with `all`, every
   * pending refund and delivery, delays and backoff notwithstanding), one request at a time in
   * sending order, then re-arms the alarm for what is left.
   */
  async flush(options: { all?: boolean } = {}): Promise<FlushResult> {
    const config = this.config();
    const all = options.all === true;
    const now = Date.now();
    const refundsSettled = this.payments.settleRefunds(now, all);
    const due = this.ctx.storage.transactionSync(() => this.deliveries.claim(now, all, leaseFor));
    const result: FlushResult = { attempted: 0, delivered: 0, failed: 0, gaveUp: 0, refundsSettled };
    for (const delivery of sendingOrder(due)) {
      const outcome = await this.send(delivery, config);
      const state = this.deliveries.record(delivery.seq, outcome, Date.now());
      result.attempted += 1;
      if (state === "delivered") result.delivered += 1;
      else result.failed += 1;
      if (state === "gave_up") result.gaveUp += 1;
    }
    await this.arm();
    return result;
  }

  /** One signed POST to the platform, signed at sending time (the signature's clock must be fresh). */
  private async send(delivery: DueDelivery, config: SandboxConfig): Promise<AttemptOutcome> {
    const secret = delivery.signer === "carrier" ? config.SANDBOX_CARRIER_SECRET : config.SANDBOX_WEBHOOK_SECRET;
    const signature = await signPayload(delivery.body, secret, Date.now());
    this.deliveries.markSending(delivery.seq, signature);
    try {
      const res = await this.env.WEBHOOKS.fetch(`${config.SANDBOX_PUBLIC_URL}${delivery.path}`, {
        method: "POST",
        headers: {
          "content-type": "application/json; charset=utf-8",
          "stripe-signature": signature,
          "user-agent": "EdgeCommerceSandbox/1.0 (+webhooks)",
        },
        body: delivery.body,
        signal: AbortSignal.timeout(SEND_TIMEOUT_MS),
      });
      const text = await res.text();
      return { statusCode: res.status, error: res.ok ? null : text.slice(0, 500) };
    } catch (err) {
      return { statusCode: null, error: err instanceof Error ? `${err.name}: ${err.message}` : String(err) };
    }
  }

  /** Sets the alarm for the next due delivery or refund, or clears it when nothing is pending. */
  private async arm(): Promise<void> {
    const times = [this.deliveries.nextWakeAt(), this.tables.nextSettleAt()].filter((t): t is number => t !== null);
    if (times.length === 0) await this.ctx.storage.deleteAlarm();
    else await this.ctx.storage.setAlarm(Math.max(Math.min(...times), Date.now()));
  }

  /** Delivers what is due; a disabled sandbox sends nothing. */
  override async alarm(): Promise<void> {
    if (!sandboxEnabled(this.env)) return;
    await this.flush();
  }
}
