/**
 * The sandbox top-up service's adapter: our side of `/sandbox/api/v1/topups` (workers/sandbox,
 * local dev and tests only), reached only over HTTP as a real provider would be: a service
 * binding's `fetch` when one is bound, else the network. We wait at most `timeoutMs` for an
 * answer; no answer, a 5xx (the sandbox's 504 for a `...0003` target) or a 429 is a time-out,
 * worth asking again under the same idempotency key. Another 4xx is the service refusing the
 * request for good, like a decline. A 401/403/404 is our configuration, not the shopper's top-up: a
 * retryable error, so nothing is refunded while it is fixed.
 */
import { z } from "zod";
import { AppError } from "../platform/errors";
import type { TopupOutcome, TopupProviderAdapter, TopupRequest } from "./topup-provider";

export interface SandboxTopupConfig {
  /** e.g. `http://127.0.0.1:8787/sandbox/api/v1`. */
  baseUrl: string;
  apiKey: string;
  /** How long to wait for an answer before calling the top-up timed out. */
  timeoutMs: number;
  fetch: (request: Request) => Promise<Response>;
}

const topupSchema = z.looseObject({
  id: z.string(),
  status: z.string(),
  failure_code: z.string().nullish(),
});

const errorBody = z.looseObject({ error: z.looseObject({ code: z.string().optional() }) });

function outcomeOf(topup: z.output<typeof topupSchema>): TopupOutcome {
  if (topup.status === "succeeded") return { status: "succeeded", providerTopupId: topup.id };
  if (topup.status === "failed") {
    return { status: "declined", providerTopupId: topup.id, code: topup.failure_code ?? "failed" };
  }
  return { status: "timed_out", detail: `the top-up is ${topup.status}` };
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return null;
  }
}

/** The sandbox top-up service behind our adapter interface. */
export function sandboxTopupAdapter(config: SandboxTopupConfig): TopupProviderAdapter {
  const base = config.baseUrl.replace(/\/+$/, "");

  /** One call: the answer's status and body, or null when none came in time. */
  async function call(path: string, init: { method: "GET" | "POST"; body?: unknown; idempotencyKey?: string }) {
    const headers: Record<string, string> = { authorization: `Bearer ${config.apiKey}`, accept: "application/json" };
    if (init.body !== undefined) headers["content-type"] = "application/json";
    if (init.idempotencyKey) headers["idempotency-key"] = init.idempotencyKey;
    try {
      const response = await config.fetch(
        new Request(`${base}${path}`, {
          method: init.method,
          headers,
          body: init.body === undefined ? null : JSON.stringify(init.body),
          signal: AbortSignal.timeout(config.timeoutMs),
        }),
      );
      return { status: response.status, body: safeJson(await response.text()) };
    } catch {
      // Aborted after timeoutMs, or unreachable: either way we do not know what happened.
      return null;
    }
  }

  const codeOf = (body: unknown) => {
    const parsed = errorBody.safeParse(body);
    return parsed.success ? (parsed.data.error.code ?? "error") : "error";
  };

  /** A 401/403/404 is our configuration, never the shopper's top-up. */
  function assertConfigured(status: number, body: unknown): void {
    if (status !== 401 && status !== 403 && status !== 404) return;
    throw new AppError("unavailable", {
      detail: `The sandbox top-up service refused our call (${status} ${codeOf(body)}); check SANDBOX_API_URL and SANDBOX_API_KEY`,
      retryable: true,
    });
  }

  function refusal(status: number, body: unknown): TopupOutcome {
    assertConfigured(status, body);
    if (status >= 500 || status === 429) return { status: "timed_out", detail: `answered ${status} (${codeOf(body)})` };
    return { status: "declined", providerTopupId: null, code: codeOf(body) };
  }

  return {
    provider: "sandbox",

    async topup(request: TopupRequest): Promise<TopupOutcome> {
      const answer = await call("/topups", {
        method: "POST",
        body: {
          target: request.target,
          amount: request.amount.amount,
          currency: request.amount.currency.toLowerCase(),
          reference: request.reference,
        },
        idempotencyKey: request.idempotencyKey,
      });
      if (!answer) return { status: "timed_out", detail: `no answer within ${config.timeoutMs} ms` };
      if (answer.status !== 200) return refusal(answer.status, answer.body);
      const topup = topupSchema.safeParse(answer.body);
      if (!topup.success) return { status: "timed_out", detail: "the answer is not a top-up" };
      return outcomeOf(topup.data);
    },

    async find(reference: string): Promise<TopupOutcome | null> {
      const answer = await call(`/topups?reference=${encodeURIComponent(reference)}`, { method: "GET" });
      // A lookup that fails tells nothing about the top-up (unless it is our configuration).
      if (!answer || answer.status >= 500 || answer.status === 429) return null;
      if (answer.status !== 200) {
        assertConfigured(answer.status, answer.body);
        return null;
      }
      const list = z.looseObject({ data: z.array(topupSchema) }).safeParse(answer.body);
      const newest = list.success ? list.data.data[0] : undefined;
      return newest ? outcomeOf(newest) : null;
    },
  };
}
