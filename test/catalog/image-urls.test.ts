import { describe, expect, it } from "vitest";
import { imageUrlSchema } from "../../shared/catalog/images";
import { newSeller, postProduct, tshirt } from "../helpers/catalog";
import { call, json } from "../helpers/http";

const UPLOADED = `/v1/images/shp_01M8SW21RYKAZBJK7JH8E0ZFCT/${"a".repeat(64)}.png`;

// Regression (issue #11, defect 12): product images were any URL zod accepts, `javascript:` and
// `data:` included, which the storefront and the console then render.
describe("product image URLs", () => {
  it("takes https URLs and our own uploaded image paths, and http only for a local host", () => {
    for (const ok of [
      "https://images.example.com/a.jpg",
      "https://cdn.example.com:8443/p/x.webp?w=400",
      UPLOADED,
      "http://localhost:8787/v1/images/x.png",
      "http://127.0.0.1:8787/v1/images/x.png",
    ])
      expect(imageUrlSchema.safeParse(ok).success, ok).toBe(true);
    for (const bad of [
      "javascript:alert(1)",
      "JavaScript:alert(1)",
      "data:image/png;base64,iVBORw0KGgo=",
      "http://images.example.com/a.jpg",
      "ftp://images.example.com/a.jpg",
      "//evil.example.com/a.jpg",
      "/v1/images/../admin",
      "/admin/v1/whoami",
      "https://",
      "https://user:pass@example.com/a.jpg",
      "vbscript:msgbox",
    ])
      expect(imageUrlSchema.safeParse(bad).success, bad).toBe(false);
  });

  it("refuses a product whose images hold javascript: or data: URLs, naming the field", async () => {
    const seller = await newSeller();
    const res = await postProduct(seller, {
      ...tshirt(),
      images: ["https://images.example.com/ok.jpg", "javascript:alert(document.cookie)", "data:text/html,<script>"],
    });
    expect(res.status, JSON.stringify(res.body)).toBe(400);
    const fields = ((res.body as unknown as { errors: { field: string }[] }).errors ?? []).map((e) => e.field);
    expect(fields).toEqual(["images.1", "images.2"]);
  });

  it("takes an uploaded image's path as a product image, and refuses a bad one in an edit", async () => {
    const seller = await newSeller();
    const created = await postProduct(seller, { ...tshirt(), images: [UPLOADED] });
    expect(created.status, JSON.stringify(created.body)).toBe(201);
    const edit = await json(
      await call("PATCH", `/admin/v1/products/${created.body.productId}`, {
        token: seller.token,
        body: { version: created.body.version, images: ["data:image/png;base64,AAAA"] },
      }),
    );
    expect(edit.status, JSON.stringify(edit.body)).toBe(400);
  });
});
