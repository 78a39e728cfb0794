/**
 * Issuing a quote (POST /v1/checkout/quote): read the checkout's facts and promotions (one D1
 * round trip), refuse accounts that may not order, price the checkout, and sign the quote token
 * order creation checks prices against.
 */
import { z } from "zod";
import type { Clock } from "../platform/clock";
import type { Db } from "../platform/db";
import { newId } from "../platform/ids";
import { moneySchema } from "../platform/money";
import { codesOf, promotionFactsOf, promotionsRule } from "../promotions/promotion-facts";
import type { PromotionSettings } from "../promotions/settings";
import { assertMayOrder, loadCheckoutFacts } from "./checkout-facts";
import { priceCheckout, type QuoteBody, quoteOrderSchema, quoteOrdersView } from "./pricing";
import { QUOTE_TTL_MS, signQuoteToken, type TokenKey } from "./quote-token";

/** The answer to POST /v1/checkout/quote. */
export const quoteResponseSchema = z.object({
  quoteId: z.string(),
  quoteToken: z.string().describe("Pass to POST /v1/orders within 15 minutes; creates at most one order"),
  orders: z.array(quoteOrderSchema),
  coinsUsed: z
    .number()
    .int()
    .describe("Coins spent (1 coin = 1 fen), within COINS_MAX_PERCENT of the goods after discounts"),
  payable: moneySchema,
  expiresAt: z.string(),
});

/** Prices a checkout for `userId` and issues its quote token. */
export async function createQuote(
  deps: { db: Db; clock: Clock; tokenKey: TokenKey; promotions?: PromotionSettings },
  userId: string,
  body: QuoteBody,
) {
  const now = deps.clock.now();
  const facts = await loadCheckoutFacts(
    deps.db,
    { userId, skuIds: body.items.map((i) => i.skuId), addressId: body.addressId, promotions: body },
    now,
  );
  assertMayOrder(facts);
  const promotions = promotionFactsOf(facts.offers, body, now, deps.promotions);
  const quote = priceCheckout(facts, body, promotionsRule(promotions));
  const quoteId = newId("quote", now);
  const quoteToken = await signQuoteToken(
    {
      quoteId,
      userId,
      items: quote.orders.flatMap((o) =>
        o.lines.map((l) => ({
          skuId: l.skuId,
          quantity: l.quantity,
          unitPrice: l.unitPrice,
          rechargeTarget: l.rechargeTarget,
        })),
      ),
      addressId: body.addressId ?? null,
      payable: quote.payable,
      currency: quote.currency,
      voucherCodes: codesOf(body),
      coins: body.coins ?? 0,
    },
    deps.tokenKey,
    now,
  );
  return {
    quoteId,
    quoteToken,
    orders: quoteOrdersView(quote),
    coinsUsed: quote.coinsUsed,
    payable: { amount: quote.payable, currency: quote.currency },
    expiresAt: new Date(now + QUOTE_TTL_MS).toISOString(),
  };
}
