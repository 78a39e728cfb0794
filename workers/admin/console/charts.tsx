/** @jsxImportSource hono/jsx */
/**
 * Charts drawn on the server as inline SVG (no chart library, no script): horizontal bars, one
 * per labelled value, scaled to the largest, and columns over time, one per slot of a series.
 * Each chart is an image with its own accessible name and every bar a `<title>` with its figure;
 * the page keeps the same numbers in a table.
 */

export interface Bar {
  label: string;
  value: number;
  /** How the value is written beside its bar ("1,840", "120 ms"). */
  text: string;
}

const ROW_HEIGHT = 22;
const LABEL_WIDTH = 260;
const BAR_WIDTH = 300;
const TEXT_WIDTH = 90;

/** A label cut to what fits in the label column (SVG text does not wrap). */
function fitted(label: string): string {
  return label.length > 38 ? `${label.slice(0, 37)}…` : label;
}

export function BarChart({ title, bars, tone = "accent" }: { title: string; bars: Bar[]; tone?: "accent" | "danger" }) {
  const max = Math.max(1, ...bars.map((b) => b.value));
  const width = LABEL_WIDTH + BAR_WIDTH + TEXT_WIDTH;
  const height = Math.max(1, bars.length) * ROW_HEIGHT + 4;
  return (
    <figure class="chart">
      <figcaption>{title}</figcaption>
      {bars.length === 0 ? (
        <p class="muted">Nothing counted in this window.</p>
      ) : (
        <svg
          viewBox={`0 0 ${width} ${height}`}
          width="100%"
          role="img"
          aria-label={`${title}: ${bars.map((b) => `${b.label} ${b.text}`).join("; ")}`}
          preserveAspectRatio="xMinYMin meet"
        >
          {bars.map((b, i) => {
            const y = i * ROW_HEIGHT + 2;
            const w = Math.max(b.value > 0 ? 2 : 0, Math.round((b.value / max) * BAR_WIDTH));
            return (
              <g>
                <title>{`${b.label}: ${b.text}`}</title>
                <text x={LABEL_WIDTH - 6} y={y + 15} text-anchor="end" class="chart-label">
                  {fitted(b.label)}
                </text>
                <rect x={LABEL_WIDTH} y={y + 3} width={w} height={ROW_HEIGHT - 6} class={`chart-bar ${tone}`} />
                <text x={LABEL_WIDTH + w + 6} y={y + 15} class="chart-value">
                  {b.text}
                </text>
              </g>
            );
          })}
        </svg>
      )}
    </figure>
  );
}

/** One point of a series: its slot's start and value (null: nothing to measure, e.g. p99 without requests). */
export interface SeriesPoint {
  at: string;
  value: number | null;
}

// About the width a chart gets in the page's grid, so its 12px labels stay about 12px.
const SERIES_WIDTH = 420;
const SERIES_HEIGHT = 160;
const SERIES_LEFT = 76;
const SERIES_RIGHT = 8;
const SERIES_TOP = 10;
const SERIES_BOTTOM = 22;
const X_TICKS = 4;

/** The smallest 1, 2 or 5 × 10ⁿ at or above `n`, so the axis reads in round numbers. */
function roundedUp(n: number): number {
  if (n <= 1) return 1;
  const magnitude = 10 ** Math.floor(Math.log10(n));
  return ([1, 2, 5, 10].find((f) => f * magnitude >= n) ?? 10) * magnitude;
}

/** A slot's wall-clock time in the viewer's zone ("14:05", or "Dec 2, 14:05" over more than a day). */
export function clockIn(zone: string, withDate: boolean): (at: string) => string {
  const format = new Intl.DateTimeFormat("en", {
    timeZone: zone,
    hourCycle: "h23",
    hour: "2-digit",
    minute: "2-digit",
    ...(withDate ? { month: "short", day: "numeric" } : {}),
  });
  return (at) => format.format(new Date(at));
}

