/**
 * The recharge target of virtual goods (the seed's data pack): the phone number the top-up
 * provider delivers to. It is captured when the checkout is priced (quote, or an order without a
 * quote token), travels in the quote token, and is stored on the order item, so what is topped up
 * after payment is what the shopper was shown. A line of virtual goods takes the shopper's
 * `rechargeTarget`, else the account's phone; with neither it is refused naming the field. Goods
 * that ship take none.
 */
import type { FieldError } from "../platform/errors";
import { phoneSchema } from "../users/identifiers";
import type { CategoryKind } from "./strategies";

/** `items[].rechargeTarget`: a phone number in international format (spaces and dashes dropped). */
export const rechargeTargetSchema = phoneSchema.describe(
  "Virtual goods only: the phone number to top up, in international format (e.g. +8613800000000); " +
    "defaults to the account's phone",
);

/** What one line asks for: its kind and the target the shopper gave, if any. */
export interface RechargeLine {
  kind: CategoryKind;
  rechargeTarget?: string | undefined;
}

/**
 * Each line's recharge target (null for goods that ship), or the field errors naming the lines
 * that cannot have one: virtual goods without a target when the account has no phone, and goods
 * that ship given a target.
 */
export function resolveRechargeTargets(
  lines: readonly RechargeLine[],
  accountPhone: string | null,
): { ok: true; targets: (string | null)[] } | { ok: false; errors: FieldError[] } {
  const errors: FieldError[] = [];
  const targets = lines.map((line, i) => {
    const field = `items.${i}.rechargeTarget`;
    if (line.kind !== "virtual") {
      if (line.rechargeTarget !== undefined) errors.push({ field, reason: "is only for virtual goods" });
      return null;
    }
    const target = line.rechargeTarget ?? accountPhone;
    if (target === null) {
      errors.push({
        field,
        reason: "is required for virtual goods: the phone number to top up (the account has no phone to default to)",
      });
    }
    return target;
  });
  return errors.length > 0 ? { ok: false, errors } : { ok: true, targets };
}
