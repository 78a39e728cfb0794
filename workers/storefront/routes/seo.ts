/** Pages for search engines and link previews: product pages, the sitemap and robots.txt, edge-cached. */
import { createRoute, z } from "@hono/zod-openapi";
import { searchGeneration } from "../../../shared/catalog/search";
import { DETAIL_TTL_SECONDS, detailRevision, productDetail } from "../../../shared/catalog/storefront-product";
import { canonicalPath, productPageHtml, robotsTxt } from "../../../shared/discovery/seo";
import { sitemapFile, sitemapRoot } from "../../../shared/discovery/sitemap";
import type { AppContext } from "../../../shared/platform/app-env";
import { edgeCache } from "../../../shared/platform/edge-cache";
import { AppError } from "../../../shared/platform/errors";
import { errorResponses } from "../../../shared/platform/openapi";
import { requestDb } from "../../../shared/platform/request-db";
import { productReviews, reviewsRevision } from "../../../shared/reviews/reviews";
import type { StorefrontApp, StorefrontBindings } from "../app";
import { DEMO_PRODUCT_ID } from "../docs-intro";

/** How many reviews a product page shows. */
const PAGE_REVIEWS = 5;
/** Sitemaps are exact under their key (the search generation); the TTL only bounds storage. */
const SITEMAP_TTL_SECONDS = 3600;

const productParam = z.string().min(1).max(64).openapi({ example: DEMO_PRODUCT_ID });
const htmlExample =
  '<!doctype html><html lang="zh"><head><meta charset="utf-8"><title>经典圆领男士T恤</title>' +
  '<link rel="canonical" href="http://127.0.0.1:8787/p/spu_00000000000000000000001004/经典圆领男士t恤">' +
  '<meta property="og:type" content="product"><script type="application/ld+json">{"@context":"https://schema.org",' +
  '"@type":"Product","name":"经典圆领男士T恤","offers":{"@type":"AggregateOffer","lowPrice":"79.00","highPrice":"89.00",' +
  '"priceCurrency":"CNY"}}</script></head><body><h1>经典圆领男士T恤</h1></body></html>';
const PAGE_DESCRIPTION =
  "A real HTML page for the product (name, images, price range, options with stock, reviews) with schema.org " +
  "`Product` JSON-LD naming the price in effect now, a canonical URL `/p/<id>/<slug>` and Open Graph tags, for " +
  "crawlers and link previews. Edge-cached under the product's current revision, so an edit or a price change is " +
  "never served stale. A product not on sale is 404.";
const html = (example: string) => ({ "text/html": { schema: z.string(), example } });
const xml = (example: string) => ({ "application/xml": { schema: z.string(), example } });

const routes = {
  page: createRoute({
    method: "get",
    path: "/p/{productId}",
    tags: ["seo"],
    summary: "The product's HTML page (JSON-LD, canonical URL, Open Graph)",
    description: PAGE_DESCRIPTION,
    request: { params: z.object({ productId: productParam }) },
    responses: { 200: { description: "The page", content: html(htmlExample) }, ...errorResponses(404) },
  }),
  pageWithSlug: createRoute({
    method: "get",
    path: "/p/{productId}/{slug}",
    tags: ["seo"],
    summary: "The product's HTML page at its canonical URL",
    description: `${PAGE_DESCRIPTION} A slug other than the product's current one redirects (301) to the canonical URL.`,
    request: {
      params: z.object({
        productId: productParam,
        slug: z.string().min(1).max(300).openapi({ example: "经典圆领男士t恤" }),
      }),
    },
    responses: {
      200: { description: "The page", content: html(htmlExample) },
      301: { description: "Moved to the canonical URL (Location)" },
      ...errorResponses(404),
    },
  }),
  sitemap: createRoute({
    method: "get",
    path: "/sitemap.xml",
    tags: ["seo"],
    summary: "The sitemap of products on shelf (an index of files past 50,000 URLs)",
    description:
      "Every product on shelf as its canonical page URL with `lastmod`; past 50,000 products a `<sitemapindex>` " +
      "naming `/sitemaps/products-<n>.xml` files of at most 50,000 URLs each, as the sitemaps protocol requires.",
    responses: {
      200: {
        description: "The sitemap",
        content: xml(
          '<?xml version="1.0" encoding="UTF-8"?><urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9"><url>' +
            "<loc>http://127.0.0.1:8787/p/spu_00000000000000000000001004/%E7%BB%8F%E5%85%B8</loc>" +
            "<lastmod>2026-12-02T03:00:00.000Z</lastmod></url></urlset>",
        ),
      },
      ...errorResponses(500),
    },
  }),
  sitemapFile: createRoute({
    method: "get",
    path: "/sitemaps/{file}",
    tags: ["seo"],
    summary: "One file of a split sitemap",
    description: "File `n` of the index `/sitemap.xml` answers once products pass 50,000; past the last file is 404.",
    request: {
      params: z.object({
        file: z
          .string()
          .regex(/^products-[1-9][0-9]{0,6}\.xml$/, "is not a sitemap file name")
          .openapi({ example: "products-1.xml" }),
      }),
    },
    responses: {
      200: {
        description: "The file",
        content: xml(
          '<?xml version="1.0" encoding="UTF-8"?><urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9"></urlset>',
        ),
      },
      ...errorResponses(400, 404),
    },
  }),
  robots: createRoute({
    method: "get",
    path: "/robots.txt",
    tags: ["seo"],
    summary: "robots.txt: product pages open to crawlers, the sitemap's address",
    description: "Crawlers may read `/p/` pages; the APIs and the console are disallowed; names `/sitemap.xml`.",
    responses: {
      200: {
        description: "robots.txt",
        content: { "text/plain": { schema: z.string(), example: robotsTxt("http://127.0.0.1:8787") } },
      },
    },
  }),
};

