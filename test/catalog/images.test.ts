import { SELF } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { newSeller } from "../helpers/catalog";
import { ORIGIN } from "../helpers/http";

// A 1×1 transparent PNG.
const PNG = Uint8Array.from(
  atob("iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAQAAAC1HAwCAAAAC0lEQVR42mNkYAAAAAYAAjCB0C8AAAAASUVORK5CYII="),
  (c) => c.charCodeAt(0),
);

function upload(token: string, body: Uint8Array, type: string) {
  return SELF.fetch(`${ORIGIN}/admin/v1/images`, {
    method: "POST",
    headers: { authorization: `Bearer ${token}`, "content-type": type },
    body,
  });
}

describe("product images", () => {
  it("stores an uploaded image in R2 under its content hash and serves it from the storefront", async () => {
    const seller = await newSeller();
    const res = await upload(seller.token, PNG, "image/png");
    const body = (await res.json()) as { url: string; key: string; contentType: string };
    expect(res.status, JSON.stringify(body)).toBe(201);
    expect(body.url).toMatch(new RegExp(`^/v1/images/${seller.shopId}/[0-9a-f]{64}\\.png$`));
    const again = (await (await upload(seller.token, PNG, "image/png")).json()) as { url: string };
    expect(again.url).toBe(body.url);
    const served = await SELF.fetch(`${ORIGIN}${body.url}`);
    expect(served.status).toBe(200);
    expect(served.headers.get("content-type")).toBe("image/png");
    expect(served.headers.get("cache-control")).toContain("immutable");
    expect(new Uint8Array(await served.arrayBuffer())).toEqual(PNG);
  });

  it("refuses files that are not images, whatever their declared type", async () => {
    const seller = await newSeller();
    const fake = new TextEncoder().encode("<script>alert(1)</script>");
    expect((await upload(seller.token, fake, "image/png")).status).toBe(415);
    expect((await upload(seller.token, PNG, "image/jpeg")).status).toBe(415);
    expect((await upload(seller.token, new Uint8Array(), "image/png")).status).toBe(400);
    expect((await SELF.fetch(`${ORIGIN}/v1/images/${seller.shopId}/${"0".repeat(64)}.png`)).status).toBe(404);
  });
});
