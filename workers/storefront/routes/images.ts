/** Product images, straight from R2 with immutable caching (keys are content hashes). */
import { createRoute, z } from "@hono/zod-openapi";
import { imageResponse } from "../../../shared/catalog/images";
import { AppError } from "../../../shared/platform/errors";
import { errorResponses } from "../../../shared/platform/openapi";
import type { StorefrontApp } from "../app";

const route = createRoute({
  method: "get",
  path: "/v1/images/{shopId}/{file}",
  tags: ["catalog"],
  summary: "A product image",
  description:
    "An uploaded product image, straight from storage with immutable caching (the file name is the content's " +
    "SHA-256). Product answers give these URLs; sellers upload with `POST /admin/v1/images`.",
  request: {
    params: z.object({
      shopId: z.string().min(1).max(64),
      file: z.string().regex(/^[0-9a-f]{64}\.(jpg|png|gif|webp)$/, "is not an image key"),
    }),
  },
  responses: {
    200: { description: "The image", content: { "image/*": { schema: z.string() } } },
    ...errorResponses(400, 404),
  },
});

export function registerImageRoutes(app: StorefrontApp): void {
  app.openapi(route, async (c) => {
    const { shopId, file } = c.req.valid("param");
    const res = await imageResponse(c.env.IMAGES, `${shopId}/${file}`);
    if (!res) throw new AppError("not_found", { detail: "No such image" });
    return res;
  });
}
