/**
 * SEO (如何处理商品的SEO优化): a real HTML product page rendered at the edge, with schema.org
 * `Product` JSON-LD naming the price in effect now, a canonical URL (`/p/<id>/<slug>`) and Open
 * Graph tags; the sitemap of products on shelf (split into an index of files of at most 50,000
 * URLs, as the sitemaps protocol requires) and robots.txt pointing at it.
 */
import type { ProductDetail } from "../catalog/storefront-product";
import { type Currency, formatDecimal } from "../platform/money";

/** The sitemaps protocol's limit of URLs per file. */
export const SITEMAP_MAX_URLS = 50_000;

/** A readable slug from a product name: letters and digits of any script, dashes between words. */
export function slugOf(name: string): string {
  const slug = name
    .normalize("NFKC")
    .toLowerCase()
    .replace(/[^\p{L}\p{N}]+/gu, "-")
    .replace(/^-+|-+$/g, "")
    .slice(0, 80)
    .replace(/-+$/, "");
  return slug || "product";
}

/** The product page's canonical path: `/p/<productId>/<slug>`, the slug percent-encoded. */
export function canonicalPath(productId: string, name: string): string {
  return `/p/${encodeURIComponent(productId)}/${encodeURIComponent(slugOf(name))}`;
}

const escapeHtml = (text: string) =>
  text.replace(/[&<>"']/g, (ch) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" })[ch] ?? ch);

/** JSON safe inside a `<script>` element: no `<` can close it early. */
const scriptJson = (value: unknown) =>
  JSON.stringify(value)
    .replace(/</g, "\\u003c")
    .replace(/\u2028/g, "\\u2028")
    .replace(/\u2029/g, "\\u2029");

export interface PageRating {
  average: number;
  count: number;
}
export interface PageReview {
  stars: number;
  text: string;
  createdAt: string;
  reply?: { text: string } | null;
}

interface PriceRange {
  low: number;
  high: number;
  currency: Currency;
  offers: number;
}

function priceRange(detail: ProductDetail): PriceRange | null {
  const prices = detail.skus.flatMap((s) => (s.price ? [s.price] : []));
  const first = prices[0];
  if (!first) return null;
  const same = prices.filter((p) => p.currency === first.currency).map((p) => p.amount);
  return { low: Math.min(...same), high: Math.max(...same), currency: first.currency, offers: same.length };
}

/** The schema.org Product: name, images, brand, SKUs' price (one Offer, or an AggregateOffer), availability, rating. */
export function productJsonLd(detail: ProductDetail, url: string, rating: PageRating | null, reviews: PageReview[]) {
  const range = priceRange(detail);
  const availability = detail.inStock ? "https://schema.org/InStock" : "https://schema.org/OutOfStock";
  const offers =
    range === null
      ? undefined
      : range.low === range.high
        ? {
            "@type": "Offer",
            url,
            price: formatDecimal(range.low, range.currency),
            priceCurrency: range.currency,
            availability,
          }
        : {
            "@type": "AggregateOffer",
            url,
            lowPrice: formatDecimal(range.low, range.currency),
            highPrice: formatDecimal(range.high, range.currency),
            offerCount: range.offers,
            priceCurrency: range.currency,
            availability,
          };
  return {
    "@context": "https://schema.org",
    "@type": "Product",
    "@id": url,
    name: detail.name,
    description: detail.description || detail.name,
    image: detail.images,
    sku: detail.skus[0]?.skuId,
    productID: detail.productId,
    url,
    ...(detail.brand ? { brand: { "@type": "Brand", name: detail.brand.name } } : {}),
    category: detail.category.name,
    ...(offers ? { offers } : {}),
    ...(rating && rating.count > 0
      ? {
          aggregateRating: {
            "@type": "AggregateRating",
            ratingValue: rating.average,
            reviewCount: rating.count,
            bestRating: 5,
            worstRating: 1,
          },
          review: reviews.map((r) => ({
            "@type": "Review",
            reviewRating: { "@type": "Rating", ratingValue: r.stars, bestRating: 5, worstRating: 1 },
            reviewBody: r.text,
            datePublished: r.createdAt.slice(0, 10),
            author: { "@type": "Person", name: "Verified buyer" },
          })),
        }
      : {}),
  };
}

function priceText(range: PriceRange | null): string {
  if (!range) return "Not priced";
  const low = `${formatDecimal(range.low, range.currency)} ${range.currency}`;
  return range.low === range.high ? low : `${low} – ${formatDecimal(range.high, range.currency)} ${range.currency}`;
}

