/** Composing home pages: operators the platform's, sellers their shop's (operators may edit any shop's). */
import { createRoute, z } from "@hono/zod-openapi";
import { homeAdminView, homeAdminViewSchema, publishHome, saveHomeDraft } from "../../../shared/discovery/home";
import { homeDraftBody } from "../../../shared/discovery/home-modules";
import type { HomePageRef } from "../../../shared/discovery/home-pages-repo";
import { actorOf, actorText } from "../../../shared/platform/actor";
import type { AppContext } from "../../../shared/platform/app-env";
import { callerOf, requireRole, requireScope } from "../../../shared/platform/caller";
import { errorResponses, jsonBody, jsonResponse } from "../../../shared/platform/openapi";
import { requestDb } from "../../../shared/platform/request-db";
import { shopFor } from "../../../shared/platform/shop-access";
import type { AdminApp, AdminBindings } from "../app";

const secured = { security: [{ bearer: [] as string[] }] };
const shopParams = z.object({
  shopId: z.string().min(1).max(64).openapi({ example: "shp_00000000000000000000000001" }),
});

const draftExample = {
  modules: [
    {
      kind: "banner" as const,
      title: "双十二",
      startsAt: "2026-12-12T00:00:00+08:00",
      endsAt: "2026-12-13T00:00:00+08:00",
      banners: [{ image: "https://img.example.com/banner-1212.jpg", link: "/v1/products?q=T恤", alt: "T恤 5 折起" }],
    },
    { kind: "categories" as const, title: "分类", categoryIds: [1003001, 1003002] },
    { kind: "products" as const, title: "热销", source: { rule: "best_sellers" as const, categoryId: 1003, limit: 8 } },
    { kind: "products" as const, title: "店长推荐", source: { productIds: ["spu_00000000000000000000001004"] } },
    { kind: "flash_sale" as const, title: "秒杀" },
  ],
};
const adminViewExample = {
  draft: {
    version: 2,
    modules: draftExample.modules.map((m, i) => ({ moduleId: `hmm_01KBX2M9Q8D4ZV6R7T3N5P1W0${i}`, ...m })),
    updatedAt: "2026-12-02T03:00:00.000Z",
  },
  published: null,
};
const publishedSchema = z.object({
  version: z.number().int().describe("The published version now live"),
  draftVersion: z.number().int().describe("The draft version that went live"),
  publishedAt: z.string(),
});

const MODULES_DOC =
  "Modules: `banner` (`banners: [{image, link, alt?}]`), `categories` (`categoryIds`), `products` (`source: " +
  "{productIds}` hand-picked, or `{rule: best_sellers|new_arrivals|on_promotion, categoryId?, limit?}`) and " +
  "`flash_sale` (a slot that shows nothing until flash sales exist). Each may carry `startsAt`/`endsAt`. The body " +
  "replaces the whole draft; pass the `version` you read to refuse a lost update (409 `version_conflict`). Shoppers " +
  "see nothing of it until it is published; `GET /v1/home?preview=draft` shows it to its editors first.";

function pageRoutes(base: string, tag: string, who: "operator" | "shop") {
  const params = who === "shop" ? { params: shopParams } : {};
  const roles = who === "shop" ? (["seller", "operator"] as const) : (["operator"] as const);
  const subject =
    who === "shop" ? "the shop's page (its seller, or an operator)" : "the platform's home page (operators)";
  return {
    get: createRoute({
      ...secured,
      tags: [tag],
      middleware: [requireRole(...roles), requireScope("catalog:read")],
      method: "get",
      path: base,
      summary: `The draft and the published modules of ${subject}`,
      description: "The draft being edited (with its `version`) and what is live now (null before the first publish).",
      request: { ...params },
      responses: {
        200: jsonResponse(homeAdminViewSchema, "The page", adminViewExample),
        ...errorResponses(401, 403, 404),
      },
    }),
    put: createRoute({
      ...secured,
      tags: [tag],
      middleware: [requireRole(...roles), requireScope("catalog:write")],
      method: "put",
      path: base,
      summary: `Replace the draft of ${subject}`,
      description: MODULES_DOC,
      request: { ...params, body: jsonBody(homeDraftBody, { example: { ...draftExample, version: 1 } }) },
      responses: {
        200: jsonResponse(homeAdminViewSchema, "The page with its new draft", adminViewExample),
        ...errorResponses(400, 401, 403, 404, 409),
      },
    }),
    publish: createRoute({
      ...secured,
      tags: [tag],
      middleware: [requireRole(...roles), requireScope("catalog:write")],
      method: "post",
      path: `${base}/publish`,
      summary: `Publish the draft of ${subject}`,
      description:
        "The draft goes live as it stands: the published version moves on, so the storefront's next answer is the new " +
        "page (its edge-cache key names the version). 404 when there is no draft yet; 409 `version_conflict` when the " +
        "draft changed while publishing.",
      request: { ...params },
      responses: {
        200: jsonResponse(publishedSchema, "Published", {
          version: 3,
          draftVersion: 2,
          publishedAt: "2026-12-02T03:05:00.000Z",
        }),
        ...errorResponses(401, 403, 404, 409),
      },
    }),
  };
}

export function registerHomeRoutes(app: AdminApp): void {
  const platform = pageRoutes("/admin/v1/home", "home", "operator");
  const shop = pageRoutes("/admin/v1/shops/{shopId}/home", "home", "shop");
  const PLATFORM: HomePageRef = { scope: "platform" };
  const actor = (c: AppContext<AdminBindings>) => actorText(actorOf(callerOf(c)));

  app.openapi(platform.get, async (c) => c.json(await homeAdminView(requestDb(c, "first-primary"), PLATFORM), 200));
  app.openapi(platform.put, async (c) =>
    c.json(
      await saveHomeDraft(requestDb(c, "first-primary"), PLATFORM, c.req.valid("json"), actor(c), c.var.clock.now()),
      200,
    ),
  );
  app.openapi(platform.publish, async (c) =>
    c.json(await publishHome(requestDb(c, "first-primary"), PLATFORM, actor(c), c.var.clock.now()), 200),
  );

  const shopPage = async (c: AppContext<AdminBindings>, shopId: string | undefined) => {
    const db = requestDb(c, "first-primary");
    const page: HomePageRef = { scope: "shop", shopId: await shopFor(db, callerOf(c), shopId) };
    return { db, page };
  };
  app.openapi(shop.get, async (c) => {
    const { db, page } = await shopPage(c, c.req.param("shopId"));
    return c.json(await homeAdminView(db, page), 200);
  });
  app.openapi(shop.put, async (c) => {
    const { db, page } = await shopPage(c, c.req.param("shopId"));
    return c.json(await saveHomeDraft(db, page, c.req.valid("json"), actor(c), c.var.clock.now()), 200);
  });
  app.openapi(shop.publish, async (c) => {
    const { db, page } = await shopPage(c, c.req.param("shopId"));
    return c.json(await publishHome(db, page, actor(c), c.var.clock.now()), 200);
  });
}
