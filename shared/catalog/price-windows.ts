/**
 * Search prices at price-window boundaries (issue #11 defect 8). A search document's
 * minPrice/maxPrice (listing, price filter, price sort) are the effective prices at the moment it
 * was indexed, and a promo that starts or ends changes them without any write. So each document
 * records its next boundary (`priceValidUntil`, from its SKUs' price rows) and:
 * - after a catalog change is indexed, a `catalog.product_changed` (change `price_window`) is sent
 *   delayed to arrive at that boundary and re-index the product then; Queues delays at most 12 h,
 *   so a farther boundary is re-checked every 12 h until it is near;
 * - the events cron re-indexes every document past its boundary: the backstop when a message was
 *   lost, late, or never sent (a stock rebuild that moved the boundary on).
 * Re-indexing is idempotent (an unchanged document is not rewritten), so duplicates cost a read.
 */

import { makeEvent } from "../events/messages";
import { type Producers, publish } from "../events/producer";
import type { Clock } from "../platform/clock";
import type { Db } from "../platform/db";
import { indexedPriceWindow, rebuildSearchDocument, reindexPastPriceBoundaries } from "./indexer";

/** Queues' longest delivery delay. */
export const MAX_DELAY_SECONDS = 43_200;

export interface PriceWindowDeps {
  db: Db;
  clock: Clock;
  producers: Producers;
}

/**
 * Sends the product's re-index to arrive at its indexed boundary, unless that boundary is the one
 * it had before (`previous`: already scheduled) and this is not the boundary's own message.
 */
async function scheduleNextBoundary(
  deps: PriceWindowDeps,
  productId: string,
  previous: number | null,
  boundaryMessage: boolean,
): Promise<void> {
  const window = await indexedPriceWindow(deps.db, productId);
  if (!window || window.validUntil === null) return;
  if (window.validUntil === previous && !boundaryMessage) return;
  const now = deps.clock.now();
  const delaySeconds = Math.min(MAX_DELAY_SECONDS, Math.max(1, Math.ceil((window.validUntil - now) / 1000)));
  await publish(
    deps.producers,
    "catalog-events",
    makeEvent(
      "catalog.product_changed",
      { productId, shopId: window.shopId, change: "price_window", version: window.version },
      now,
    ),
    { delaySeconds },
  );
}

/** The catalog-events consumer's work for a product change: re-index it, schedule its next price boundary. */
export async function indexProductChange(
  deps: PriceWindowDeps,
  change: { productId: string; change: string },
): Promise<void> {
  const before = await indexedPriceWindow(deps.db, change.productId);
  await rebuildSearchDocument(deps.db, change.productId, deps.clock.now());
  await scheduleNextBoundary(deps, change.productId, before?.validUntil ?? null, change.change === "price_window");
}

/** The events cron: re-indexes documents past their price boundary and schedules their next one. */
export async function reindexPriceWindows(deps: PriceWindowDeps, limit = 200): Promise<number> {
  const due = await reindexPastPriceBoundaries(deps.db, deps.clock.now(), limit);
  for (const productId of due) await scheduleNextBoundary(deps, productId, null, true);
  return due.length;
}