/**
 * A series over time as columns, one per slot, drawn on the server: a y axis in round numbers, a
 * few times on the x axis in the viewer's zone (`clock`), each column's figure in its `<title>`.
 * An image named by its `<title>` and described by its `<desc>` (span, highest, and `total` when
 * given); the page keeps every figure in a table for screen readers.
 */
export function SeriesChart({
  id,
  title,
  points,
  text,
  clock,
  total,
  tone = "accent",
}: {
  id: string;
  title: string;
  points: SeriesPoint[];
  /** How a value is written ("1,840", "≤ 120 ms"). */
  text: (value: number) => string;
  clock: (at: string) => string;
  total?: string;
  tone?: "accent" | "danger";
}) {
  const first = points[0];
  const last = points.at(-1);
  const plotWidth = SERIES_WIDTH - SERIES_LEFT - SERIES_RIGHT;
  const plotHeight = SERIES_HEIGHT - SERIES_TOP - SERIES_BOTTOM;
  const highest = points.reduce<SeriesPoint | undefined>(
    (top, p) => (p.value !== null && p.value > (top?.value ?? 0) ? p : top),
    undefined,
  );
  const max = roundedUp(highest?.value ?? 0);
  const slot = plotWidth / Math.max(1, points.length);
  const columnWidth = Math.max(1, slot * 0.8);
  const y = (value: number) => SERIES_TOP + plotHeight - (value / max) * plotHeight;
  const ticks = [
    ...new Set(Array.from({ length: X_TICKS }, (_, i) => Math.round((i * (points.length - 1)) / (X_TICKS - 1)))),
  ];
  const description =
    !first || !last
      ? "No points."
      : [
          `${points.length} points from ${clock(first.at)} to ${clock(last.at)}.`,
          highest ? `Highest ${text(highest.value ?? 0)} at ${clock(highest.at)}.` : "Nothing counted.",
          total ? `Total ${total}.` : "",
        ]
          .filter(Boolean)
          .join(" ");
  return (
    <figure class="chart">
      <figcaption id={`${id}-caption`}>{title}</figcaption>
      <svg
        viewBox={`0 0 ${SERIES_WIDTH} ${SERIES_HEIGHT}`}
        width="100%"
        role="img"
        aria-labelledby={`${id}-title ${id}-desc`}
        preserveAspectRatio="xMinYMin meet"
        data-testid={id}
      >
        <title id={`${id}-title`}>{title}</title>
        <desc id={`${id}-desc`}>{description}</desc>
        {(Number.isInteger(max / 2) ? [0, max / 2, max] : [0, max]).map((v) => (
          <g class="chart-grid">
            <line x1={SERIES_LEFT} x2={SERIES_WIDTH - SERIES_RIGHT} y1={y(v)} y2={y(v)} />
            <text x={SERIES_LEFT - 6} y={y(v) + 4} text-anchor="end" class="chart-label">
              {text(v)}
            </text>
          </g>
        ))}
        {points.map((p, i) =>
          p.value === null || p.value <= 0 ? null : (
            <rect
              x={SERIES_LEFT + i * slot + (slot - columnWidth) / 2}
              y={y(p.value)}
              width={columnWidth}
              height={Math.max(1, SERIES_TOP + plotHeight - y(p.value))}
              class={`chart-bar ${tone}`}
            >
              <title>{`${clock(p.at)}: ${text(p.value)}`}</title>
            </rect>
          ),
        )}
        {ticks.map((i) => {
          const p = points[i];
          if (!p) return null;
          const anchor = i === 0 ? "start" : i === points.length - 1 ? "end" : "middle";
          const x =
            i === 0
              ? SERIES_LEFT
              : i === points.length - 1
                ? SERIES_WIDTH - SERIES_RIGHT
                : SERIES_LEFT + (i + 0.5) * slot;
          return (
            <text x={x} y={SERIES_HEIGHT - 6} text-anchor={anchor} class="chart-label">
              {clock(p.at)}
            </text>
          );
        })}
      </svg>
    </figure>
  );
}
