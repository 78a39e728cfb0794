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
  items: [],
  createdAt: "2026-12-02T09:05:00.000Z",
};

/** The parcel of `base`: every unit of its items (nothing was refunded before it shipped). */
const parcelOf = (base: OrderView, fields: Partial<ShipmentView> = {}): ShipmentView => ({
  ...shipment,
  items: base.items.map((i) => ({ orderItemId: i.orderItemId, quantity: i.quantity })),
  ...fields,
});

/** `base` (an order example) shipped: PAID, then SHIPPED with one parcel. */
export function shippedExample(base: OrderView): OrderView {
  return {
    ...base,
    status: "SHIPPED",
    paymentStatus: "PAID",
    fulfillmentStatus: "SHIPPED",
    shipments: [parcelOf(base)],
    version: 4,
  };
}

/** `base` delivered and confirmed: COMPLETED. */
export function completedExample(base: OrderView): OrderView {
  return {
    ...shippedExample(base),
    status: "COMPLETED",
    fulfillmentStatus: "DELIVERED",
    shipments: [parcelOf(base, { status: "DELIVERED", deliveredAt: "2026-12-04T15:12:00.000Z" })],
    version: 6,
  };
}
