/** The SKU inventory namespace of a Worker's env, typed. */
import type { SkuInventory } from "../../durable-objects/sku-inventory";

/**
 * Workers other than the storefront bind the class by `script_name`, so `wrangler types` cannot see
 * its methods; this is the one place that states the binding's type.
 */
export function inventoryOf(env: { SKU_INVENTORY: DurableObjectNamespace }): DurableObjectNamespace<SkuInventory> {
  return env.SKU_INVENTORY as DurableObjectNamespace<SkuInventory>;
}
