import { env, SELF } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { rebuildSearchDocument } from "../../shared/catalog/indexer";
import { canonicalPath, slugOf } from "../../shared/discovery/seo";
import { sitemapFile, sitemapRoot } from "../../shared/discovery/sitemap";
import { dbOf } from "../../shared/platform/db";
import { newSeller, postProduct, putOnShelf, tshirt } from "../helpers/catalog";
import { call, ORIGIN } from "../helpers/http";
import { skuOnSale } from "../helpers/orders";

/** The page's JSON-LD blocks, parsed. */
function jsonLdOf(html: string): Record<string, unknown>[] {
  const blocks = [...html.matchAll(/<script type="application\/ld\+json">([\s\S]*?)<\/script>/g)];
  return blocks.map((m) => JSON.parse(m[1] ?? "") as Record<string, unknown>);
}

const metaOf = (html: string, property: string) =>
  new RegExp(`<meta property="${property.replace(/[.:]/g, "\\$&")}" content="([^"]*)">`).exec(html)?.[1];

async function page(path: string) {
  const res = await call("GET", path);
  return { status: res.status, html: await res.text(), res };
}

describe("product pages", () => {
  it("renders HTML with Product JSON-LD naming the current price, a canonical URL and Open Graph tags", async () => {
    const { productId, seller, skuId } = await skuOnSale(undefined, { price: 50, stock: 7 });
    const first = await page(`/p/${productId}`);
    expect(first.status, first.html).toBe(200);
    expect(first.res.headers.get("content-type")).toContain("text/html");
    const [ld] = jsonLdOf(first.html);
    expect(ld).toMatchObject({
      "@context": "https://schema.org",
      "@type": "Product",
      productID: productId,
      brand: { "@type": "Brand", name: "NIKE" },
      offers: { "@type": "Offer", price: "50.00", priceCurrency: "CNY", availability: "https://schema.org/InStock" },
    });
    const name = String(ld?.name);
    const canonical = `${ORIGIN}${canonicalPath(productId, name)}`;
    expect(first.html).toContain(`<link rel="canonical" href="${canonical}">`);
    expect(ld?.url).toBe(canonical);
    expect(metaOf(first.html, "og:type")).toBe("product");
    expect(metaOf(first.html, "og:url")).toBe(canonical);
    expect(metaOf(first.html, "og:title")).toBe(name);
    expect(metaOf(first.html, "product:price:amount")).toBe("50.00");
    expect(first.html).toContain("7 available");

    // The canonical URL serves the same page; a stale slug moves there for good.
    expect((await page(canonicalPath(productId, name))).status).toBe(200);
    const moved = await SELF.fetch(`${ORIGIN}/p/${productId}/old-name`, { redirect: "manual" });
    expect(moved.status).toBe(301);
    expect(moved.headers.get("location")).toBe(canonicalPath(productId, name));

    // Cached, and never stale after a price change.
    expect((await page(`/p/${productId}`)).res.headers.get("x-cache")).toBe("HIT");
    const priced = await call("PUT", `/admin/v1/skus/${skuId}/prices`, {
      token: seller.token,
      body: { prices: [{ type: "standard", price: { amount: 4550, currency: "CNY" } }] },
    });
    expect(priced.status).toBe(200);
    const after = await page(`/p/${productId}`);
    expect(jsonLdOf(after.html)[0]).toMatchObject({ offers: { price: "45.50" } });
    expect(metaOf(after.html, "product:price:amount")).toBe("45.50");
  });

  it("names a price range as an AggregateOffer, and escapes what the seller wrote", async () => {
    const seller = await newSeller();
    const product = tshirt({ name: `Tee </script><script>alert("x") & "co" ${Date.now()}` });
    const created = await postProduct(seller, product);
    expect(created.status, JSON.stringify(created.body)).toBe(201);
    await putOnShelf(seller, created.body.productId);
    const { html, status } = await page(`/p/${created.body.productId}`);
    expect(status, html).toBe(200);
    expect(html).not.toContain("<script>alert");
    const [ld] = jsonLdOf(html);
    expect(ld?.name).toBe(product.spu.name);
    expect(ld?.offers).toMatchObject({
      "@type": "AggregateOffer",
      lowPrice: "79.00",
      highPrice: "89.50",
      offerCount: 2,
      priceCurrency: "CNY",
    });
  });

  it("answers 404 for a product off shelf", async () => {
    const { productId, seller } = await skuOnSale();
    const off = await call("POST", `/admin/v1/products/${productId}/off-shelf`, { token: seller.token, body: {} });
    expect(off.status).toBe(200);
    expect((await page(`/p/${productId}`)).status).toBe(404);
    expect((await page("/p/spu_unknown")).status).toBe(404);
  });

  it("makes readable slugs of any script", () => {
    expect(slugOf("经典圆领男士T恤 (2026)")).toBe("经典圆领男士t恤-2026");
    expect(slugOf("  Café — Crème!  ")).toBe("café-crème");
    expect(slugOf("!!!")).toBe("product");
  });
});

describe("sitemap and robots", () => {
  it("lists products on shelf at their canonical URLs, and splits into an index past the per-file limit", async () => {
    const seller = await newSeller();
    const onShelf = [];
    for (let i = 0; i < 3; i++) onShelf.push(await skuOnSale(seller));
    const off = await skuOnSale(seller);
    await call("POST", `/admin/v1/products/${off.productId}/off-shelf`, { token: seller.token, body: {} });
    const db = dbOf(env.DB);
    for (const p of [...onShelf, off]) await rebuildSearchDocument(db, p.productId, Date.now());

    const res = await call("GET", "/sitemap.xml");
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toContain("application/xml");
    const xml = await res.text();
    expect(xml).toContain('<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">');
    for (const p of onShelf) expect(xml).toContain(`${ORIGIN}/p/${p.productId}/`);
    expect(xml).not.toContain(off.productId);

    // With two URLs per file, the root is an index and the files hold every URL exactly once.
    const locs = (text: string) => [...text.matchAll(/<loc>([^<]+)<\/loc>/g)].map((m) => m[1] ?? "");
    const all = locs(xml);
    const index = await sitemapRoot(db, ORIGIN, 2);
    expect(index).toContain("<sitemapindex");
    const files = locs(index);
    expect(files).toHaveLength(Math.ceil(all.length / 2));
    expect(files[0]).toBe(`${ORIGIN}/sitemaps/products-1.xml`);
    const listed = [];
    for (let n = 1; n <= files.length; n++) {
      const file = locs(await sitemapFile(db, ORIGIN, n, 2));
      expect(file.length).toBeLessThanOrEqual(2);
      listed.push(...file);
    }
    expect(listed).toEqual(all);
    await expect(sitemapFile(db, ORIGIN, files.length + 1, 2)).rejects.toMatchObject({ code: "not_found" });
    expect((await call("GET", "/sitemaps/products-999.xml")).status).toBe(404);
    expect((await call("GET", "/sitemaps/products-1.xml")).status).toBe(200);
  });

  it("serves robots.txt naming the sitemap", async () => {
    const res = await call("GET", "/robots.txt");
    expect(res.status).toBe(200);
    const text = await res.text();
    expect(text).toContain("User-agent: *");
    expect(text).toContain("Allow: /p/");
    expect(text).toContain("Disallow: /admin/");
    expect(text).toContain(`Sitemap: ${ORIGIN}/sitemap.xml`);
  });
});
