/** `POST /webhooks/payments/:provider`: verify, store once, enqueue, answer 200. */
import { createRoute, z } from "@hono/zod-openapi";
import { PAYMENT_PROVIDERS, receiveProviderEvent, webhookEnvSchema } from "../../../shared/payments/provider-events";
import { SIGNATURE_HEADER, secretsOf } from "../../../shared/payments/signature";
import { dbOf } from "../../../shared/platform/db";
import { readEnv } from "../../../shared/platform/env";
import { AppError } from "../../../shared/platform/errors";
import { errorResponses } from "../../../shared/platform/openapi";
import type { WebhooksApp } from "../app";
import { keepRawBody, receivedResponse, signatureHeaders } from "./signed";

const route = createRoute({
  middleware: [keepRawBody] as const,
  method: "post",
  path: "/webhooks/payments/{provider}",
  tags: ["payments"],
  summary: "A payment provider's event (Stripe's event shape), signed with Stripe-Signature",
  description: [
    'Verifies `Stripe-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256 of "t.rawBody">` with the provider\'s',
    "secret (several v1 during a rotation: any match; 300 s tolerance both ways), stores the event once by",
    "its id and enqueues it. A duplicate answers 200 and stores nothing new. A bad, stale, future or missing",
    "signature is 400 `invalid_signature` and nothing is stored. Event types: `payment_intent.succeeded`,",
    "`payment_intent.payment_failed`, `payment_intent.canceled`, `refund.updated`, `charge.refunded`.",
  ].join(" "),
  request: {
    params: z.object({
      provider: z.enum(PAYMENT_PROVIDERS).openapi({ description: "Whose event this is", example: "sandbox" }),
    }),
    headers: signatureHeaders("the provider's webhook secret"),
    body: {
      required: true,
      content: {
        // Read raw: the signature covers the exact bytes, so the body is parsed only after verifying.
        "application/json": {
          schema: z.unknown().openapi({
            example: {
              id: "evt_01M8T8AF9X2J6FC7HX2N7BHFHN",
              object: "event",
              type: "payment_intent.succeeded",
              created: 1796162400,
              data: {
                object: {
                  id: "pi_01M8T8AFCB63VRTS75K8MEY7YD",
                  object: "payment_intent",
                  amount: 7900,
                  currency: "cny",
                  status: "succeeded",
                  metadata: { paymentId: "pay_01M8T8AF9X2J6FC7HX2N7BHFHM", payOrderId: "1796177476010990000" },
                },
              },
            },
          }),
        },
      },
    },
  },
  responses: {
    200: receivedResponse("evt_01M8T8AF9X2J6FC7HX2N7BHFHN"),
    ...errorResponses(400, 404, 413, 415),
  },
});

export function registerPaymentWebhookRoutes(app: WebhooksApp): void {
  app.openapi(route, async (c) => {
    const { provider } = c.req.valid("param");
    const env = readEnv(webhookEnvSchema, c.env);
    const secrets = secretsOf(provider === "sandbox" ? env.PAYMENT_WEBHOOK_SECRET : env.STRIPE_WEBHOOK_SECRET);
    if (secrets.length === 0) throw new AppError("not_found", { detail: `The ${provider} provider is not configured` });
    const result = await receiveProviderEvent(
      { db: dbOf(c.env.DB), producers: c.env, clock: c.var.clock, log: c.var.log },
      { provider, rawBody: await c.req.text(), signature: c.req.header(SIGNATURE_HEADER), secrets },
    );
    return c.json({ received: true as const, ...result }, 200);
  });
}
