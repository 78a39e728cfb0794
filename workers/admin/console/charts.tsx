/** @jsxImportSource hono/jsx */
/**
 * Charts drawn on the server as inline SVG (no chart library, no script): horizontal bars, one
 * per labelled value, scaled to the largest. Each chart is an image with its own accessible name
 * and every bar a `<title>` with its figure; the page keeps the same numbers in a table.
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
