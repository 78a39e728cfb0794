/**
 * The admin Worker's dependency builders: what its routes hand the domains, built from the
 * request's context in one place so route files never import each other for it.
 */
import type { CatalogDeps } from "../../shared/catalog/catalog-deps";
import type { FlashDeps } from "../../shared/flash-sales/campaigns";
import { flashQuota } from "../../shared/flash-sales/quota";
import { inventoryOf } from "../../shared/inventory/binding";
import { orderStoreOf } from "../../shared/orders/order-store";
import { type PaymentsEnv, paymentAdapters } from "../../shared/payments/adapters";
import type { ReconcileDeps } from "../../shared/payments/reconciliation";
import type { AppContext } from "../../shared/platform/app-env";
import { requestDb } from "../../shared/platform/request-db";
import type { AdminBindings } from "./app";

/** The catalog's deps (products, revisions, stock, warehouses) for one admin request. */
export function catalogDeps(c: AppContext<AdminBindings>): CatalogDeps {
  // Writes and their reads go to the primary; the response's bookmark (x-d1-bookmark) lets the
  // seller's next storefront read see them even from a lagging replica.
  return {
    db: requestDb(c, "first-primary"),
    clock: c.var.clock,
    producers: c.env,
    inventory: inventoryOf(c.env),
    requestId: c.var.requestId,
    log: c.var.log,
  };
}

/** What a reconciliation run needs: the primary database and the providers this deployment has. */
export function reconcileDeps(c: AppContext<AdminBindings>): ReconcileDeps {
  return {
    db: requestDb(c, "first-primary"),
    orders: orderStoreOf(c.env, c.var.clock),
    clock: c.var.clock,
    adapters: paymentAdapters(c.env as unknown as PaymentsEnv),
    log: c.var.log,
  };
}

/** What flash-sale campaigns need: the primary database, the SKU objects and the campaign's quota objects. */
export function flashDeps(c: AppContext<AdminBindings>): FlashDeps {
  return {
    db: requestDb(c, "first-primary"),
    clock: c.var.clock,
    inventory: inventoryOf(c.env),
    quota: flashQuota(c.env),
    log: c.var.log,
  };
}
