/**
 * Fetching a feed: conditionally (If-None-Match / If-Modified-Since from the last 200, so an
 * unchanged feed is a 304 and costs no diff), within a time limit for the whole exchange, a size
 * cap on the body (Content-Length first, then counted while reading, so a lying or endless body
 * stops at the cap), and following at most three redirects, each target checked against the URL
 * policy again (a public URL redirecting to a private one is refused).
 */
import { z } from "zod";
import { checkFeedUrl } from "./feed-url";

/** Feed fetching's configuration (Worker vars), with the platform's environment. */
export const feedSettingsSchema = z.object({
  ENVIRONMENT: z.enum(["production", "staging", "development", "test"]).default("production"),
  FEED_TIMEOUT_MS: z.coerce.number().int().positive().default(15_000),
  FEED_MAX_BYTES: z.coerce
    .number()
    .int()
    .positive()
    .default(5 * 1024 * 1024),
});
export type FeedSettings = z.infer<typeof feedSettingsSchema>;

const MAX_REDIRECTS = 3;

export type FeedFetch =
  | { kind: "not_modified"; status: 304 }
  | { kind: "body"; status: number; body: string; etag: string | null; lastModified: string | null }
  | {
      kind: "failed";
      status: number | null;
      code: "feed_unreachable" | "feed_too_large" | "feed_url_refused";
      detail: string;
    };

class TooLarge extends Error {}

async function readCapped(res: Response, maxBytes: number): Promise<string> {
  const declared = Number(res.headers.get("content-length") ?? "");
  if (Number.isFinite(declared) && declared > maxBytes) throw new TooLarge();
  if (!res.body) return "";
  const reader = res.body.getReader();
  const parts: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.byteLength;
    if (size > maxBytes) {
      await reader.cancel();
      throw new TooLarge();
    }
    parts.push(value);
  }
  const bytes = new Uint8Array(size);
  let at = 0;
  for (const p of parts) {
    bytes.set(p, at);
    at += p.byteLength;
  }
  // A byte-order mark (spreadsheet exports) is not part of the JSON or CSV.
  return new TextDecoder().decode(bytes).replace(/^\uFEFF/, "");
}

/** Fetches `url`, sending the validators of the last body applied. */
export async function fetchFeed(
  url: string,
  validators: { etag: string | null; lastModified: string | null },
  settings: FeedSettings,
  fetcher: typeof fetch = fetch,
): Promise<FeedFetch> {
  const signal = AbortSignal.timeout(settings.FEED_TIMEOUT_MS);
  let target = url;
  try {
    for (let hop = 0; hop <= MAX_REDIRECTS; hop += 1) {
      const checked = checkFeedUrl(target, settings.ENVIRONMENT);
      if (!checked.ok)
        return { kind: "failed", status: null, code: "feed_url_refused", detail: `${target} ${checked.reason}` };
      const headers = new Headers({ accept: "application/json, text/csv;q=0.9, */*;q=0.1" });
      if (validators.etag) headers.set("if-none-match", validators.etag);
      if (validators.lastModified) headers.set("if-modified-since", validators.lastModified);
      const res = await fetcher(checked.url.toString(), { headers, redirect: "manual", signal });
      if (res.status >= 300 && res.status < 400 && res.status !== 304) {
        const location = res.headers.get("location");
        await res.body?.cancel();
        if (!location)
          return {
            kind: "failed",
            status: res.status,
            code: "feed_unreachable",
            detail: "a redirect without Location",
          };
        target = new URL(location, checked.url).toString();
        continue;
      }
      if (res.status === 304) {
        await res.body?.cancel();
        return { kind: "not_modified", status: 304 };
      }
      if (res.status !== 200) {
        await res.body?.cancel();
        return {
          kind: "failed",
          status: res.status,
          code: "feed_unreachable",
          detail: `the feed answered ${res.status}`,
        };
      }
      return {
        kind: "body",
        status: 200,
        body: await readCapped(res, settings.FEED_MAX_BYTES),
        etag: res.headers.get("etag"),
        lastModified: res.headers.get("last-modified"),
      };
    }
    return { kind: "failed", status: null, code: "feed_unreachable", detail: `more than ${MAX_REDIRECTS} redirects` };
  } catch (err) {
    if (err instanceof TooLarge)
      return {
        kind: "failed",
        status: 200,
        code: "feed_too_large",
        detail: `the feed is larger than ${settings.FEED_MAX_BYTES} bytes`,
      };
    const timedOut = err instanceof Error && (err.name === "TimeoutError" || err.name === "AbortError");
    return {
      kind: "failed",
      status: null,
      code: "feed_unreachable",
      detail: timedOut ? `no complete answer within ${settings.FEED_TIMEOUT_MS} ms` : "the feed could not be fetched",
    };
  }
}
