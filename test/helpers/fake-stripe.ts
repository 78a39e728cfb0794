/**
 * A small local stand-in for Stripe's REST API (v1), as a `fetch` function for
 * `Stripe.createFetchHttpClient(fake.fetch)`: no network. It answers the calls our Stripe adapter
 * makes (Checkout Sessions create / retrieve / list / expire, PaymentIntents list / retrieve /
 * cancel, Refunds create / list) the way Stripe does in the parts we rely on:
 * - form-encoded bodies and queries (`metadata[paymentId]=…`, `created[gte]=…`); integer
 *   parameters must be integers (`79.5` is `parameter_invalid_integer`);
 * - `Authorization: Bearer <secret key>`; another key is a 401;
 * - `Idempotency-Key`: the same key with the same request answers the first answer again
 *   (`Idempotent-Replayed: true`), with other parameters a 400 `idempotency_error`;
 * - lists newest first, paged with `limit` and `starting_after`, filtered by `created[gte]`;
 * - a Checkout Session creates its PaymentIntent only when the shopper pays (`pay`), copying
 *   `payment_intent_data.metadata` onto it; expiring the session cancels that intent.
 * Faults (`failNext`) are answered before any work is done and are not stored under the key.
 */

export interface FakeStripeRequest {
  method: string;
  path: string;
  /** Decoded form fields of a POST body or the query of a GET, flat (`metadata[paymentId]`). */
  params: Record<string, string>;
  authorization: string | null;
  idempotencyKey: string | null;
  stripeVersion: string | null;
}

/** An injected failure for the next matching request(s). */
export type FakeStripeFault =
  | { kind: "network" }
  | { kind: "error"; status: number; error: { type: string; code?: string; message?: string; decline_code?: string } };

export interface FakeSession {
  id: string;
  object: "checkout.session";
  mode: string;
  status: "open" | "complete" | "expired";
  payment_status: "paid" | "unpaid";
  amount_total: number;
  currency: string;
  metadata: Record<string, string>;
  client_reference_id: string | null;
  success_url: string | null;
  cancel_url: string | null;
  url: string | null;
  payment_intent: string | null;
  created: number;
  expires_at: number;
  livemode: false;
}

export interface FakePaymentIntent {
  id: string;
  object: "payment_intent";
  amount: number;
  amount_received: number;
  currency: string;
  status: string;
  metadata: Record<string, string>;
  last_payment_error: { type: string; code: string } | null;
  latest_charge: string | null;
  created: number;
  livemode: false;
}

export interface FakeRefund {
  id: string;
  object: "refund";
  amount: number;
  currency: string;
  payment_intent: string;
  charge: string | null;
  status: string;
  reason: string | null;
  metadata: Record<string, string>;
  created: number;
}

type Answer = { status: number; body: unknown };

const json = (status: number, body: unknown, headers: Record<string, string> = {}) =>
  new Response(JSON.stringify(body), {
    status,
    headers: { "content-type": "application/json", "request-id": `req_${random()}`, ...headers },
  });

const invalid = (message: string, extra: { code?: string; param?: string } = {}, status = 400): Answer => ({
  status,
  body: { error: { type: "invalid_request_error", message, ...extra } },
});

function random(): string {
  return crypto.randomUUID().replaceAll("-", "").slice(0, 24);
}

/** Nested fields of a flat form under `prefix[`: `metadata[paymentId]` → `{paymentId}`. */
function fieldsUnder(params: Record<string, string>, prefix: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [key, value] of Object.entries(params)) {
    const m = key.startsWith(`${prefix}[`) ? /^\[([^\]]+)\]$/.exec(key.slice(prefix.length)) : null;
    if (m?.[1]) out[m[1]] = value;
  }
  return out;
}

/** A newest-first page of `items` the way Stripe lists: `created[gte]`, `starting_after`, `limit`. */
function page<T extends { id: string; created: number }>(items: T[], params: Record<string, string>, url: string) {
  const gte = params["created[gte]"];
  const sorted = items.filter((i) => gte === undefined || i.created >= Number(gte)).reverse();
  // Insertion order breaks ties between objects created in the same second, as Stripe's ids do.
  sorted.sort((a, b) => b.created - a.created);
  let start = 0;
  const after = params.starting_after;
  if (after !== undefined) {
    const at = sorted.findIndex((i) => i.id === after);
    if (at < 0) return invalid(`No such object: '${after}'`, { code: "resource_missing", param: "starting_after" });
    start = at + 1;
  }
  const limit = params.limit === undefined ? 10 : Number(params.limit);
  if (!Number.isInteger(limit) || limit < 1 || limit > 100) {
    return invalid("Invalid limit: must be an integer between 1 and 100", { code: "parameter_invalid_integer" });
  }
  const data = sorted.slice(start, start + limit);
  return { status: 200, body: { object: "list", data, has_more: start + limit < sorted.length, url } };
}

