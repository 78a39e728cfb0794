/**
 * The product lifecycle (seed: 商品的生命周期), as an explicit transition table. A status changes
 * only through an action allowed from the current status, by an actor allowed to take it; any
 * other request is a 409 `invalid_transition` carrying the current status.
 */
import { AppError } from "../platform/errors";
import { invalidField } from "../platform/validation";

export const PRODUCT_STATUS = {
  DRAFT: 0,
  PENDING_AUDIT: 1,
  AUDIT_REJECTED: 2,
  AUDIT_APPROVED: 3,
  ON_SHELF: 10,
  OFF_SHELF: 11,
  SOLD_OUT: 12,
  FROZEN: 20,
  DELETED: 99,
} as const;

export type ProductStatusName = keyof typeof PRODUCT_STATUS;
export type ProductStatus = (typeof PRODUCT_STATUS)[ProductStatusName];

const NAMES = Object.fromEntries(Object.entries(PRODUCT_STATUS).map(([name, code]) => [code, name])) as Record<
  ProductStatus,
  ProductStatusName
>;

export function statusName(status: number): ProductStatusName {
  const name = NAMES[status as ProductStatus];
  if (!name) throw new Error(`unknown product status ${status}`);
  return name;
}

/**
 * Who may take an action: the shop's seller, an operator, or the platform itself (stock changes).
 * A role, not the `Actor` the logs record (platform/actor.ts): an API key acts in the seller role.
 */
export type LifecycleRole = "seller" | "operator" | "system";

export type LifecycleAction =
  | "submit"
  | "approve"
  | "reject"
  | "on-shelf"
  | "off-shelf"
  | "freeze"
  | "unfreeze"
  | "delete"
  | "sell-out"
  | "restock";

interface Rule {
  from: readonly ProductStatus[];
  to: ProductStatus;
  by: readonly LifecycleRole[];
  /** Whether the actor must give a reason (audit outcomes, freezes). */
  needsReason?: boolean;
}

const S = PRODUCT_STATUS;

/** The transition table. `on-shelf` lands on SOLD_OUT instead when there is no stock (see `apply`). */
export const TRANSITIONS: Record<LifecycleAction, Rule> = {
  submit: { from: [S.DRAFT, S.AUDIT_REJECTED], to: S.PENDING_AUDIT, by: ["seller"] },
  approve: { from: [S.PENDING_AUDIT], to: S.AUDIT_APPROVED, by: ["operator"] },
  reject: { from: [S.PENDING_AUDIT], to: S.AUDIT_REJECTED, by: ["operator"], needsReason: true },
  "on-shelf": { from: [S.AUDIT_APPROVED, S.OFF_SHELF], to: S.ON_SHELF, by: ["seller"] },
  "off-shelf": { from: [S.ON_SHELF, S.SOLD_OUT], to: S.OFF_SHELF, by: ["seller", "operator"] },
  freeze: {
    from: [S.DRAFT, S.PENDING_AUDIT, S.AUDIT_REJECTED, S.AUDIT_APPROVED, S.ON_SHELF, S.OFF_SHELF, S.SOLD_OUT],
    to: S.FROZEN,
    by: ["operator"],
    needsReason: true,
  },
  unfreeze: { from: [S.FROZEN], to: S.OFF_SHELF, by: ["operator"] },
  delete: {
    from: [S.DRAFT, S.AUDIT_REJECTED, S.AUDIT_APPROVED, S.OFF_SHELF],
    to: S.DELETED,
    by: ["seller", "operator"],
  },
  "sell-out": { from: [S.ON_SHELF], to: S.SOLD_OUT, by: ["system"] },
  restock: { from: [S.SOLD_OUT], to: S.ON_SHELF, by: ["system"] },
};

export const LIFECYCLE_ACTIONS = Object.keys(TRANSITIONS) as LifecycleAction[];

/** Statuses in which a seller may edit content, prices and stock. */
export const EDITABLE: readonly ProductStatus[] = [
  S.DRAFT,
  S.AUDIT_REJECTED,
  S.AUDIT_APPROVED,
  S.ON_SHELF,
  S.OFF_SHELF,
  S.SOLD_OUT,
];

/**
 * Statuses whose content an operator has approved: a content edit there becomes a pending
 * revision and the live product stays as approved until an operator approves it (prices and
 * stock are not audited). No transition leads from these back to DRAFT or AUDIT_REJECTED.
 */
export const AUDITED: readonly ProductStatus[] = [S.AUDIT_APPROVED, S.ON_SHELF, S.OFF_SHELF, S.SOLD_OUT];

/** Whether a content edit of a product in `status` waits for an operator's approval. */
export function needsAudit(status: number): boolean {
  return (AUDITED as readonly number[]).includes(status);
}

/**
 * The status `action` by `role` leads to from `current`, or a 409 `invalid_transition` (403
 * `forbidden` when the role may never take it). `inStock` decides on-shelf vs sold out.
 */
export function apply(
  current: number,
  action: LifecycleAction,
  role: LifecycleRole,
  options: { inStock?: boolean; reason?: string } = {},
): ProductStatus {
  const rule = TRANSITIONS[action];
  if (!rule.by.includes(role)) {
    throw new AppError("forbidden", { detail: `Only ${rule.by.join(" or ")} may ${action} a product` });
  }
  if (!(rule.from as readonly number[]).includes(current)) {
    throw new AppError("invalid_transition", {
      detail: `Cannot ${action} a product that is ${statusName(current)}`,
      extensions: { currentStatus: statusName(current), currentStatusCode: current },
    });
  }
  if (rule.needsReason && !options.reason?.trim()) {
    throw invalidField("reason", `is required to ${action}`);
  }
  if (rule.to === S.ON_SHELF && options.inStock === false) return S.SOLD_OUT;
  return rule.to;
}

/** Whether content of a product in `status` may be edited. */
export function assertEditable(status: number): void {
  if (!(EDITABLE as readonly number[]).includes(status)) {
    throw new AppError("invalid_transition", {
      detail: `A product that is ${statusName(status)} cannot be edited`,
      extensions: { currentStatus: statusName(status), currentStatusCode: status },
    });
  }
}
