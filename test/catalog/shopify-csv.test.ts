/** Unit tests of the Shopify export parser and the mapping's match keys (pure). */
import { describe, expect, it } from "vitest";
import { normaliseMatch, productCategoryKeys } from "../../shared/catalog/import-mappings";
import { parseShopifyCsv } from "../../shared/catalog/shopify-csv";
import exportText from "../fixtures/shopify-export.csv?raw";

function parsed(text: string) {
  const result = parseShopifyCsv(text);
  if (!result.ok) throw new Error(result.reason);
  return result.products;
}

describe("parseShopifyCsv", () => {
  it("reads the fixture as 15 products, variants with their option names carried from the first row", () => {
    const products = parsed(exportText);
    expect(products).toHaveLength(15);
    const tee = products.find((p) => p.handle === "classic-cotton-tee");
    expect(tee).toMatchObject({
      row: 1,
      title: "Classic Cotton Crew Tee",
      vendor: "优衣库",
      productCategory: "Apparel & Accessories > Clothing > Shirts & Tops",
      type: "T-Shirts",
      tags: ["basics", "cotton", "summer"],
      published: true,
      status: "active",
      giftCard: false,
      attributes: [{ source: "metafield", key: "custom.material", label: "Material", value: "100% Cotton" }],
      problems: [],
    });
    expect(tee?.variants.map((v) => v.options.map((o) => `${o.name}=${o.value}`).join(" "))).toEqual([
      "Color=Black Size=S",
      "Color=Black Size=M",
      "Color=Black Size=L",
      "Color=White Size=S",
      "Color=White Size=M",
      "Color=White Size=L",
    ]);
    expect(tee?.variants[0]).toMatchObject({ sku: "CCT-BLK-S", price: "79.00", compareAtPrice: "99.00", grams: 180 });
    const sampler = products.find((p) => p.handle === "oolong-sampler");
    expect(sampler?.variants.map((v) => v.options)).toEqual([[]]);
  });

  it("orders images by Image Position, then variant images, each once; image rows add no variant", () => {
    const [p] = parsed(
      [
        "Handle,Title,Option1 Name,Option1 Value,Variant SKU,Variant Price,Image Src,Image Position,Variant Image",
        "h,T,Color,Red,R,1.00,https://x.test/b.jpg,2,https://x.test/red.jpg",
        "h,,,Blue,B,1.00,https://x.test/a.jpg,1,https://x.test/b.jpg",
        "h,,,,,,https://x.test/c.jpg,3,",
      ].join("\n"),
    );
    expect(p?.images).toEqual([
      "https://x.test/a.jpg",
      "https://x.test/b.jpg",
      "https://x.test/c.jpg",
      "https://x.test/red.jpg",
    ]);
    expect(p?.variants).toHaveLength(2);
  });

  it("reads Attribute: and metafield columns (list metafields joined) and records unreadable numbers as problems", () => {
    const [p] = parsed(
      [
        "Handle,Title,Variant Price,Variant Grams,Attribute: 材质,Product metafields: custom.care,Fabric (product.metafields.shopify.fabric)",
        'h,T,1.00,abc,棉,Hand wash,"[""Cotton"",""Linen""]"',
      ].join("\n"),
    );
    expect(p?.attributes).toEqual([
      { source: "attribute", key: "材质", label: null, value: "棉" },
      { source: "metafield", key: "custom.care", label: null, value: "Hand wash" },
      { source: "metafield", key: "shopify.fabric", label: "Fabric", value: "Cotton, Linen" },
    ]);
    expect(p?.problems).toEqual(['row 1: Variant Grams "abc" is not a number']);
  });

  it("refuses a file without the columns every export has", () => {
    expect(parseShopifyCsv("Name,Price\nx,1\n")).toEqual({
      ok: false,
      reason: "missing columns: Handle, Title, Variant Price",
    });
  });
});

describe("mapping match keys", () => {
  it("ignore case, width and spacing around >", () => {
    expect(normaliseMatch("  Apparel &  Accessories>Clothing >  Shirts & Tops ")).toBe(
      "apparel & accessories > clothing > shirts & tops",
    );
    expect(normaliseMatch("Ｔ-Shirts")).toBe("t-shirts");
  });

  it("list a Product Category's path and its ancestors, longest first", () => {
    expect(productCategoryKeys("Apparel & Accessories > Shoes > Athletic Shoes")).toEqual([
      "apparel & accessories > shoes > athletic shoes",
      "apparel & accessories > shoes",
      "apparel & accessories",
    ]);
  });
});
