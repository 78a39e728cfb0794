/**
 * Guest checkout (an email and an address, no account) is not offered: every order belongs to a
 * shopper account, because what follows an order is the account's (its list and detail, refunds,
 * reviews, coins, per-shopper voucher limits, the hold limit and anti-fraud counted per shopper,
 * the address book an order ships to). A guest is refused with one clear answer before anything
 * is priced or held, and told the way in: registering is one call and the guest cart
 * (`X-Cart-Token`) merges into the account at login. See docs/decisions.md.
 */
import { AppError } from "../platform/errors";

/** The 401 `account_required` a guest gets from the quote and order routes. */
export function guestCheckoutRefused(): AppError {
  return new AppError("account_required", {
    detail:
      "Checkout needs a shopper account; guest checkout (an email and an address without an account) is not " +
      "offered. Register with POST /v1/auth/register or log in with POST /v1/auth/login and send the access " +
      "token as Authorization: Bearer <token>; send the X-Cart-Token with the login and the guest cart merges " +
      "into the account.",
    headers: { "WWW-Authenticate": "Bearer" },
    extensions: { register: "/v1/auth/register", login: "/v1/auth/login" },
  });
}
