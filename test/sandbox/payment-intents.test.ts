import { createExecutionContext, env } from "cloudflare:test";
import { afterAll, describe, expect, it } from "vitest";
import { newId } from "../../shared/platform/ids";
import type { ListPage, PaymentIntentView } from "../../shared/sandbox/schemas";
import { buildSandboxApp } from "../../workers/sandbox/app";
import { call, ORIGIN } from "../helpers/http";
import { act, createIntent, deliveriesOf, drain, intentBody, sandboxApi } from "../helpers/sandbox";

type ErrorBody = { error: { type: string; code?: string; message: string; param?: string } };

// Nothing may be mid-delivery when the file's runtime closes.
afterAll(drain);

describe("sandbox payment intents: create", () => {
  it("answers the same intent for the same key and body, and 400 idempotency_error for another body", async () => {
    const key = `key-${crypto.randomUUID()}`;
    const body = intentBody();
    const first = await sandboxApi<PaymentIntentView>("POST", "/payment_intents", { body, idempotencyKey: key });
    expect(first.status, JSON.stringify(first.body)).toBe(200);
    expect(first.body).toMatchObject({
      object: "payment_intent",
      amount: 7900,
      currency: "cny",
      status: "requires_action",
      metadata: body.metadata,
      next_action: {
        type: "redirect_to_url",
        redirect_to_url: {
          url: `http://127.0.0.1:8787/sandbox/pay/${first.body.id}`,
          return_url: body.return_url,
        },
      },
    });
    expect(first.body.id).toMatch(/^pi_/);
    expect(Math.abs(first.body.created - Date.now() / 1000)).toBeLessThan(60);

    // The same parameters in another key order are the same request.
    const reordered = { return_url: body.return_url, metadata: body.metadata, currency: "cny", amount: 7900 };
    const again = await sandboxApi<PaymentIntentView>("POST", "/payment_intents", {
      body: reordered,
      idempotencyKey: key,
    });
    expect(again).toMatchObject({ status: 200, body: { id: first.body.id } });

    const other = await sandboxApi<ErrorBody>("POST", "/payment_intents", {
      body: { ...body, amount: 8000 },
      idempotencyKey: key,
    });
    expect(other.status, JSON.stringify(other.body)).toBe(400);
    expect(other.body.error).toMatchObject({ type: "idempotency_error", code: "idempotency_error" });
  });

  it("creates a new intent per call without a key, and the same one for concurrent calls with one", async () => {
    const body = intentBody();
    const a = await sandboxApi<PaymentIntentView>("POST", "/payment_intents", { body });
    const b = await sandboxApi<PaymentIntentView>("POST", "/payment_intents", { body });
    expect(a.body.id).not.toBe(b.body.id);

    const key = `key-${crypto.randomUUID()}`;
    const many = await Promise.all(
      Array.from({ length: 5 }, () =>
        sandboxApi<PaymentIntentView>("POST", "/payment_intents", { body, idempotencyKey: key }),
      ),
    );
    expect(new Set(many.map((r) => r.body.id)).size).toBe(1);
  });

  it("refuses bad parameters as Stripe does: missing, invalid, unknown, non-http return_url", async () => {
    const body = intentBody();
    const cases: [string, unknown, string, string][] = [
      ["no amount", { ...body, amount: undefined }, "parameter_missing", "amount"],
      ["a decimal amount", { ...body, amount: 79.5 }, "parameter_invalid", "amount"],
      ["an uppercase currency", { ...body, currency: "CNY" }, "parameter_invalid", "currency"],
      ["no payment id", { ...body, metadata: { payOrderId: "1" } }, "parameter_missing", "metadata[paymentId]"],
      ["an unknown field", { ...body, customer: "cus_1" }, "parameter_unknown", "customer"],
      ["a javascript: return_url", { ...body, return_url: "javascript:alert(1)" }, "parameter_invalid", "return_url"],
    ];
    for (const [name, input, code, param] of cases) {
      const res = await sandboxApi<ErrorBody>("POST", "/payment_intents", { body: input });
      expect(res.status, name).toBe(400);
      expect(res.body.error, name).toMatchObject({ type: "invalid_request_error", code, param });
    }
  });

  it("answers 401 without the API key or with another one", async () => {
    for (const apiKey of [null, "sk_live_not_this"]) {
      const res = await sandboxApi<ErrorBody>("POST", "/payment_intents", { body: intentBody(), apiKey });
      expect(res.status).toBe(401);
      expect(res.body.error.type).toBe("invalid_request_error");
    }
  });

  it("answers 404 resource_missing for an unknown intent", async () => {
    const res = await sandboxApi<ErrorBody>("GET", "/payment_intents/pi_nope");
    expect(res.status).toBe(404);
    expect(res.body.error).toMatchObject({ code: "resource_missing", param: "id" });
  });
});