/** The whole product page: head (title, description, canonical, Open Graph, JSON-LD) and a readable body. */
export function productPageHtml(
  detail: ProductDetail,
  origin: string,
  rating: PageRating | null,
  reviews: PageReview[],
): string {
  const url = `${origin}${canonicalPath(detail.productId, detail.name)}`;
  const range = priceRange(detail);
  const description = (detail.description || detail.name).slice(0, 300);
  const image = detail.images[0];
  const meta = (property: string, content: string) => `<meta property="${property}" content="${escapeHtml(content)}">`;
  const head = [
    '<meta charset="utf-8">',
    '<meta name="viewport" content="width=device-width, initial-scale=1">',
    `<title>${escapeHtml(detail.name)}</title>`,
    `<meta name="description" content="${escapeHtml(description)}">`,
    `<link rel="canonical" href="${escapeHtml(url)}">`,
    meta("og:type", "product"),
    meta("og:title", detail.name),
    meta("og:description", description),
    meta("og:url", url),
    ...(image ? [meta("og:image", image)] : []),
    ...(range
      ? [
          meta("product:price:amount", formatDecimal(range.low, range.currency)),
          meta("product:price:currency", range.currency),
        ]
      : []),
    meta("product:availability", detail.inStock ? "in stock" : "out of stock"),
    `<script type="application/ld+json">${scriptJson(productJsonLd(detail, url, rating, reviews))}</script>`,
    "<style>body{font-family:system-ui,sans-serif;max-width:960px;margin:2rem auto;padding:0 1rem;color:#222}" +
      "img{max-width:100%;height:auto}.gallery{display:flex;gap:.5rem;flex-wrap:wrap}.gallery img{width:30%}" +
      "table{border-collapse:collapse}td,th{border:1px solid #ddd;padding:.3rem .6rem;text-align:left}" +
      ".price{font-size:1.6rem;color:#c00}</style>",
  ];
  const attributes = detail.basicAttributes
    .map((a) => `<tr><th>${escapeHtml(a.attributeName)}</th><td>${escapeHtml(a.value)}</td></tr>`)
    .join("");
  const skuRows = detail.skus
    .map(
      (s) =>
        `<tr><td>${escapeHtml(s.name)}</td><td>${s.price ? `${formatDecimal(s.price.amount, s.price.currency)} ${s.price.currency}` : "—"}</td>` +
        `<td>${s.available > 0 ? `${s.available} available` : "Out of stock"}</td></tr>`,
    )
    .join("");
  const reviewItems = reviews
    .map(
      (r) =>
        `<li><strong>${"★".repeat(r.stars)}${"☆".repeat(5 - r.stars)}</strong> ${escapeHtml(r.text)}` +
        `${r.reply ? `<blockquote class="reply">Seller: ${escapeHtml(r.reply.text)}</blockquote>` : ""}</li>`,
    )
    .join("");
  const body = [
    `<nav><a href="/">Home</a> › ${escapeHtml(detail.category.name)}</nav>`,
    "<main>",
    `<h1>${escapeHtml(detail.name)}</h1>`,
    detail.brand ? `<p>Brand: ${escapeHtml(detail.brand.name)}</p>` : "",
    `<p class="price">${escapeHtml(priceText(range))}</p>`,
    `<p>${detail.inStock ? "In stock" : "Out of stock"}</p>`,
    `<div class="gallery">${detail.images.map((src, i) => `<img src="${escapeHtml(src)}" alt="${escapeHtml(`${detail.name} ${i + 1}`)}">`).join("")}</div>`,
    `<section><h2>Description</h2><p>${escapeHtml(detail.description)}</p></section>`,
    attributes ? `<section><h2>Details</h2><table>${attributes}</table></section>` : "",
    `<section><h2>Options</h2><table><tr><th>Option</th><th>Price</th><th>Stock</th></tr>${skuRows}</table></section>`,
    `<section><h2>Reviews</h2>${
      rating && rating.count > 0
        ? `<p>${rating.average.toFixed(1)} out of 5 (${rating.count} reviews)</p><ul>${reviewItems}</ul>`
        : "<p>No reviews yet.</p>"
    }</section>`,
    "</main>",
  ];
  return `<!doctype html><html lang="zh"><head>${head.join("")}</head><body>${body.join("")}</body></html>`;
}

const xmlEscape = (text: string) =>
  text.replace(
    /[&<>"']/g,
    (ch) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&apos;" })[ch] ?? ch,
  );

/** A `<urlset>` of product pages. */
export function urlsetXml(origin: string, entries: { productId: string; name: string; changedAt: number }[]): string {
  const urls = entries
    .map(
      (e) =>
        `<url><loc>${xmlEscape(`${origin}${canonicalPath(e.productId, e.name)}`)}</loc>` +
        `<lastmod>${new Date(e.changedAt).toISOString()}</lastmod></url>`,
    )
    .join("");
  return `<?xml version="1.0" encoding="UTF-8"?><urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">${urls}</urlset>`;
}

/** A `<sitemapindex>` naming `files` sitemap files, `/sitemaps/products-<n>.xml` (n from 1). */
export function sitemapIndexXml(origin: string, files: number): string {
  const items = Array.from(
    { length: files },
    (_, i) => `<sitemap><loc>${xmlEscape(`${origin}/sitemaps/products-${i + 1}.xml`)}</loc></sitemap>`,
  ).join("");
  return `<?xml version="1.0" encoding="UTF-8"?><sitemapindex xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">${items}</sitemapindex>`;
}

/** robots.txt: product pages open to crawlers, the APIs and the console not, and where the sitemap is. */
export function robotsTxt(origin: string): string {
  return [
    "User-agent: *",
    "Allow: /p/",
    "Disallow: /v1/",
    "Disallow: /admin/",
    "Disallow: /console",
    "Disallow: /webhooks/",
    `Sitemap: ${origin}/sitemap.xml`,
    "",
  ].join("\n");
}
