/**
 * What the multi-step benches (bench/payments.ts, bench/checkout-flow.ts) share: a bench buyer set
 * up through the public APIs, one JSON call timed with its failure named by step, and percentiles.
 */

import { decodeJwt } from "jose";
import { benchAddress } from "../orders.ts";
import { tokenFor } from "./api.ts";

const BUYER_PASSWORD = "bench-buyer-dev-password";

export interface Percentiles {
  count: number;
  p50: number | null;
  p95: number | null;
  p99: number | null;
  max: number | null;
}

export function percentiles(values: number[]): Percentiles {
  const sorted = [...values].sort((a, b) => a - b);
  const at = (p: number) => sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))];
  const round = (n: number | undefined) => (n === undefined ? null : Math.round(n * 10) / 10);
  return { count: sorted.length, p50: round(at(50)), p95: round(at(95)), p99: round(at(99)), max: round(at(100)) };
}

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** A failed step: its name and what it answered, for the failure counts. */
export class StepFailure extends Error {
  constructor(
    readonly kind: string,
    readonly payment?: { payOrderId: string; paymentId: string; intentId: string },
  ) {
    super(kind);
  }
}

/** One JSON call timed from request to parsed answer; anything but 2xx is a StepFailure. */
export async function timed<T>(
  step: string,
  url: string,
  init: { method?: string; bearer?: string; body?: unknown; headers?: Record<string, string> },
): Promise<{ body: T; ms: number }> {
  const started = performance.now();
  let res: Response;
  let text: string;
  try {
    res = await fetch(url, {
      method: init.method ?? "GET",
      headers: {
        ...(init.bearer ? { authorization: `Bearer ${init.bearer}` } : {}),
        ...(init.body === undefined ? {} : { "content-type": "application/json" }),
        ...init.headers,
      },
      ...(init.body === undefined ? {} : { body: JSON.stringify(init.body) }),
    });
    text = await res.text();
  } catch (err) {
    throw new StepFailure(`${step} network error (${(err as Error).message})`);
  }
  const ms = performance.now() - started;
  if (!res.ok) {
    let code = "";
    try {
      code = String((JSON.parse(text) as { code?: string }).code ?? "");
    } catch {
      // Not JSON: the status says enough.
    }
    throw new StepFailure(`${step} ${res.status}${code ? ` ${code}` : ""}`);
  }
  return { body: JSON.parse(text) as T, ms };
}

export interface Buyer {
  username: string;
  userId: string;
  token: string;
  addressId: string;
}

/**
 * A tag unique to this bench run, for shoppers whose unpaid orders must not carry over from
 * earlier runs: every order a run places stays unpaid, and the hold cap sums a shopper's unpaid
 * orders, so a buyer reused over runs makes each order read more than the last (after 8,000
 * unpaid orders, shopper1's order took 20 ms of the platform's CPU where a new shopper's took 12).
 */
export const RUN_TAG = Date.now().toString(36);

/**
 * Registers a bench buyer and gives it the bench address. A new account gets a token signed
 * with the local dev secret (one password hash, not two); one registered before (409: reused)
 * logs in.
 */
export async function benchBuyer(origin: string, username: string): Promise<Buyer> {
  const credentials = JSON.stringify({ username, password: BUYER_PASSWORD });
  const headers = { "content-type": "application/json" };
  const reg = await fetch(`${origin}/v1/auth/register`, { method: "POST", headers, body: credentials });
  if (reg.status !== 201 && reg.status !== 409) {
    throw new Error(`bench setup: registering ${username} answered ${reg.status}: ${await reg.text()}`);
  }
  let token: string;
  if (reg.status === 201) {
    const { userId } = (await reg.json()) as { userId: string };
    token = await tokenFor({ userId, roles: ["shopper"] });
  } else {
    await reg.body?.cancel();
    const login = await fetch(`${origin}/v1/auth/login`, { method: "POST", headers, body: credentials });
    if (!login.ok)
      throw new Error(`bench setup: logging in ${username} answered ${login.status}: ${await login.text()}`);
    token = ((await login.json()) as { accessToken: string }).accessToken;
  }
  const userId = decodeJwt(token).sub ?? "";
  return { username, userId, token, addressId: await benchAddress(origin, token) };
}