export function registerSeoRoutes(app: StorefrontApp): void {
  const productPage = edgeCache(async (c) => {
    const productId = c.req.param("productId") ?? "";
    const origin = new URL(c.req.url).origin;
    // The page shows the newest reviews and their replies: their revision is in the key too.
    const [detail, reviewsRev] = await Promise.all([
      detailRevision(requestDb(c), productId),
      reviewsRevision(requestDb(c), productId),
    ]);
    return `p/${productId}/${c.req.param("slug") ?? ""}@${detail}.r${reviewsRev}@${origin}`;
  }, DETAIL_TTL_SECONDS);
  app.use("/p/:productId", productPage);
  app.use("/p/:productId/:slug", productPage);

  const render = async (c: AppContext<StorefrontBindings>, productId: string, slug?: string) => {
    const detail = await productDetail(requestDb(c), productId, c.var.clock.now());
    const canonical = canonicalPath(detail.productId, detail.name);
    if (slug !== undefined && `/p/${encodeURIComponent(productId)}/${encodeURIComponent(slug)}` !== canonical) {
      return c.redirect(canonical, 301);
    }
    // The newest few reviews; the rating comes with the detail (from the search document).
    const { items } = await productReviews(requestDb(c), productId, { limit: PAGE_REVIEWS });
    return c.html(productPageHtml(detail, new URL(c.req.url).origin, detail.rating, items), 200);
  };
  app.openapi(routes.page, (c) => render(c, c.req.valid("param").productId) as never);
  app.openapi(
    routes.pageWithSlug,
    (c) => render(c, c.req.valid("param").productId, c.req.valid("param").slug) as never,
  );

  const sitemapCache = edgeCache(
    async (c) => `${new URL(c.req.url).pathname}@${await searchGeneration(requestDb(c))}@${new URL(c.req.url).origin}`,
    SITEMAP_TTL_SECONDS,
  );
  app.use("/sitemap.xml", sitemapCache);
  app.use("/sitemaps/*", sitemapCache);
  const asXml = (body: string) => new Response(body, { headers: { "content-type": "application/xml; charset=utf-8" } });
  app.openapi(routes.sitemap, async (c) => asXml(await sitemapRoot(requestDb(c), new URL(c.req.url).origin)) as never);
  app.openapi(routes.sitemapFile, async (c) => {
    const n = Number(/^products-(\d+)\.xml$/.exec(c.req.valid("param").file)?.[1]);
    if (!Number.isSafeInteger(n)) throw new AppError("not_found", { detail: "No such sitemap file" });
    return asXml(await sitemapFile(requestDb(c), new URL(c.req.url).origin, n)) as never;
  });
  app.openapi(routes.robots, (c) => c.text(robotsTxt(new URL(c.req.url).origin), 200) as never);
}
