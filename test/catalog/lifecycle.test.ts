import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  apply,
  LIFECYCLE_ACTIONS,
  type LifecycleAction,
  type LifecycleRole,
  PRODUCT_STATUS,
  statusName,
  TRANSITIONS,
} from "../../shared/catalog/lifecycle";
import { AppError } from "../../shared/platform/errors";

const S = PRODUCT_STATUS;
const ALL = Object.values(S);

describe("the product lifecycle", () => {
  it("walks the happy path: draft → submit → approve → on shelf → sold out → restock → off shelf", () => {
    let status: number = S.DRAFT;
    status = apply(status, "submit", "seller");
    expect(status).toBe(S.PENDING_AUDIT);
    status = apply(status, "approve", "operator");
    expect(status).toBe(S.AUDIT_APPROVED);
    status = apply(status, "on-shelf", "seller", { inStock: true });
    expect(status).toBe(S.ON_SHELF);
    status = apply(status, "sell-out", "system");
    expect(status).toBe(S.SOLD_OUT);
    status = apply(status, "restock", "system");
    expect(status).toBe(S.ON_SHELF);
    expect(apply(status, "off-shelf", "seller")).toBe(S.OFF_SHELF);
  });

  it("puts a product without stock on shelf as SOLD_OUT", () => {
    expect(apply(S.AUDIT_APPROVED, "on-shelf", "seller", { inStock: false })).toBe(S.SOLD_OUT);
  });

  it("requires a reason to reject or freeze", () => {
    expect(() => apply(S.PENDING_AUDIT, "reject", "operator")).toThrow(AppError);
    expect(apply(S.PENDING_AUDIT, "reject", "operator", { reason: "blurry images" })).toBe(S.AUDIT_REJECTED);
  });

  it("lets only the right actor act", () => {
    expect(() => apply(S.PENDING_AUDIT, "approve", "seller")).toThrow(expect.objectContaining({ code: "forbidden" }));
    expect(() => apply(S.ON_SHELF, "sell-out", "seller")).toThrow(expect.objectContaining({ code: "forbidden" }));
  });

  it("answers every pair outside the table with invalid_transition and the current status", () => {
    for (const from of ALL) {
      for (const action of LIFECYCLE_ACTIONS) {
        const rule = TRANSITIONS[action];
        const role = rule.by[0] as LifecycleRole;
        const allowed = (rule.from as readonly number[]).includes(from);
        const run = () => apply(from, action, role, { reason: "because", inStock: true });
        if (allowed) expect(run()).toBe(rule.to);
        else
          expect(run).toThrow(
            expect.objectContaining({
              code: "invalid_transition",
              extensions: expect.objectContaining({ currentStatus: statusName(from) }),
            }),
          );
      }
    }
  });

  it("never leaves DELETED, and only reaches it from statuses without live sales", () => {
    fc.assert(
      fc.property(fc.array(fc.constantFrom(...LIFECYCLE_ACTIONS), { maxLength: 30 }), (actions: LifecycleAction[]) => {
        let status: number = S.DRAFT;
        for (const action of actions) {
          const role = TRANSITIONS[action].by[0] as LifecycleRole;
          try {
            const before = status;
            status = apply(status, action, role, { reason: "r", inStock: true });
            expect(before).not.toBe(S.DELETED);
            if (status === S.DELETED) expect([S.ON_SHELF, S.SOLD_OUT, S.PENDING_AUDIT, S.FROZEN]).not.toContain(before);
          } catch (err) {
            expect(err).toBeInstanceOf(AppError);
          }
        }
      }),
    );
  });
});