const INTEGER = /^\d+$/;

/** A fake Stripe account answering on `fetch`; inspect `requests` and the stored objects. */
export function fakeStripe(options: { secretKey?: string; refundStatus?: "succeeded" | "pending" } = {}) {
  const secretKey = options.secretKey ?? "sk_test_fake_0123456789";
  const requests: FakeStripeRequest[] = [];
  const sessions = new Map<string, FakeSession>();
  const sessionIntentMetadata = new Map<string, Record<string, string>>();
  const intents = new Map<string, FakePaymentIntent>();
  const intentSession = new Map<string, string>();
  const refunds = new Map<string, FakeRefund>();
  const idempotent = new Map<string, { fingerprint: string; answer: Answer }>();
  const faults: { match: (r: FakeStripeRequest) => boolean; fault: FakeStripeFault }[] = [];
  let nowMs: number | null = null;
  const now = () => Math.floor((nowMs ?? Date.now()) / 1000);

  const refunded = (intentId: string) =>
    [...refunds.values()]
      .filter((r) => r.payment_intent === intentId && r.status !== "failed" && r.status !== "canceled")
      .reduce((sum, r) => sum + r.amount, 0);

  function createSession(p: Record<string, string>): Answer {
    if (p.mode !== "payment") return invalid("mode must be payment here", { param: "mode" });
    if (!p.success_url) return invalid("Missing required param: success_url.", { param: "success_url" });
    const line = "line_items[0]";
    for (const field of [`${line}[quantity]`, `${line}[price_data][unit_amount]`]) {
      const value = p[field];
      if (value === undefined || !INTEGER.test(value)) {
        return invalid(`Invalid integer: ${value}`, { code: "parameter_invalid_integer", param: field });
      }
    }
    if (p["line_items[1][quantity]"] !== undefined) return invalid("expected one line", { param: "line_items" });
    const currency = p[`${line}[price_data][currency]`];
    if (!currency || currency !== currency.toLowerCase()) {
      return invalid(`Invalid currency: ${currency}`, { param: `${line}[price_data][currency]` });
    }
    if (!p[`${line}[price_data][product_data][name]`]) return invalid("Missing product name", { param: line });
    const id = `cs_test_${random()}`;
    const created = now();
    const session: FakeSession = {
      id,
      object: "checkout.session",
      mode: "payment",
      status: "open",
      payment_status: "unpaid",
      amount_total: Number(p[`${line}[price_data][unit_amount]`]) * Number(p[`${line}[quantity]`]),
      currency,
      metadata: fieldsUnder(p, "metadata"),
      client_reference_id: p.client_reference_id ?? null,
      success_url: p.success_url,
      cancel_url: p.cancel_url ?? null,
      url: `https://checkout.stripe.com/c/pay/${id}`,
      payment_intent: null,
      created,
      expires_at: created + 86_400,
      livemode: false,
    };
    sessions.set(id, session);
    sessionIntentMetadata.set(id, fieldsUnder(p, "payment_intent_data[metadata]"));
    return { status: 200, body: session };
  }

  function expireSession(id: string): Answer {
    const session = sessions.get(id);
    if (!session) return invalid(`No such checkout.session: '${id}'`, { code: "resource_missing" }, 404);
    if (session.status !== "open") {
      return invalid(`This Checkout Session is ${session.status} and can no longer be expired.`);
    }
    session.status = "expired";
    const intent = session.payment_intent ? intents.get(session.payment_intent) : undefined;
    if (intent && intent.status !== "succeeded") intent.status = "canceled";
    return { status: 200, body: session };
  }

  function cancelIntent(id: string): Answer {
    const intent = intents.get(id);
    if (!intent) return invalid(`No such payment_intent: '${id}'`, { code: "resource_missing" }, 404);
    if (intentSession.has(id)) {
      return invalid("This PaymentIntent was created by Checkout; expire the Checkout Session instead.");
    }
    if (["succeeded", "canceled", "processing"].includes(intent.status)) {
      return invalid(`This PaymentIntent's status is ${intent.status}.`, { code: "payment_intent_unexpected_state" });
    }
    intent.status = "canceled";
    return { status: 200, body: intent };
  }

  function createRefund(p: Record<string, string>): Answer {
    const intent = p.payment_intent ? intents.get(p.payment_intent) : undefined;
    if (!intent) return invalid(`No such payment_intent: '${p.payment_intent}'`, { code: "resource_missing" }, 404);
    if (intent.status !== "succeeded") {
      return invalid("This PaymentIntent does not have a successful charge to refund.", {
        code: "charge_not_refundable",
      });
    }
    const left = intent.amount_received - refunded(intent.id);
    const amount = p.amount === undefined ? left : p.amount;
    if (typeof amount === "string" && !INTEGER.test(amount)) {
      return invalid(`Invalid integer: ${amount}`, { code: "parameter_invalid_integer", param: "amount" });
    }
    if (Number(amount) > left || Number(amount) <= 0) {
      return invalid("Refund amount is greater than what is left to refund.", { code: "amount_too_large" });
    }
    if (p.reason !== undefined && !["duplicate", "fraudulent", "requested_by_customer"].includes(p.reason)) {
      return invalid(`Invalid reason: ${p.reason}`, { param: "reason" });
    }
    const refund: FakeRefund = {
      id: `re_test_${random()}`,
      object: "refund",
      amount: Number(amount),
      currency: intent.currency,
      payment_intent: intent.id,
      charge: intent.latest_charge,
      status: options.refundStatus ?? "succeeded",
      reason: p.reason ?? null,
      metadata: fieldsUnder(p, "metadata"),
      created: now(),
    };
    refunds.set(refund.id, refund);
    return { status: 200, body: refund };
  }

  function route(r: FakeStripeRequest): Answer {
    const p = r.params;
    const { method, path } = r;
    /** The id in `path` if it matches `pattern` (one group) and the method is `verb`. */
    const idAt = (verb: string, pattern: RegExp) => {
      const id = method === verb ? pattern.exec(path)?.[1] : undefined;
      return id ? decodeURIComponent(id) : null;
    };
    if (method === "POST" && path === "/v1/checkout/sessions") return createSession(p);
    if (method === "GET" && path === "/v1/checkout/sessions") {
      const all = [...sessions.values()].filter((s) => !p.payment_intent || s.payment_intent === p.payment_intent);
      return page(all, p, path);
    }
    const expireId = idAt("POST", /^\/v1\/checkout\/sessions\/([^/]+)\/expire$/);
    if (expireId) return expireSession(expireId);
    const sessionId = idAt("GET", /^\/v1\/checkout\/sessions\/([^/]+)$/);
    if (sessionId) {
      const session = sessions.get(sessionId);
      return session
        ? { status: 200, body: session }
        : invalid("No such checkout.session", { code: "resource_missing" }, 404);
    }
    if (method === "GET" && path === "/v1/payment_intents") return page([...intents.values()], p, path);
    const cancelId = idAt("POST", /^\/v1\/payment_intents\/([^/]+)\/cancel$/);
    if (cancelId) return cancelIntent(cancelId);
    const intentId = idAt("GET", /^\/v1\/payment_intents\/([^/]+)$/);
    if (intentId) {
      const intent = intents.get(intentId);
      return intent
        ? { status: 200, body: intent }
        : invalid("No such payment_intent", { code: "resource_missing" }, 404);
    }
    if (method === "POST" && path === "/v1/refunds") return createRefund(p);
    if (method === "GET" && path === "/v1/refunds") return page([...refunds.values()], p, path);
    return invalid(`Unrecognized request URL (${method}: ${path}).`, {}, 404);
  }

  async function fetchFn(input: RequestInfo | URL, init?: RequestInit): Promise<Response> {
    const request = new Request(input, init);
    const url = new URL(request.url);
    // Read as bytes: workerd warns on .text() of a form-encoded body.
    const text = request.method === "GET" ? url.search.slice(1) : new TextDecoder().decode(await request.arrayBuffer());
    const recorded: FakeStripeRequest = {
      method: request.method,
      path: url.pathname,
      params: Object.fromEntries(new URLSearchParams(text)),
      authorization: request.headers.get("authorization"),
      idempotencyKey: request.headers.get("idempotency-key"),
      stripeVersion: request.headers.get("stripe-version"),
    };
    requests.push(recorded);
    const at = faults.findIndex((f) => f.match(recorded));
    const fault = at >= 0 ? faults.splice(at, 1)[0]?.fault : undefined;
    if (fault) {
      if (fault.kind === "network") throw new TypeError("Network connection lost.");
      return json(fault.status, { error: fault.error });
    }
    if (recorded.authorization !== `Bearer ${secretKey}`) {
      const tail = (recorded.authorization ?? "").slice(-4);
      return json(401, {
        error: { type: "invalid_request_error", message: `Invalid API Key provided: sk_test_****${tail}` },
      });
    }
    const key = recorded.idempotencyKey;
    const fingerprint = `${recorded.method} ${recorded.path}?${text}`;
    if (key && recorded.method === "POST") {
      const seen = idempotent.get(key);
      if (seen && seen.fingerprint !== fingerprint) {
        return json(400, {
          error: {
            type: "idempotency_error",
            message: `Keys for idempotent requests can only be used with the same parameters they were first used with.`,
          },
        });
      }
      if (seen)
        return json(seen.answer.status, seen.answer.body, { "idempotent-replayed": "true", "idempotency-key": key });
    }
    const answer = route(recorded);
    // Stripe stores the first answer under the key, errors included (so a retry is a replay).
    if (key && recorded.method === "POST") idempotent.set(key, { fingerprint, answer });
    return json(answer.status, answer.body, key ? { "idempotency-key": key } : {});
  }

  return {
    /** The `fetch` to hand to `Stripe.createFetchHttpClient` (or to the adapter's `fetch` option). */
    fetch: fetchFn as typeof fetch,
    secretKey,
    requests,
    sessions,
    intents,
    refunds,
    /** Every request to `path` (exact), oldest first. */
    requestsTo(method: string, path: string): FakeStripeRequest[] {
      return requests.filter((r) => r.method === method && r.path === path);
    },
    /** The next `times` requests matching `method` and `path` (a prefix) fail with `fault`. */
    failNext(fault: FakeStripeFault, match: { method?: string; path?: string } = {}, times = 1): void {
      for (let i = 0; i < times; i++) {
        faults.push({
          match: (r) => (!match.method || r.method === match.method) && (!match.path || r.path.startsWith(match.path)),
          fault,
        });
      }
    },
    /** Sets the fake's clock (unix ms) for objects created from now on; null is the real clock. */
    setNow(ms: number | null): void {
      nowMs = ms;
    },
    /**
     * The shopper on the hosted page: creates the session's PaymentIntent (with the session's
     * `payment_intent_data.metadata`) and settles it. `failed` leaves the session open, as a
     * declined card does on Stripe's page; `processing` completes it unpaid (bank debits).
     */
    pay(sessionId: string, outcome: "succeeded" | "failed" | "processing" = "succeeded"): FakePaymentIntent {
      const session = sessions.get(sessionId);
      if (session?.status !== "open") throw new Error(`fake-stripe: session ${sessionId} is not open`);
      let intent = session.payment_intent ? intents.get(session.payment_intent) : undefined;
      if (!intent) {
        intent = {
          id: `pi_test_${random()}`,
          object: "payment_intent",
          amount: session.amount_total,
          amount_received: 0,
          currency: session.currency,
          status: "requires_payment_method",
          metadata: { ...(sessionIntentMetadata.get(sessionId) ?? {}) },
          last_payment_error: null,
          latest_charge: null,
          created: now(),
          livemode: false,
        };
        intents.set(intent.id, intent);
        intentSession.set(intent.id, sessionId);
        session.payment_intent = intent.id;
      }
      if (outcome === "failed") {
        intent.status = "requires_payment_method";
        intent.last_payment_error = { type: "card_error", code: "card_declined" };
      } else {
        intent.status = outcome;
        intent.last_payment_error = null;
        intent.latest_charge = `ch_test_${random()}`;
        if (outcome === "succeeded") intent.amount_received = intent.amount;
        session.status = "complete";
        session.payment_status = outcome === "succeeded" ? "paid" : "unpaid";
      }
      return intent;
    },
    /** A PaymentIntent made outside Checkout (another integration on the same account). */
    addPaymentIntent(fields: Partial<FakePaymentIntent> & { amount: number; currency: string }): FakePaymentIntent {
      const intent: FakePaymentIntent = {
        id: `pi_test_${random()}`,
        object: "payment_intent",
        amount_received: 0,
        status: "requires_payment_method",
        metadata: {},
        last_payment_error: null,
        latest_charge: null,
        created: now(),
        livemode: false,
        ...fields,
      };
      intents.set(intent.id, intent);
      return intent;
    },
    /** A Stripe event envelope for an object of this account, ready to sign and deliver to a webhook. */
    event(type: string, object: FakePaymentIntent | FakeRefund) {
      return {
        id: `evt_test_${random()}`,
        object: "event" as const,
        api_version: "2026-10-28.endive",
        type,
        created: now(),
        livemode: false,
        data: { object: structuredClone(object) },
      };
    },
  };
}

export type FakeStripe = ReturnType<typeof fakeStripe>;
