/** The peak from the command line (`--orders-per-second 583000 --browse-qps 2000000 ...`), shared by plan and simulate. */
import { parseArgs } from "node:util";
import { DEFAULT_PEAK, type Peak } from "./model.ts";

const NUMBERS = {
  "orders-per-second": "ordersPerSecond",
  "browse-qps": "browseQps",
  utilization: "utilization",
  headroom: "headroom",
  "hot-sku-share": "hotSkuShare",
  "lines-per-order": "linesPerOrder",
  "requests-per-order": "requestsPerOrder",
  "retention-hours": "retentionHoursAtPeak",
  "network-ms": "networkMsPerHop",
  "d1-ms-per-order": "d1MsPerOrder",
} as const satisfies Record<string, keyof Peak>;

/** The peak and any extra options (`extra` names them with their defaults); a bad flag exits with its message. */
export function readPeak<E extends Record<string, string>>(
  argv: string[],
  extra: E,
): { peak: Peak; options: Record<keyof E, string> } {
  try {
    return parse(argv, extra);
  } catch (err) {
    console.error(
      `${err instanceof Error ? err.message : String(err)}\nflags: --${[...Object.keys(NUMBERS), ...Object.keys(extra)].join(" --")}`,
    );
    process.exit(2);
  }
}

function parse<E extends Record<string, string>>(
  argv: string[],
  extra: E,
): { peak: Peak; options: Record<keyof E, string> } {
  const { values } = parseArgs({
    args: argv,
    options: Object.fromEntries(
      [...Object.keys(NUMBERS), ...Object.keys(extra)].map((name) => [name, { type: "string" as const }]),
    ),
    strict: true,
  });
  const peak: Peak = { ordersPerSecond: 1000, browseQps: 0, ...DEFAULT_PEAK };
  for (const [flag, key] of Object.entries(NUMBERS)) {
    const raw = values[flag];
    if (raw === undefined) continue;
    const value = Number(raw);
    if (!Number.isFinite(value) || value < 0) throw new Error(`--${flag} must be a number ≥ 0, not ${raw}`);
    peak[key] = value;
  }
  if (peak.utilization <= 0 || peak.utilization >= 1) throw new Error("--utilization must be between 0 and 1");
  if (peak.ordersPerSecond <= 0) throw new Error("--orders-per-second must be > 0");
  const options = Object.fromEntries(
    Object.entries(extra).map(([name, fallback]) => [name, String(values[name] ?? fallback)]),
  ) as Record<keyof E, string>;
  return { peak, options };
}
