/**
 * Ledger account codes: `<kind>` for the platform's own accounts, `<kind>:<owner>` for accounts
 * held per shopper, seller or provider. An account exists as soon as an entry names it; its
 * balance is the sum of its entries (positive: debit, negative: credit), never a stored number.
 */
import { z } from "zod";

/** What each kind of account stands for (the seed's 账户流水: buyer payment, escrow, seller payable, coins, refunds, commission). */
export const ACCOUNT_KINDS = {
  /** Money a shopper paid in through a provider (per user). */
  shopper: "per user",
  /** Money the provider holds for the platform until it settles (per provider). */
  provider_clearing: "per provider",
  /** Paid for orders not yet settled to sellers. */
  platform_escrow: "platform",
  /** Owed to a seller for its completed orders (per shop). */
  seller_payable: "per shop",
  /** The platform's commission income. */
  platform_commission: "platform",
  /** Coins outstanding: what shoppers may still spend (per user). */
  coins: "per user",
  /** Coins set aside by unpaid orders: spent on payment, given back on cancel (per user). */
  coins_held: "per user",
  /** The platform's side of every coin: granted or earned coins debit it, spent coins credit it back. */
  coins_issued: "platform",
  /** Vouchers the platform funded. */
  platform_vouchers: "platform",
  /** Refunds owed back to shoppers, until the provider pays them out (per provider). */
  refunds_payable: "per provider",
} as const;
export type AccountKind = keyof typeof ACCOUNT_KINDS;

const KIND_NAMES = Object.keys(ACCOUNT_KINDS) as [AccountKind, ...AccountKind[]];
const ACCOUNT = new RegExp(`^(${KIND_NAMES.join("|")})(?::[A-Za-z0-9_.-]{1,64})?$`);

/** An account code, e.g. `platform_escrow`, `seller_payable:shp_01...`. */
export const accountSchema = z
  .string()
  .max(96)
  .regex(ACCOUNT, `must be <kind> or <kind>:<owner>, kind one of ${KIND_NAMES.join(", ")}`);

/** The account code of `kind`, for `owner` when the kind is held per owner. */
export function account(kind: AccountKind, owner?: string): string {
  const code = owner === undefined ? kind : `${kind}:${owner}`;
  return accountSchema.parse(code);
}
