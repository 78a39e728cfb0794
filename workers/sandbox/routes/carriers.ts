/**
 * `/sandbox/carriers/:carrier/shipments/:trackingNumber/events`: a carrier reports a shipment's
 * status. The sandbox sends the signed callback (SANDBOX_CARRIER_SECRET) to
 * `/webhooks/carriers/:carrier` through the same delivery, retry and chaos machinery as payments.
 */
import { createRoute, z } from "@hono/zod-openapi";
import { errorResponses, jsonBody, jsonResponse } from "../../../shared/platform/openapi";
import { carrierEventBody, carrierParams } from "../../../shared/sandbox/schemas";
import { providerOf, type SandboxApp } from "../app-env";

const report = createRoute({
  method: "post",
  path: "/sandbox/carriers/{carrier}/shipments/{trackingNumber}/events",
  tags: ["sandbox carriers"],
  summary: "Report a shipment status; the signed shipment.<status> callback follows",
  request: { params: carrierParams, body: jsonBody(carrierEventBody) },
  responses: {
    202: jsonResponse(z.object({ eventId: z.string(), type: z.string() }), "The callback is on its way"),
    ...errorResponses(400, 415),
  },
});

export function registerCarrierRoutes(app: SandboxApp): void {
  app.openapi(report, async (c) => {
    const input = { ...c.req.valid("param"), ...c.req.valid("json") };
    return c.json(await providerOf(c.env).carrierEvent(input), 202);
  });
}
