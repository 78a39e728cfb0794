/**
 * The sandbox payment provider's rules, run inside the SandboxProvider object: payment intents,
 * the hosted page's actions, refunds and their settlement, each change with its webhook event in
 * the same transaction.
 *
 * An intent is `requires_action` until the shopper acts on the hosted page: succeed → `succeeded`,
 * fail → `requires_payment_method` (a declined card; succeed may still follow, as a retry with
 * another card), cancel → `canceled`. `succeeded` and `canceled` are final: acting on them again is
 * a 409 and sends nothing. A refund may take at most what succeeded minus what is refunded or
 * being refunded.
 */
import { z } from "zod";
import { ulid } from "../shared/platform/ids";
import type { SandboxConfig } from "../shared/sandbox/env";
import {
  type ApiError,
  type ApiResult,
  type ChaosSettings,
  cancelIntentBody,
  createIntentBody,
  createRefundBody,
  type IntentStatus,
  type ListPage,
  listQuery,
  listRefundsQuery,
  type PaymentIntentView,
  type RefundView,
} from "../shared/sandbox/schemas";
import type { OutgoingEvent } from "./sandbox-deliveries";
import { fingerprintOf, keyed } from "./sandbox-keys";
import type { SandboxTables, StoredIntent } from "./sandbox-provider-tables";

/** Where the platform receives this provider's events. */
export const PAYMENTS_WEBHOOK_PATH = "/webhooks/payments/sandbox";

export interface PaymentsDeps {
  tables: SandboxTables;
  config(): SandboxConfig;
  chaos(): ChaosSettings;
  emit(event: OutgoingEvent, chaos: ChaosSettings, nowMs: number): void;
  transaction<T>(run: () => T): T;
  once<T>(key: string | undefined, fingerprint: string, run: () => ApiResult<T>): ApiResult<T>;
}

export type PageAction = "succeed" | "fail" | "cancel";
export type ActResult =
  | { ok: true; intent: PaymentIntentView }
  | { ok: false; status: 404 }
  | { ok: false; status: 409; intent: PaymentIntentView };

const ACTIONS: Record<PageAction, { to: IntentStatus; event: string }> = {
  succeed: { to: "succeeded", event: "payment_intent.succeeded" },
  fail: { to: "requires_payment_method", event: "payment_intent.payment_failed" },
  cancel: { to: "canceled", event: "payment_intent.canceled" },
};
const OPEN_STATUSES: readonly IntentStatus[] = ["requires_action", "requires_payment_method"];

const unix = (ms: number) => Math.floor(ms / 1000);

function invalid(code: string, message: string, param?: string, status: 400 | 404 = 400): ApiResult<never> {
  const error: ApiError = { type: "invalid_request_error", code, message };
  if (param) error.param = param;
  return { ok: false, status, error };
}

export class SandboxPayments {
  constructor(private readonly deps: PaymentsDeps) {}

  /** The intent as the API shows it (the hosted page's link while it waits for the shopper). */
  view(intent: StoredIntent): PaymentIntentView {
    const { seq: _seq, ...rest } = intent;
    const next_action =
      intent.status === "requires_action"
        ? {
            type: "redirect_to_url" as const,
            redirect_to_url: {
              url: `${this.deps.config().SANDBOX_PUBLIC_URL}/sandbox/pay/${intent.id}`,
              return_url: intent.return_url,
            },
          }
        : null;
    return { ...rest, next_action };
  }

  /** Stores a Stripe-shaped event about `object` for delivery to the platform. */
  private emit(type: string, object: PaymentIntentView | RefundView, nowMs: number): void {
    const event = {
      id: `evt_${ulid(nowMs)}`,
      object: "event",
      type,
      created: unix(nowMs),
      livemode: false,
      data: { object },
    };
    this.deps.emit(
      {
        id: event.id,
        type,
        objectId: object.id,
        path: PAYMENTS_WEBHOOK_PATH,
        signer: "payments",
        body: JSON.stringify(event),
      },
      this.deps.chaos(),
      nowMs,
    );
  }

