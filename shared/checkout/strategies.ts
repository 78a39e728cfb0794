/**
 * What differs between category types at checkout (the seed's strategy factory for 创单): whether
 * an address is needed, what shipping costs, and how the order will be fulfilled. Physical goods
 * ship from a warehouse under the seller's template; virtual goods (the seed's data pack) are
 * delivered by a provider, need no address and cost nothing to ship. Subscription and service
 * types add an entry here.
 */
import { type Parcel, type ShippingTemplate, shippingFee } from "./shipping";

export const CATEGORY_KINDS = ["physical", "virtual"] as const;
export type CategoryKind = (typeof CATEGORY_KINDS)[number];

export interface CheckoutStrategy {
  kind: CategoryKind;
  /** Whether the buyer must give a delivery address. */
  requiresAddress: boolean;
  /** The shipping fee of one order of this kind. */
  shippingFee(template: ShippingTemplate, parcel: Parcel | null): number;
  /** How the order is fulfilled once paid (the fulfillment issue plugs in here). */
  fulfillment: "shipment" | "provider_delivery";
}

export const STRATEGIES: Record<CategoryKind, CheckoutStrategy> = {
  physical: {
    kind: "physical",
    requiresAddress: true,
    shippingFee: (template, parcel) => {
      if (!parcel) throw new Error("physical goods need a parcel to price shipping");
      return shippingFee(template, parcel);
    },
    fulfillment: "shipment",
  },
  virtual: {
    kind: "virtual",
    requiresAddress: false,
    shippingFee: () => 0,
    fulfillment: "provider_delivery",
  },
};

export function strategyOf(kind: string): CheckoutStrategy {
  return STRATEGIES[kind as CategoryKind] ?? STRATEGIES.physical;
}
