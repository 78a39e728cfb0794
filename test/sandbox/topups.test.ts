/** The top-up service: the outcome follows from the target's last digits, like test card numbers. */
import { afterAll, describe, expect, it } from "vitest";
import type { ListPage, TopupView } from "../../shared/sandbox/schemas";
import { drain, sandboxApi } from "../helpers/sandbox";

afterAll(drain);

type ErrorBody = { error: { type: string; code?: string } };

function topup(target: string, key = `topup-${crypto.randomUUID()}`, reference = `ful_${crypto.randomUUID()}`) {
  return sandboxApi<TopupView & ErrorBody>("POST", "/topups", {
    body: { target, amount: 3000, currency: "cny", reference },
    idempotencyKey: key,
  });
}

describe("sandbox top-ups", () => {
  it("succeeds for an ordinary number and is found again by id", async () => {
    const res = await topup("+8613800000001");
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    expect(res.body).toMatchObject({ object: "topup", status: "succeeded", failure_code: null, amount: 3000 });
    expect(res.body.id).toMatch(/^tu_/);
    expect((await sandboxApi<TopupView>("GET", `/topups/${res.body.id}`)).body).toEqual(res.body);
    expect((await sandboxApi<ErrorBody>("GET", "/topups/tu_missing")).status).toBe(404);
  });

  it("declines a number ending in 0002", async () => {
    const res = await topup("13800000002");
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ status: "failed", failure_code: "declined" });
  });

  it("times out for a number ending in 0003: the answer hangs, then 504; the top-up stays pending", async () => {
    const reference = `ful_${crypto.randomUUID()}`;
    const started = Date.now();
    const res = await topup("13800000003", undefined, reference);
    expect(Date.now() - started).toBeGreaterThanOrEqual(300);
    expect(res.status).toBe(504);
    expect(res.body.error).toMatchObject({ type: "api_error", code: "timeout" });
    const found = await sandboxApi<ListPage<TopupView>>("GET", `/topups?reference=${reference}`);
    expect(found.body.data).toMatchObject([{ reference, status: "pending", target: "13800000003" }]);
  });

  it("replays the same key and body, and refuses the same key with another body", async () => {
    const key = `topup-${crypto.randomUUID()}`;
    const reference = `ful_${crypto.randomUUID()}`;
    const first = await topup("13800000001", key, reference);
    const again = await topup("13800000001", key, reference);
    expect(again.body.id).toBe(first.body.id);
    const other = await topup("13800000009", key, reference);
    expect(other.status).toBe(400);
    expect(other.body.error.type).toBe("idempotency_error");
  });

  it("refuses a target that is not a phone number", async () => {
    const res = await topup("call-me");
    expect(res.status).toBe(400);
    expect(res.body.error).toMatchObject({ code: "parameter_invalid" });
  });
});