  createIntent(raw: unknown): ApiResult<PaymentIntentView> {
    const { idempotencyKey, body } = keyed(createIntentBody).parse(raw);
    return this.deps.once(idempotencyKey, fingerprintOf("create_intent", body), () => {
      const now = Date.now();
      const intent: StoredIntent = {
        seq: 0,
        id: `pi_${ulid(now)}`,
        object: "payment_intent",
        amount: body.amount,
        amount_received: 0,
        currency: body.currency,
        status: "requires_action",
        metadata: body.metadata,
        description: body.description ?? null,
        return_url: body.return_url,
        created: unix(now),
        livemode: false,
        last_payment_error: null,
        canceled_at: null,
        cancellation_reason: null,
      };
      this.deps.tables.insertIntent(intent);
      return { ok: true, status: 200, body: this.view(intent) };
    });
  }

  intent(id: string): ApiResult<PaymentIntentView> {
    const intent = this.deps.tables.intent(id);
    if (!intent) return invalid("resource_missing", `No such payment_intent: '${id}'`, "id", 404);
    return { ok: true, status: 200, body: this.view(intent) };
  }

  listIntents(raw: unknown): ApiResult<ListPage<PaymentIntentView>> {
    const query = listQuery.parse(raw);
    let cursor: number | null = null;
    if (query.starting_after !== undefined) {
      const after = this.deps.tables.intent(query.starting_after);
      if (!after)
        return invalid("resource_missing", `No such payment_intent: '${query.starting_after}'`, "starting_after");
      cursor = after.seq;
    }
    const page = this.deps.tables.listIntents(query, cursor);
    const data = page.rows.map((row) => this.view(row));
    return {
      ok: true,
      status: 200,
      body: { object: "list", url: "/v1/payment_intents", data, has_more: page.hasMore },
    };
  }

  /** Cancels an intent that has not succeeded; one already canceled is answered as it is. */
  cancelIntent(raw: unknown): ApiResult<PaymentIntentView> {
    const { idempotencyKey, body } = keyed(cancelIntentBody.extend({ id: z.string().min(1).max(255) })).parse(raw);
    return this.deps.once(idempotencyKey, fingerprintOf("cancel_intent", body), () => {
      const intent = this.deps.tables.intent(body.id);
      if (!intent) return invalid("resource_missing", `No such payment_intent: '${body.id}'`, "id", 404);
      if (intent.status === "canceled") return { ok: true, status: 200, body: this.view(intent) };
      if (intent.status === "succeeded") {
        return invalid(
          "payment_intent_unexpected_state",
          `You cannot cancel this PaymentIntent because it has a status of ${intent.status}.`,
        );
      }
      return { ok: true, status: 200, body: this.transition(intent, "cancel", body.cancellation_reason ?? null) };
    });
  }

  /** The intent the hosted page shows: by its id, or by our payment id in its metadata. */
  findForPage(idOrPaymentId: string): PaymentIntentView | null {
    const intent = this.deps.tables.intent(idOrPaymentId) ?? this.deps.tables.intentOfPayment(idOrPaymentId);
    return intent ? this.view(intent) : null;
  }

  /** What the shopper does on the hosted page. */
  act(idOrPaymentId: string, action: PageAction): ActResult {
    return this.deps.transaction((): ActResult => {
      const intent = this.deps.tables.intent(idOrPaymentId) ?? this.deps.tables.intentOfPayment(idOrPaymentId);
      if (!intent) return { ok: false, status: 404 };
      if (!OPEN_STATUSES.includes(intent.status)) return { ok: false, status: 409, intent: this.view(intent) };
      return { ok: true, intent: this.transition(intent, action, action === "cancel" ? "abandoned" : null) };
    });
  }

