/** The shop's shipping template (sellers their own; operators name the shop). */
import { createRoute } from "@hono/zod-openapi";
import { putShippingTemplate, shippingTemplateOf } from "../../../shared/checkout/shipping";
import {
  shippingTemplateBody,
  shippingTemplateView,
  templateInputOf,
  viewOfTemplate,
} from "../../../shared/checkout/shipping-template-api";
import { callerOf, requireRole, requireScope } from "../../../shared/platform/caller";
import { errorResponses, jsonBody, jsonResponse, shopQuery } from "../../../shared/platform/openapi";
import { requestDb } from "../../../shared/platform/request-db";
import { shopFor } from "../../../shared/platform/shop-access";
import type { AdminApp } from "../app";
import { shippingTemplateExample } from "../examples";

const secured = { security: [{ bearer: [] as string[] }] };

const routes = {
  get: createRoute({
    ...secured,
    tags: ["shipping"],
    middleware: [requireRole("seller", "operator"), requireScope("catalog:read")],
    method: "get",
    path: "/admin/v1/shipping-template",
    summary: "The shop's shipping template (the platform default when it has none)",
    description:
      "How the shop's orders are charged for shipping (fees are money in `currency`): the first weight's fee, a " +
      "fee per further step, regional overrides (first match wins) and free shipping from an amount. The bare " +
      "minor-unit fields `firstFee`, `additionalFee` and `freeThreshold` are the same fees, kept for v1 and deprecated. " +
      "`isDefault` says the platform's template applies because the shop has none.",
    request: { query: shopQuery },
    responses: {
      200: jsonResponse(shippingTemplateView.openapi("ShippingTemplate"), "The template", shippingTemplateExample),
      ...errorResponses(400, 401, 403, 404),
    },
  }),
  put: createRoute({
    ...secured,
    tags: ["shipping"],
    middleware: [requireRole("seller", "operator"), requireScope("catalog:write")],
    method: "put",
    path: "/admin/v1/shipping-template",
    summary: "Replace the shop's shipping template: first weight, additional steps, regions, free threshold",
    description:
      "Replaces the whole template; quotes priced from then on use it. Fees are money (`firstWeightFee`, " +
      "`additionalWeightFee`, `freeShippingFrom`, and per region `firstWeightFee` / `additionalWeightFee`, which " +
      "default to the base fees), all in the template's `currency` (omitted: the fees' currency); the deprecated " +
      "bare minor-unit fields (`firstFee`, `additionalFee`, `freeThreshold`) are still taken, one form per fee. " +
      "Checked on save rather than at checkout: " +
      "each fee (base and regional) is at most 100,000 major units of `currency` in minor units (10000000 for CNY, " +
      "100000 for JPY), else 400 `validation_failed` naming the field (`firstWeightFee.amount`, " +
      "`regions.0.additionalFee`); a fee in another currency is refused naming it (`firstWeightFee.currency`); " +
      "weight steps are at least 1 g and the free threshold at least 0. Once the shop has priced products, " +
      "`currency` must be one its prices are in, else 422 `shipping_currency_mismatch` naming the shop's " +
      "currencies and the template's; a shop without priced products may save any accepted currency.",
    request: {
      query: shopQuery,
      body: jsonBody(shippingTemplateBody, {
        example: {
          currency: shippingTemplateExample.currency,
          firstWeightGrams: shippingTemplateExample.firstWeightGrams,
          firstWeightFee: shippingTemplateExample.firstWeightFee,
          additionalWeightGrams: shippingTemplateExample.additionalWeightGrams,
          additionalWeightFee: shippingTemplateExample.additionalWeightFee,
          freeShippingFrom: shippingTemplateExample.freeShippingFrom,
          regions: shippingTemplateExample.regions.map(
            ({ country, provinces, firstWeightFee, additionalWeightFee }) => ({
              country,
              ...(provinces ? { provinces } : {}),
              firstWeightFee,
              additionalWeightFee,
            }),
          ),
        },
      }),
    },
    responses: {
      200: jsonResponse(shippingTemplateView, "The template", { ...shippingTemplateExample, version: 2 }),
      ...errorResponses(400, 401, 403, 404, 422),
    },
  }),
};

/** Registers GET and PUT `/admin/v1/shipping-template`. */
export function registerShippingTemplateRoutes(app: AdminApp): void {
  app.openapi(routes.get, async (c) => {
    const db = requestDb(c, "first-primary");
    const shopId = await shopFor(db, callerOf(c), c.req.valid("query").shopId);
    return c.json(viewOfTemplate(await shippingTemplateOf(db, shopId)), 200);
  });
  app.openapi(routes.put, async (c) => {
    const db = requestDb(c, "first-primary");
    const shopId = await shopFor(db, callerOf(c), c.req.valid("query").shopId);
    const saved = await putShippingTemplate(db, shopId, templateInputOf(c.req.valid("json")), c.var.clock.now());
    return c.json(viewOfTemplate(saved), 200);
  });
}
