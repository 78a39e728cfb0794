/** What every signed webhook route shares: the raw body kept for verifying, the signature header, the answer. */
import { z } from "@hono/zod-openapi";
import type { MiddlewareHandler } from "hono";
import { jsonResponse } from "../../../shared/platform/openapi";

/**
 * Reads the body as text before the JSON validator runs: Hono caches the first reading, and a body
 * first read as JSON would come back re-serialized, no longer the bytes that were signed.
 */
export const keepRawBody: MiddlewareHandler = async (c, next) => {
  await c.req.text();
  await next();
};

/** The `Stripe-Signature` header, keyed with `whose` secret. */
export function signatureHeaders(whose: string) {
  return z.object({
    "stripe-signature": z
      .string()
      .optional()
      .openapi({
        description: `\`t=<unix seconds>,v1=<hex HMAC-SHA256 of "<t>.<raw body>">\` with ${whose}; without it the answer is 400 \`invalid_signature\``,
        example: "t=1796162400,v1=5257a869e7ecebeda32affa62cdca3fa51cad7e77a0e56ff536d0ce8e108d8bd",
      }),
  });
}

/** The 200 answer: stored, or already stored (`duplicate`). */
export function receivedResponse(eventId: string) {
  return jsonResponse(
    z.object({ received: z.literal(true), eventId: z.string(), duplicate: z.boolean() }),
    "Stored (or already stored)",
    { received: true, eventId, duplicate: false },
  );
}
