/**
 * Product image uploads into R2. The key is the SHA-256 of the bytes (so an upload is idempotent
 * and content never changes under a key), under the shop's prefix; the storefront serves them with
 * an immutable cache lifetime. Only real JPEG, PNG, WebP and GIF files are accepted, by magic bytes.
 */
import { z } from "zod";
import { sha256Hex } from "../platform/crypto";
import { AppError } from "../platform/errors";
import { invalidField } from "../platform/validation";

export const MAX_IMAGE_BYTES = 5 * 1024 * 1024;

/** The path `uploadImage` answers: `/v1/images/<shop>/<sha256>.<ext>`. */
const UPLOADED_PATH = /^\/v1\/images\/[A-Za-z0-9_]{1,64}\/[0-9a-f]{64}\.(?:jpg|png|gif|webp)$/;
const LOCAL_HOSTS = new Set(["localhost", "127.0.0.1", "[::1]"]);

/**
 * Whether `value` may be shown as an image to shoppers and staff: an https URL with a host and no
 * credentials, one of our own uploaded image paths, or http to a local host (local dev). Anything
 * else (`javascript:`, `data:`, `vbscript:`, protocol-relative `//host`, plain http) is refused, so
 * a stored image URL can never run script in a page that renders it.
 */
export function isAllowedImageUrl(value: string): boolean {
  if (value.startsWith("/")) return UPLOADED_PATH.test(value);
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    return false;
  }
  if (url.username !== "" || url.password !== "" || url.hostname === "") return false;
  if (url.protocol === "https:") return true;
  return url.protocol === "http:" && LOCAL_HOSTS.has(url.hostname);
}

/** An image URL in a product or brand body (see `isAllowedImageUrl`). */
export const imageUrlSchema = z
  .string()
  .max(2000)
  .refine(isAllowedImageUrl, "must be an https URL or an uploaded image path (/v1/images/...)")
  .describe("https URL, or the path POST /admin/v1/images answered");

const SIGNATURES: { type: string; ext: string; test: (b: Uint8Array) => boolean }[] = [
  { type: "image/jpeg", ext: "jpg", test: (b) => b[0] === 0xff && b[1] === 0xd8 && b[2] === 0xff },
  {
    type: "image/png",
    ext: "png",
    test: (b) => [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a].every((v, i) => b[i] === v),
  },
  {
    type: "image/gif",
    ext: "gif",
    test: (b) =>
      String.fromCharCode(...b.slice(0, 6)) === "GIF89a" || String.fromCharCode(...b.slice(0, 6)) === "GIF87a",
  },
  {
    type: "image/webp",
    ext: "webp",
    test: (b) => String.fromCharCode(...b.slice(0, 4)) === "RIFF" && String.fromCharCode(...b.slice(8, 12)) === "WEBP",
  },
];

/** Stores an image for `shopId`; answers with its public path. */
export async function uploadImage(
  bucket: R2Bucket,
  shopId: string,
  bytes: Uint8Array,
  declaredType: string | undefined,
) {
  if (bytes.byteLength === 0) throw invalidField("body", "is empty");
  if (bytes.byteLength > MAX_IMAGE_BYTES)
    throw new AppError("payload_too_large", { detail: `An image may be at most ${MAX_IMAGE_BYTES} bytes` });
  const kind = SIGNATURES.find((s) => s.test(bytes));
  if (!kind) throw new AppError("unsupported_media_type", { detail: "Upload a JPEG, PNG, WebP or GIF image" });
  if (declaredType && declaredType !== kind.type) {
    throw new AppError("unsupported_media_type", { detail: `The body is ${kind.type}, not ${declaredType}` });
  }
  const key = `${shopId}/${await sha256Hex(bytes)}.${kind.ext}`;
  await bucket.put(key, bytes, {
    httpMetadata: { contentType: kind.type, cacheControl: "public, max-age=31536000, immutable" },
  });
  return { key, url: `/v1/images/${key}`, contentType: kind.type, bytes: bytes.byteLength };
}

/** Serves an image (storefront), or null when absent. */
export async function imageResponse(bucket: R2Bucket, key: string): Promise<Response | null> {
  const object = await bucket.get(key);
  if (!object) return null;
  const headers = new Headers();
  object.writeHttpMetadata(headers);
  headers.set("etag", object.httpEtag);
  return new Response(object.body, { headers });
}
