/**
 * Logging a shopper in from the storefront: the users domain's `login`, then the cart domain's
 * `mergeGuestCart` when the request carried a guest cart token. It composes the two domains'
 * exported functions and touches neither's tables. The merge runs only after a successful login,
 * so a wrong password never moves a cart; a malformed token is ignored (the login still answers),
 * as a guest token is a convenience, not a credential. The guest's A/B exposures (by cart token)
 * become the shopper's, so a conversion after sign-in counts for the variant the guest saw.
 */
import { cartTokenSchema, mergeGuestCart } from "../cart/cart";
import { linkGuestExposures } from "../discovery/experiments/serving";
import { createLogger, errorFields } from "../platform/logger";
import { type LoginBody, type LoginDeps, type LoginMeta, login, type TokenPair } from "./accounts";

const log = createLogger({ module: "login-shopper" });

/** Logs a shopper in and brings the guest cart named by `guestCartToken` (raw header value) into the account cart. */
export async function loginShopper(
  deps: LoginDeps,
  input: LoginBody,
  meta: LoginMeta,
  guestCartToken: string | undefined,
): Promise<TokenPair> {
  const { userId, ...pair } = await login(deps, input, meta);
  const token = cartTokenSchema.safeParse(guestCartToken);
  if (token.success) {
    await mergeGuestCart(deps.db, userId, token.data, deps.clock);
    // The experiments that exposed the guest now count the shopper; losing that costs attribution, never the login.
    await linkGuestExposures(deps.db, token.data, userId).catch((err: unknown) =>
      log.warn("guest exposures not linked to the shopper", { userId, ...errorFields(err) }),
    );
  }
  return pair;
}
