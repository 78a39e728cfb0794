/** Image uploads for product listings (stored in R2; reference the returned url in `images`). */
import { createRoute, z } from "@hono/zod-openapi";
import { MAX_IMAGE_BYTES, uploadImage } from "../../../shared/catalog/images";
import { callerOf, requireRole, requireScope } from "../../../shared/platform/caller";
import { AppError } from "../../../shared/platform/errors";
import { errorResponses, idempotencyHeaders, jsonResponse } from "../../../shared/platform/openapi";
import type { AdminApp } from "../app";

const uploadRoute = createRoute({
  method: "post",
  path: "/admin/v1/images",
  tags: ["products"],
  summary: `Upload a product image (JPEG, PNG, WebP or GIF, at most ${MAX_IMAGE_BYTES} bytes)`,
  description:
    "Send the image's bytes as the body with its own content type (`image/jpeg`, `image/png`, `image/webp` or " +
    "`image/gif`; the bytes must be that type). It is stored under its SHA-256, so the same image uploads once; put " +
    "the answered `url` into a product's `images`. Sellers only (an image belongs to a shop).",
  security: [{ bearer: [] }],
  middleware: [requireRole("seller"), requireScope("catalog:write")] as const,
  request: {
    headers: idempotencyHeaders,
    body: {
      required: true,
      content: { "image/*": { schema: z.string().describe("The image bytes") } },
    },
  },
  responses: {
    201: jsonResponse(
      z.object({ key: z.string(), url: z.string(), contentType: z.string(), bytes: z.number().int() }),
      "Stored; put `url` in the product's images",
      {
        key: "shp_00000000000000000000000001/5f0c8e3ad1b0a8c4e2f9d7b6a5c4e3f2a1b0c9d8e7f6a5b4c3d2e1f0a9b8c7d6.png",
        url: "http://127.0.0.1:8787/v1/images/shp_00000000000000000000000001/5f0c8e3ad1b0a8c4e2f9d7b6a5c4e3f2a1b0c9d8e7f6a5b4c3d2e1f0a9b8c7d6.png",
        contentType: "image/png",
        bytes: 48213,
      },
    ),
    ...errorResponses(400, 401, 403, 409, 413, 415, 422),
  },
});

export function registerImageRoutes(app: AdminApp): void {
  app.openapi(uploadRoute, async (c) => {
    const shopId = callerOf(c).shopId;
    if (!shopId) throw new AppError("forbidden", { detail: "Images belong to a shop" });
    const bytes = new Uint8Array(await c.req.arrayBuffer());
    const type = c.req.header("content-type")?.split(";")[0]?.trim();
    return c.json(await uploadImage(c.env.IMAGES, shopId, bytes, type), 201);
  });
}
