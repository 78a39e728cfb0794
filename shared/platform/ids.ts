/**
 * Prefixed, time-sortable identifiers: `<prefix>_<ULID>`, e.g. `usr_01JD3V8Q4Z6T0S8M2B7F9K1XQW`.
 *
 * The ULID part is 48 bits of millisecond time then 80 random bits from the platform CSPRNG,
 * in Crockford base32, so ids sort by creation time (to the millisecond) and two isolates
 * generating at once collide with probability ~2^-80 per millisecond pair. Order numbers, whose
 * numeric layout the spec fixes, come from their own generator, not from here.
 */

/** Every id type in the system, by prefix. Add a prefix here before using it anywhere. */
export const ID_PREFIXES = {
  user: "usr",
  shop: "shp",
  warehouse: "wh",
  product: "spu",
  sku: "sku",
  request: "req",
  event: "evt",
  deadLetter: "dlq",
  canary: "cny",
  job: "job",
  apiKey: "key",
  address: "adr",
  refund: "rfd",
  payment: "pay",
  shipment: "shm",
  loginLog: "lgn",
  session: "rtf",
  snapshot: "snp",
  operationLog: "opl",
  price: "prc",
  image: "img",
  operation: "op",
  cart: "crt",
  quote: "quo",
  saga: "sga",
  orderItem: "oit",
  statusLog: "osl",
  revision: "rev",
  ledgerTransaction: "ltx",
  voucher: "vch",
  voucherClaim: "vcl",
  voucherUse: "vus",
  thresholdDiscount: "thd",
  orderDiscount: "odc",
  discrepancy: "dsc",
  reconciliationRun: "rcn",
  homeModule: "hmm",
  review: "rvw",
  experiment: "exp",
  flashAdmission: "fsa",
  flashSale: "fls",
  feed: "fed",
  feedRun: "frn",
} as const;

export type IdKind = keyof typeof ID_PREFIXES;
export type IdPrefix = (typeof ID_PREFIXES)[IdKind];

const CROCKFORD = "0123456789ABCDEFGHJKMNPQRSTVWXYZ";

/** A new ULID string (26 chars) for time `nowMs`. */
export function ulid(nowMs: number = Date.now()): string {
  let time = "";
  let t = Math.floor(nowMs);
  for (let i = 0; i < 10; i++) {
    time = CROCKFORD.charAt(t % 32) + time;
    t = Math.floor(t / 32);
  }
  const random = crypto.getRandomValues(new Uint8Array(16));
  let rand = "";
  for (const byte of random) rand += CROCKFORD.charAt(byte % 32);
  return time + rand;
}

/** A new id of the given kind, e.g. `newId("user")` → `usr_01J...`. */
export function newId(kind: IdKind, nowMs?: number): string {
  return `${ID_PREFIXES[kind]}_${ulid(nowMs)}`;
}

const ID_PATTERN = /^[a-z]{2,4}_[0-9A-HJKMNP-TV-Z]{26}$/;

/** Whether `value` is a well-formed id of `kind`. */
export function isId(kind: IdKind, value: string): boolean {
  return value.startsWith(`${ID_PREFIXES[kind]}_`) && ID_PATTERN.test(value);
}
