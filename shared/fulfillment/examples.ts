/** Examples for the fulfillment routes' OpenAPI entries: the demo order shipped, delivered, completed. */
import type { OrderView } from "../orders/orders";
import type { ShipmentView } from "./shipment-views";

export const SHIP_EXAMPLE = { carrier: "sf-express", trackingNumber: "SF1234567890" } as const;

const shipment: ShipmentView = {
  shipmentId: "shm_01M8T8AFP3RZ5T4M2C9K7WQXYZ",
  status: "SHIPPED",
  carrier: SHIP_EXAMPLE.carrier,
  trackingNumber: SHIP_EXAMPLE.trackingNumber,
  warehouseId: "wh_00000000000000000000000001",
  shippedAt: "2026-12-02T09:30:00.000Z",
  deliveredAt: null,
  failedAt: null,
  createdAt: "2026-12-02T09:05:00.000Z",
};

/** `base` (an order example) shipped: PAID, then SHIPPED with one parcel. */
export function shippedExample(base: OrderView): OrderView {
  return {
    ...base,
    status: "SHIPPED",
    paymentStatus: "PAID",
    fulfillmentStatus: "SHIPPED",
    shipments: [shipment],
    version: 4,
  };
}

/** `base` delivered and confirmed: COMPLETED. */
export function completedExample(base: OrderView): OrderView {
  return {
    ...shippedExample(base),
    status: "COMPLETED",
    fulfillmentStatus: "DELIVERED",
    shipments: [{ ...shipment, status: "DELIVERED", deliveredAt: "2026-12-04T15:12:00.000Z" }],
    version: 6,
  };
}
