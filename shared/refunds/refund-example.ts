/** A refund as the API answers it, for the OpenAPI documents of both Workers (one unit of the demo order). */
import type { RefundView } from "./refunds-read";

export const refundExample: RefundView = {
  refundId: "rfd_01M8T8AG0PE04B84VDZ3D87QPK",
  orderId: "1796177476010990001",
  status: "REQUESTED",
  amount: { amount: 24_700, currency: "CNY" },
  shippingAmount: { amount: 0, currency: "CNY" },
  returnGoods: true,
  reason: "尺码不合适",
  note: null,
  coins: 300,
  items: [
    {
      orderItemId: "oit_01M8T8AEYZCYRJQBSP8BY7AF00",
      quantity: 1,
      amount: { amount: 24_700, currency: "CNY" },
      coins: 300,
    },
  ],
  returnShipment: null,
  receivedCondition: null,
  createdAt: "2026-12-02T03:10:00.000Z",
  updatedAt: "2026-12-02T03:10:00.000Z",
};
