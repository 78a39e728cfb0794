/**
 * What the webhooks' OpenAPI document opens with: who calls these endpoints, how they sign, the
 * event shapes (API.md "Webhooks"), and a quick start that sends a signed event by hand.
 */

/** The webhooks document's `info.description` (CommonMark, rendered by Swagger UI). */
export const WEBHOOKS_DESCRIPTION = `Signed callbacks from payment providers and carriers: verified, stored once, enqueued. No login: a provider
authenticates by signing each event with the webhook secret it shares with us.

## Endpoints

- \`POST /webhooks/payments/{provider}\` (\`sandbox\` or \`stripe\`): a provider event. Answers 200
  \`{received, eventId, duplicate}\` once the event is stored (a duplicate answers 200 too and stores nothing new),
  400 \`invalid_signature\` on a missing, bad, stale or future signature (nothing is stored), 404 for a provider
  that is not configured. The events Worker applies stored events from a queue.
- \`POST /webhooks/carriers/{carrier}\`: a carrier's shipment callback
  \`{"id", "type": "shipment.in_transit" | "shipment.delivered" | "shipment.failed", "created", "data": {"carrier",
  "trackingNumber"}}\`, signed the same way with the carrier's secret (local dev: \`whsec_dev_carrier_secret\`, for
  any carrier name). Same answers as payment events; a callback only ever moves its shipment forward, so a late
  \`in_transit\` after \`delivered\` changes nothing, and news of a parcel nobody shipped is parked.
- \`GET /webhooks/health\`: 200 \`{"status":"ok"}\`.

## The \`Stripe-Signature\` header

\`Stripe-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256 of "<t>.<raw body>">\`, keyed with the provider's webhook
secret (local dev: \`whsec_dev_sandbox_secret\` for \`sandbox\`). Several \`v1\` may be sent while a secret rotates;
any match is enough. \`t\` must be within 300 s of now in both directions. The signature covers the exact bytes
sent, so sign the body as you send it.

## Event shapes

Provider events have Stripe's event shape: \`{"id": "evt_...", "object": "event", "type", "created": <unix seconds>,
"data": {"object": {...}}}\`.

- Payment types \`payment_intent.succeeded\`, \`payment_intent.payment_failed\`, \`payment_intent.canceled\`; the object
  is \`{"id": "pi_...", "object": "payment_intent", "amount": <minor units>, "currency": "cny", "status",
  "metadata": {"paymentId", "payOrderId"}}\`.
- Refund types \`refund.updated\` (and \`charge.refunded\`); the object is
  \`{"id": "re_...", "object": "refund", "amount", "currency", "status", "payment_intent": "pi_...",
  "metadata": {"refundId"}}\`; \`succeeded\`, \`failed\` and \`canceled\` are final, any other status is pending.

Events arrive duplicated, late and out of order; applying one twice changes nothing the second time.

## Quick start

Run the platform with \`npm run dev\` (\`http://127.0.0.1:8787\`). In local dev the sandbox provider sends these
webhooks itself: pay an order on the storefront (\`POST /v1/pay-orders/{payOrderId}/pay\` with
\`{"method":"sandbox"}\`, see [/docs](/docs)), then press pay on the hosted page its \`redirectUrl\` names, or:

\`\`\`sh
curl -s -X POST http://127.0.0.1:8787/sandbox/pay/<paymentId>/succeed
curl -s http://127.0.0.1:8787/v1/pay-orders/<payOrderId> -H "authorization: Bearer $TOKEN"   # paymentStatus: PAID
\`\`\`

To send a signed event by hand (an event for an unknown payment is stored and then parked by the consumer):

\`\`\`sh
BODY='{"id":"evt_quick_start_1","object":"event","type":"payment_intent.succeeded","created":'$(date +%s)',"data":{"object":{"id":"pi_quick_start_1","object":"payment_intent","amount":7900,"currency":"cny","status":"succeeded","metadata":{"paymentId":"pay_unknown","payOrderId":"1796162400000000001"}}}}'
T=$(date +%s)
SIG=$(printf '%s.%s' "$T" "$BODY" | openssl dgst -sha256 -hmac whsec_dev_sandbox_secret | sed 's/^.* //')
curl -s http://127.0.0.1:8787/webhooks/payments/sandbox -H 'content-type: application/json' \\
  -H "stripe-signature: t=$T,v1=$SIG" -d "$BODY"
\`\`\`

Sent twice, the second answer says \`"duplicate": true\`. The sandbox carrier sends carrier callbacks for a shipped
order: \`curl -s -X POST http://127.0.0.1:8787/sandbox/carriers/<carrier>/shipments/<trackingNumber>/events -H
'content-type: application/json' -d '{"status":"delivered"}'\`.`;
