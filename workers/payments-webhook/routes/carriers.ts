/** `POST /webhooks/carriers/:carrier`: a carrier's shipment callback; verify, store once, enqueue, answer 200. */
import { createRoute, z } from "@hono/zod-openapi";
import {
  CARRIER_EVENT_TYPES,
  carrierEnvSchema,
  carrierName,
  carrierSecrets,
  receiveCarrierEvent,
} from "../../../shared/fulfillment/carrier-events";
import { orderStoreOf } from "../../../shared/orders/order-store";
import { SIGNATURE_HEADER } from "../../../shared/payments/signature";
import { dbOf } from "../../../shared/platform/db";
import { readEnv } from "../../../shared/platform/env";
import { AppError } from "../../../shared/platform/errors";
import { errorResponses } from "../../../shared/platform/openapi";
import type { WebhooksApp } from "../app";
import { keepRawBody, receivedResponse, signatureHeaders } from "./signed";

const route = createRoute({
  middleware: [keepRawBody] as const,
  method: "post",
  path: "/webhooks/carriers/{carrier}",
  tags: ["carriers"],
  summary: "A carrier's shipment callback, signed with Stripe-Signature and the carrier's secret",
  description: [
    "Verifies `Stripe-Signature` exactly as for payment webhooks, with the carrier's secret (local dev:",
    "`whsec_dev_carrier_secret`), stores the callback once by (carrier, event id) and enqueues it. A duplicate",
    "answers 200 and stores nothing new; a bad, stale, future or missing signature is 400 `invalid_signature` and",
    "nothing is stored; a carrier with no secret configured is 404. Types: `shipment.in_transit`,",
    "`shipment.delivered`, `shipment.failed`. Callbacks may arrive duplicated, late and out of order: each only",
    "moves its shipment forward (a late in_transit never moves a delivered order back).",
  ].join(" "),
  request: {
    params: z.object({
      carrier: carrierName.openapi({ description: "Whose callback this is", example: "sf-express" }),
    }),
    headers: signatureHeaders("the carrier's secret"),
    body: {
      required: true,
      content: {
        "application/json": {
          schema: z.unknown().openapi({
            description: `\`{id, type: ${CARRIER_EVENT_TYPES.join(" | ")}, created, data: {carrier, trackingNumber}}\``,
            example: {
              id: "evt_01M8T9C3W1B3Q8N5J6ZK4V2X7D",
              type: "shipment.delivered",
              created: 1796162400,
              data: { carrier: "sf-express", trackingNumber: "SF1234567890" },
            },
          }),
        },
      },
    },
  },
  responses: {
    200: receivedResponse("evt_01M8T9C3W1B3Q8N5J6ZK4V2X7D"),
    ...errorResponses(400, 404, 413, 415),
  },
});

export function registerCarrierWebhookRoutes(app: WebhooksApp): void {
  app.openapi(route, async (c) => {
    const { carrier } = c.req.valid("param");
    const secrets = carrierSecrets(readEnv(carrierEnvSchema, c.env), carrier);
    if (secrets.length === 0) throw new AppError("not_found", { detail: `The carrier ${carrier} is not configured` });
    const result = await receiveCarrierEvent(
      {
        db: dbOf(c.env.DB),
        orders: orderStoreOf(c.env, c.var.clock),
        producers: c.env,
        clock: c.var.clock,
        log: c.var.log,
      },
      { carrier, rawBody: await c.req.text(), signature: c.req.header(SIGNATURE_HEADER), secrets },
    );
    return c.json({ received: true as const, ...result }, 200);
  });
}
