/** What the order-creation steps share: their dependencies and the context they fill in turn. */
import type { OrderNumbers } from "../../../durable-objects/order-numbers";
import type { RateLimiter } from "../../../durable-objects/rate-limiter";
import type { SkuInventory } from "../../../durable-objects/sku-inventory";
import type { CheckoutFacts } from "../../checkout/checkout-facts";
import type { Quote, QuoteBody } from "../../checkout/pricing";
import type { QuoteClaims } from "../../checkout/quote-token";
import type { OutboxRow } from "../../events/outbox";
import type { Producers } from "../../events/producer";
import type { FlashQuota } from "../../flash-sales/quota";
import type { PurchaseClaims } from "../../flash-sales/tokens";
import type { Clock } from "../../platform/clock";
import type { Db } from "../../platform/db";
import type { Logger } from "../../platform/logger";
import type { PromotionFacts } from "../../promotions/promotion-facts";
import type { PromotionSettings } from "../../promotions/settings";
import type { CreateOrderResult } from "../create-order";
import type { OrderHome, OrderStore } from "../order-store";
import type { SagaHooks } from "../saga";
import type { OrderSettings } from "../settings";
import type { OrderSnapshot } from "../snapshots";

export interface OrderDeps {
  /** The commerce database: catalog, users, promotions' counters, carts. */
  db: Db;
  /** The order shards: the order, its saga and its events go to the shopper's. */
  orders: OrderStore;
  clock: Clock;
  producers: Producers;
  inventory: DurableObjectNamespace<SkuInventory>;
  orderNumbers: DurableObjectNamespace<OrderNumbers>;
  rateLimiter: DurableObjectNamespace<RateLimiter>;
  settings: OrderSettings;
  tokenKey: { secret: string; issuer: string };
  /** COINS_MAX_PERCENT and friends (defaults when absent). */
  promotions?: PromotionSettings;
  /** Flash-sale quotas, for orders placed with a purchase token (absent: such orders fail). */
  flashQuota?: FlashQuota;
  log?: Logger;
  /**
   * Runs work after the response (the Worker's `waitUntil`). When given, the events of a
   * committed order are sent after answering; the outbox covers a send that never happens.
   */
  waitUntil?: (work: Promise<unknown>) => void;
  /** Tests fail or crash chosen steps through these. */
  hooks?: SagaHooks;
}

export interface PlannedReservation {
  skuId: string;
  reservationId: string;
  quantity: number;
}

/** What the saga row keeps for the sweeper. */
export interface SagaContext {
  reservations: PlannedReservation[];
}

/** Filled step by step; a later step reads what an earlier one set (`need` says when it did not). */
export interface OrderContext {
  sagaId: string;
  userId: string;
  ip: string;
  now: number;
  /** The shopper's order shard, where the saga, the orders and their events are written. */
  home: OrderHome;
  /** What is being bought: the quote token's items and address, or the body's. */
  request: QuoteBody;
  /** The quote token's claims, when the order came with one. */
  claims: QuoteClaims | null;
  /** The purchase token's claims, when the order redeems a flash-sale admission. */
  flash?: PurchaseClaims;
  /** The request's idempotency identity (`idem_...`), when it came with an Idempotency-Key. */
  requestKey?: string;
  facts?: CheckoutFacts;
  /** Which ordered SKUs the shopper's cart held a line of when the facts were read (those lines go after the commit). */
  inCart?: Set<string>;
  /** Units the shopper holds in unpaid orders (read from the shard with the saga row), for the hold cap. */
  heldUnits?: number;
  /** The vouchers, threshold discounts and coins the checkout may use. */
  promotions?: PromotionFacts;
  quote?: Quote;
  reservations: PlannedReservation[];
  numbers?: { payOrderId: string; orderIds: string[] };
  snapshots?: Map<string, OrderSnapshot>;
  outbox: OutboxRow[];
  result?: CreateOrderResult;
}

/** A hold's id: one per SKU in a saga, so a retried or swept step names the same hold. */
export function reservationIdOf(sagaId: string, skuId: string): string {
  return `${sagaId}:${skuId}`;
}

/** A value an earlier step must have set; its absence is a bug in the step order. */
export function need<T>(value: T | undefined, what: string): T {
  if (value === undefined) throw new Error(`saga step ran before ${what} was known`);
  return value;
}