describe("sandbox payment intents: list", () => {
  it("pages newest first with limit and starting_after, and filters by created[gte]", async () => {
    const since = Math.floor(Date.now() / 1000);
    const made: string[] = [];
    for (let i = 0; i < 5; i++) made.push((await createIntent()).id);
    const seen: string[] = [];
    let after: string | undefined;
    for (let page = 0; page < 10; page++) {
      const query = new URLSearchParams({ limit: "2", "created[gte]": String(since) });
      if (after) query.set("starting_after", after);
      const res = await sandboxApi<ListPage<PaymentIntentView>>("GET", `/payment_intents?${query}`);
      expect(res.status, JSON.stringify(res.body)).toBe(200);
      expect(res.body.object).toBe("list");
      expect(res.body.data.length).toBeLessThanOrEqual(2);
      seen.push(...res.body.data.map((d) => d.id));
      if (!res.body.has_more) break;
      after = res.body.data.at(-1)?.id;
    }
    // Newest first, each once; earlier tests' intents may follow if created in the same second.
    expect(seen.slice(0, 5)).toEqual([...made].reverse());
    expect(new Set(seen).size).toBe(seen.length);

    const future = await sandboxApi<ListPage<PaymentIntentView>>(
      "GET",
      `/payment_intents?created[gte]=${since + 3600}`,
    );
    expect(future.body).toMatchObject({ data: [], has_more: false });
  });

  it("refuses an unknown starting_after and a limit over 100", async () => {
    expect((await sandboxApi<ErrorBody>("GET", "/payment_intents?starting_after=pi_nope")).body.error).toMatchObject({
      code: "resource_missing",
      param: "starting_after",
    });
    expect((await sandboxApi<ErrorBody>("GET", "/payment_intents?limit=101")).body.error).toMatchObject({
      code: "parameter_invalid",
      param: "limit",
    });
  });
});

describe("sandbox payment intents: cancel", () => {
  it("cancels an open intent once (a second cancel answers it as it is) and sends payment_intent.canceled once", async () => {
    const intent = await createIntent();
    const first = await sandboxApi<PaymentIntentView>("POST", `/payment_intents/${intent.id}/cancel`, {
      body: { cancellation_reason: "requested_by_customer" },
    });
    expect(first.body).toMatchObject({
      status: "canceled",
      cancellation_reason: "requested_by_customer",
      next_action: null,
    });
    const second = await sandboxApi<PaymentIntentView>("POST", `/payment_intents/${intent.id}/cancel`);
    expect(second).toMatchObject({ status: 200, body: { status: "canceled" } });
    const log = await deliveriesOf(intent.id);
    expect(log.map((d) => d.eventType)).toEqual(["payment_intent.canceled"]);
  });

  it("refuses to cancel a succeeded intent (payment_intent_unexpected_state)", async () => {
    const intent = await createIntent();
    await act(intent.id, "succeed");
    const res = await sandboxApi<ErrorBody>("POST", `/payment_intents/${intent.id}/cancel`);
    expect(res.status).toBe(400);
    expect(res.body.error.code).toBe("payment_intent_unexpected_state");
    expect((await sandboxApi<PaymentIntentView>("GET", `/payment_intents/${intent.id}`)).body.status).toBe("succeeded");
  });
});

describe("sandbox: only where enabled", () => {
  it("answers 404 on every path unless SANDBOX_ENABLED is exactly true", async () => {
    const app = buildSandboxApp();
    const paths = [
      ["POST", "/sandbox/api/v1/payment_intents"],
      ["GET", `/sandbox/pay/${newId("payment")}`],
      ["GET", "/sandbox/chaos"],
      ["POST", "/sandbox/deliveries/flush"],
    ] as const;
    for (const enabled of [undefined, "", "false", "TRUE", "1"]) {
      const disabled = { ...env, SANDBOX_ENABLED: enabled } as unknown as Cloudflare.Env;
      for (const [method, path] of paths) {
        const res = await app.fetch(
          new Request(`${ORIGIN}${path}`, { method, headers: { authorization: "Bearer sk_sandbox_dev" } }),
          disabled,
          createExecutionContext(),
        );
        expect(res.status, `${method} ${path} with SANDBOX_ENABLED=${enabled}`).toBe(404);
      }
    }
    expect((await call("GET", "/sandbox/chaos")).status).toBe(200);
  });
});
