/**
 * Which URLs the platform fetches for a seller (SSRF): a feed URL is chosen by a seller, so it
 * must never make the platform call its own or anyone's private network. Production and staging
 * take `https` on the default port to a host name or a public address only; loopback, private,
 * link-local (cloud metadata at 169.254.169.254), CGNAT, multicast and reserved ranges, IPv6
 * unique-local, link-local and IPv4-mapped addresses, `localhost`, `.local`, `.internal`,
 * `.home.arpa` and single-label names are refused, and so are credentials in the URL. Local
 * development and tests (ENVIRONMENT development/test) also take `http` and loopback hosts, so a
 * seller can try a feed served on their own machine. Every redirect hop is checked again
 * (feed-fetch.ts). A name that resolves to a private address cannot be seen from a Worker (no
 * DNS API); Workers' fetch does not reach private networks, which covers that case.
 */

export type FeedUrlCheck = { ok: true; url: URL } | { ok: false; reason: string };

/** Whether the platform's config says local development (or tests), where loopback feeds are allowed. */
export function isDevEnvironment(environment: string): boolean {
  return environment === "development" || environment === "test";
}

const BLOCKED_V4: readonly [number, number][] = [
  [0x00000000, 8], // "this network"
  [0x0a000000, 8], // private
  [0x64400000, 10], // carrier-grade NAT
  [0x7f000000, 8], // loopback
  [0xa9fe0000, 16], // link-local, cloud metadata
  [0xac100000, 12], // private
  [0xc0000000, 24], // IETF protocol assignments
  [0xc0000200, 24], // TEST-NET-1
  [0xc0a80000, 16], // private
  [0xc6120000, 15], // benchmarking
  [0xc6336400, 24], // TEST-NET-2
  [0xcb007100, 24], // TEST-NET-3
  [0xe0000000, 4], // multicast
  [0xf0000000, 4], // reserved, broadcast
];

function v4Number(host: string): number | null {
  const parts = host.split(".");
  if (parts.length !== 4 || !parts.every((p) => /^\d{1,3}$/.test(p) && Number(p) <= 255)) return null;
  return parts.reduce((n, p) => n * 256 + Number(p), 0);
}

function blockedV4(n: number): boolean {
  return BLOCKED_V4.some(([base, bits]) => Math.floor(n / 2 ** (32 - bits)) === Math.floor(base / 2 ** (32 - bits)));
}

/** An IPv6 literal (without brackets) that is not a public unicast address. */
function blockedV6(host: string): boolean {
  const h = host.toLowerCase();
  if (h === "::" || h === "::1") return true;
  // IPv4-mapped or -translated forms reach IPv4 addresses: refuse them all rather than decode each form.
  if (h.startsWith("::ffff:") || h.startsWith("64:ff9b:") || h.includes(".")) return true;
  const first = Number.parseInt(h.split(":")[0] || "0", 16);
  if ((first & 0xfe00) === 0xfc00) return true; // unique local fc00::/7
  if ((first & 0xffc0) === 0xfe80) return true; // link-local fe80::/10
  if ((first & 0xff00) === 0xff00) return true; // multicast
  return h.startsWith("::"); // other compatibility forms
}

function isLoopbackHost(host: string): boolean {
  if (host === "localhost" || host.endsWith(".localhost") || host === "[::1]") return true;
  const v4 = v4Number(host);
  return v4 !== null && Math.floor(v4 / 2 ** 24) === 127;
}

/** Checks a feed URL (or a redirect's target) against the fetching policy of `environment`. */
export function checkFeedUrl(raw: string, environment: string): FeedUrlCheck {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    return { ok: false, reason: "is not an absolute URL" };
  }
  if (url.username || url.password) return { ok: false, reason: "must not carry credentials" };
  // The URL parser has already normalised the host (lower case, 0x7f.1 or 2130706433 as 127.0.0.1).
  const host = url.hostname;
  if (isDevEnvironment(environment) && isLoopbackHost(host)) {
    return url.protocol === "http:" || url.protocol === "https:"
      ? { ok: true, url }
      : { ok: false, reason: "must be an http or https URL" };
  }
  if (url.protocol !== "https:") return { ok: false, reason: "must be an https URL" };
  if (url.port !== "") return { ok: false, reason: "must use the default https port" };
  if (host.startsWith("[")) {
    return blockedV6(host.slice(1, -1))
      ? { ok: false, reason: "must not address a private, loopback or link-local IPv6 address" }
      : { ok: true, url };
  }
  const v4 = v4Number(host);
  if (v4 !== null) {
    return blockedV4(v4)
      ? { ok: false, reason: "must not address a private, loopback, link-local or reserved address" }
      : { ok: true, url };
  }
  if (!host.includes(".")) return { ok: false, reason: "must name a public host (a fully qualified name)" };
  if (/(^|\.)(localhost|local|internal|home\.arpa|localdomain)$/.test(host))
    return { ok: false, reason: "must name a public host, not a local or internal one" };
  return { ok: true, url };
}