  /** Moves an open intent by `action` and emits its event; answers the new view. */
  private transition(
    intent: StoredIntent,
    action: PageAction,
    reason: PaymentIntentView["cancellation_reason"],
  ): PaymentIntentView {
    const now = Date.now();
    const { to, event } = ACTIONS[action];
    this.deps.tables.setIntentStatus(intent.id, to, {
      // A cancel keeps the last decline on record, as Stripe does; a success clears it.
      declined: action === "fail" || (action === "cancel" && intent.last_payment_error !== null),
      canceledAt: action === "cancel" ? unix(now) : undefined,
      cancellationReason: action === "cancel" ? reason : null,
    });
    const updated = this.deps.tables.intent(intent.id) ?? intent;
    const view = this.view(updated);
    this.emit(event, view, now);
    return view;
  }

  createRefund(raw: unknown): ApiResult<RefundView> {
    const { idempotencyKey, body } = keyed(createRefundBody).parse(raw);
    return this.deps.once(idempotencyKey, fingerprintOf("create_refund", body), () => {
      const intent = this.deps.tables.intent(body.payment_intent);
      if (!intent) {
        return invalid("resource_missing", `No such payment_intent: '${body.payment_intent}'`, "payment_intent");
      }
      if (intent.status !== "succeeded") {
        return invalid(
          "charge_not_refundable",
          `This PaymentIntent has a status of ${intent.status}; only a succeeded one can be refunded.`,
          "payment_intent",
        );
      }
      const remaining = intent.amount - this.deps.tables.refundedAmount(intent.id);
      if (remaining === 0 && body.amount === undefined) {
        return invalid("charge_already_refunded", `PaymentIntent ${intent.id} has already been refunded.`);
      }
      const amount = body.amount ?? remaining;
      if (amount > remaining) {
        return invalid(
          "amount_too_large",
          `Refund amount (${amount}) is greater than unrefunded amount on the payment (${remaining}).`,
          "amount",
        );
      }
      const now = Date.now();
      const refund: RefundView = {
        id: `re_${ulid(now)}`,
        object: "refund",
        amount,
        currency: intent.currency,
        payment_intent: intent.id,
        status: "pending",
        reason: body.reason ?? null,
        metadata: body.metadata,
        created: unix(now),
      };
      // Due at once: the next flush (the alarm's, right after this request) settles it.
      this.deps.tables.insertRefund(refund, now);
      return { ok: true, status: 200, body: refund };
    });
  }

  refund(id: string): ApiResult<RefundView> {
    const refund = this.deps.tables.refund(id);
    if (!refund) return invalid("resource_missing", `No such refund: '${id}'`, "id", 404);
    return { ok: true, status: 200, body: refund };
  }

  listRefunds(raw: unknown): ApiResult<ListPage<RefundView>> {
    const query = listRefundsQuery.parse(raw);
    let cursor: number | null = null;
    if (query.starting_after !== undefined) {
      cursor = this.deps.tables.refundSeq(query.starting_after);
      if (cursor === null)
        return invalid("resource_missing", `No such refund: '${query.starting_after}'`, "starting_after");
    }
    const page = this.deps.tables.listRefunds(query, cursor);
    return {
      ok: true,
      status: 200,
      body: { object: "list", url: "/v1/refunds", data: page.rows, has_more: page.hasMore },
    };
  }

  /**
   * Moves due pending refunds (all of them with `all`) to succeeded, or to failed while chaos says
   * `refunds: "fail"`, each with its `refund.updated`.
   */
  settleRefunds(nowMs: number, all: boolean): number {
    const status = this.deps.chaos().refunds === "fail" ? "failed" : "succeeded";
    return this.deps.transaction(() => {
      const due = this.deps.tables.refundsToSettle(nowMs, all);
      for (const refund of due) {
        this.deps.tables.settleRefund(refund.id, status);
        this.emit("refund.updated", { ...refund, status }, nowMs);
      }
      return due.length;
    });
  }
}
