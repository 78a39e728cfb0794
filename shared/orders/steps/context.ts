/** What the order-creation steps share: their dependencies and the context they fill in turn. */
import type { OrderNumbers } from "../../../durable-objects/order-numbers";
import type { RateLimiter } from "../../../durable-objects/rate-limiter";
import type { SkuInventory } from "../../../durable-objects/sku-inventory";
import type { CheckoutFacts, Quote, QuoteClaims } from "../../checkout/quote";
import type { OutboxRow } from "../../events/outbox";
import type { Producers } from "../../events/producer";
import type { Clock } from "../../platform/clock";
import type { Db } from "../../platform/db";
import type { Logger } from "../../platform/logger";
import type { CreateOrderBody, CreateOrderResult } from "../create-order";
import type { SagaHooks } from "../saga";
import type { OrderSettings } from "../settings";
import type { OrderSnapshot } from "../snapshots";

export interface OrderDeps {
  db: Db;
  clock: Clock;
  producers: Producers;
  inventory: DurableObjectNamespace<SkuInventory>;
  orderNumbers: DurableObjectNamespace<OrderNumbers>;
  rateLimiter: DurableObjectNamespace<RateLimiter>;
  settings: OrderSettings;
  tokenKey: { secret: string; issuer: string };
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
  body: CreateOrderBody;
  claims: QuoteClaims | null;
  facts?: CheckoutFacts;
  quote?: Quote;
  reservations: PlannedReservation[];
  numbers?: { payOrderId: string; orderIds: string[] };
  snapshots?: Map<string, OrderSnapshot>;
  outbox: OutboxRow[];
  result?: CreateOrderResult;
}

/** A value an earlier step must have set; its absence is a bug in the step order. */
export function need<T>(value: T | undefined, what: string): T {
  if (value === undefined) throw new Error(`saga step ran before ${what} was known`);
  return value;
}
