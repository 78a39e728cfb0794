/**
 * What the catalog's services are handed: the database, the clock, the event producers and the
 * SKU objects (opening stock). Built per request by a Worker's deps.ts, per batch by consumers.
 */
import type { SkuInventory } from "../../durable-objects/sku-inventory";
import type { Producers } from "../events/producer";
import type { Clock } from "../platform/clock";
import type { Db } from "../platform/db";
import type { Logger } from "../platform/logger";

/** The catalog services' dependencies; `requestId` and `log` tie best-effort warnings to the request. */
export interface CatalogDeps {
  db: Db;
  clock: Clock;
  producers: Producers;
  inventory: DurableObjectNamespace<SkuInventory>;
  requestId?: string;
  /** Where best-effort steps report what they could not do (the request's logger). */
  log?: Logger;
}
