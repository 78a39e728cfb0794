/**
 * The sandbox top-up adapter's reading of answers, against scripted HTTP answers: what counts as
 * delivered, declined (final) or timed out (worth asking again), and what is our misconfiguration.
 */
import { describe, expect, it } from "vitest";
import { sandboxTopupAdapter } from "../../shared/fulfillment/sandbox-topup-adapter";
import { AppError } from "../../shared/platform/errors";

const request = {
  reference: "oit_adapter",
  target: "+8613800000001",
  amount: { amount: 500, currency: "CNY" as const },
  idempotencyKey: "topup:oit_adapter",
};

/** An adapter whose every call gets `answer` (and records what it was sent). */
function adapterAnswering(answer: (req: Request) => Promise<Response>) {
  const sent: Request[] = [];
  const adapter = sandboxTopupAdapter({
    baseUrl: "http://sandbox.test/sandbox/api/v1/",
    apiKey: "sk_test",
    timeoutMs: 100,
    fetch: (req) => {
      sent.push(req);
      return answer(req);
    },
  });
  return { adapter, sent };
}

const json = (status: number, body: unknown) => async () =>
  new Response(JSON.stringify(body), { status, headers: { "content-type": "application/json" } });

describe("the sandbox top-up adapter", () => {
  it("sends the top-up with our key and reads success and decline", async () => {
    const ok = adapterAnswering(json(200, { id: "tu_1", status: "succeeded", failure_code: null }));
    expect(await ok.adapter.topup(request)).toEqual({ status: "succeeded", providerTopupId: "tu_1" });
    const [sent] = ok.sent;
    expect(sent?.url).toBe("http://sandbox.test/sandbox/api/v1/topups");
    expect(sent?.headers.get("idempotency-key")).toBe("topup:oit_adapter");
    expect(sent?.headers.get("authorization")).toBe("Bearer sk_test");
    expect(await sent?.json()).toEqual({
      target: "+8613800000001",
      amount: 500,
      currency: "cny",
      reference: "oit_adapter",
    });

    const no = adapterAnswering(json(200, { id: "tu_2", status: "failed", failure_code: "declined" }));
    expect(await no.adapter.topup(request)).toEqual({ status: "declined", providerTopupId: "tu_2", code: "declined" });
  });

  it("calls a 504, a 503, a 429, no answer in time and an unreachable service time-outs", async () => {
    for (const status of [504, 503, 429]) {
      const { adapter } = adapterAnswering(json(status, { error: { type: "api_error", code: "timeout" } }));
      expect((await adapter.topup(request)).status).toBe("timed_out");
    }
    const hanging = adapterAnswering(
      (req) => new Promise((_, reject) => req.signal.addEventListener("abort", () => reject(new Error("aborted")))),
    );
    expect(await hanging.adapter.topup(request)).toEqual({ status: "timed_out", detail: "no answer within 100 ms" });
    const down = adapterAnswering(async () => {
      throw new TypeError("connection refused");
    });
    expect((await down.adapter.topup(request)).status).toBe("timed_out");
  });

  it("takes a 400 as a final refusal, and a 401 as our configuration (retryable, never a decline)", async () => {
    const bad = adapterAnswering(json(400, { error: { type: "invalid_request_error", code: "parameter_invalid" } }));
    expect(await bad.adapter.topup(request)).toEqual({
      status: "declined",
      providerTopupId: null,
      code: "parameter_invalid",
    });
    const unauthorized = adapterAnswering(json(401, { error: { type: "authentication_error" } }));
    const err = await unauthorized.adapter.topup(request).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(AppError);
    expect(err).toMatchObject({ code: "unavailable", retryable: true });
  });

  it("finds the newest top-up of a reference; nothing, or a failed lookup, is null", async () => {
    const pending = adapterAnswering(json(200, { data: [{ id: "tu_3", status: "pending", failure_code: null }] }));
    expect(await pending.adapter.find("oit_adapter")).toEqual({ status: "timed_out", detail: "the top-up is pending" });
    expect(pending.sent[0]?.url).toBe("http://sandbox.test/sandbox/api/v1/topups?reference=oit_adapter");
    expect(await adapterAnswering(json(200, { data: [] })).adapter.find("x")).toBeNull();
    expect(await adapterAnswering(json(503, {})).adapter.find("x")).toBeNull();
  });
});
