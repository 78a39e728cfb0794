/**
 * The catalog event of a product change (`catalog.product_changed`: search, the edge cache's
 * versioned key), written as an outbox row in the change's own batch and sent once it commits.
 */
import { makeEvent } from "../events/messages";
import { type OutboxRow, outboxRow, sendOutbox } from "../events/outbox";
import { createLogger, errorFields } from "../platform/logger";
import type { CatalogDeps } from "./catalog-deps";

/**
 * The catalog event of a change, as an outbox row: written in the change's own batch, so a crash
 * after the commit cannot lose it (the events cron sends what `sendChange` did not).
 */
export function changeEvent(
  deps: CatalogDeps,
  record: { id: string; shopId: string; version: number },
  change: "created" | "updated" | "status" | "price" | "stock",
): OutboxRow {
  return outboxRow(
    "catalog-events",
    makeEvent(
      "catalog.product_changed",
      { productId: record.id, shopId: record.shopId, change, version: record.version },
      deps.clock.now(),
    ),
  );
}

/** Sends a committed change's event now; on failure it waits in the outbox for the events cron. */
export async function sendChange(deps: CatalogDeps, event: OutboxRow): Promise<void> {
  await sendOutbox(deps.db, deps.producers, [event], deps.clock.now()).catch((err: unknown) =>
    (deps.log ?? createLogger()).warn("catalog event not sent; the events cron sends it from the outbox", {
      requestId: deps.requestId,
      eventId: event.id,
      ...errorFields(err),
    }),
  );
}
