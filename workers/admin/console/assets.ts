/**
 * The console's static files, served by the admin Worker itself (no CDN, no client build): htmx
 * from the pinned npm package (vendor/htmx.ts, generated), the stylesheet, and a few lines of
 * script that show times in the viewer's time zone and tell the server that zone (a cookie).
 */
import type { AdminApp } from "../app";
import { HTMX_SOURCE, HTMX_VERSION } from "./vendor/htmx";

/** Rewrites each `<time datetime>` in the viewer's zone, on load and after every htmx swap. */
const CONSOLE_SCRIPT = `(() => {
  // (dateStyle and timeStyle cannot be combined with timeZoneName, so the fields are named.)
  const format = new Intl.DateTimeFormat(undefined, {
    year: "numeric", month: "short", day: "numeric", hour: "2-digit", minute: "2-digit", timeZoneName: "short",
  });
  const localize = (root) => {
    for (const el of root.querySelectorAll("time[datetime]")) {
      const date = new Date(el.getAttribute("datetime"));
      if (!Number.isNaN(date.getTime())) el.textContent = format.format(date);
    }
  };
  // Forms with local date-times send the viewer's UTC offset with them (forms.ts: utcFromLocal).
  const offsets = (root) => {
    for (const el of root.querySelectorAll("input[data-tz-offset]")) el.value = String(new Date().getTimezoneOffset());
  };
  // The dashboard's "today" starts at the viewer's midnight: the server reads the zone from this
  // cookie (format.ts: viewerZone). Set on every page, the sign-in page included, so it is there
  // by the first dashboard.
  const zone = Intl.DateTimeFormat().resolvedOptions().timeZone;
  if (zone) document.cookie = "console-tz=" + encodeURIComponent(zone) + "; path=/console; max-age=31536000; samesite=strict";
  document.addEventListener("DOMContentLoaded", () => {
    localize(document);
    offsets(document);
  });
  document.addEventListener("htmx:afterSettle", (event) => localize(event.target));
})();
`;

const CONSOLE_CSS = `
:root { --fg: #1b1f24; --muted: #57606a; --line: #d0d7de; --bg: #fff; --panel: #f6f8fa; --accent: #0b5cad;
  --danger: #a40e26; --ok: #116329; --warn: #7d4e00; font-family: system-ui, -apple-system, "Segoe UI", sans-serif; }
* { box-sizing: border-box; }
body { margin: 0; color: var(--fg); background: var(--bg); line-height: 1.45; }
a { color: var(--accent); }
.skip { position: absolute; left: -999px; top: 0; background: var(--bg); padding: .5rem; }
.skip:focus { left: .5rem; z-index: 10; }
header.top { display: flex; flex-wrap: wrap; gap: .5rem 1rem; align-items: center; justify-content: space-between;
  padding: .5rem 1rem; background: var(--panel); border-bottom: 1px solid var(--line); }
header.top .brand { font-weight: 700; text-decoration: none; color: var(--fg); }
header.top nav ul { display: flex; flex-wrap: wrap; gap: .25rem .9rem; list-style: none; margin: 0; padding: 0; }
header.top nav a[aria-current="page"] { font-weight: 700; text-decoration: none; color: var(--fg); }
header.top .who { display: flex; gap: .5rem; align-items: center; color: var(--muted); font-size: .9rem; }
main { max-width: 1200px; margin: 0 auto; padding: 1rem; }
h1 { font-size: 1.5rem; margin: .5rem 0 1rem; }
/* Ids (rfd_…, spu_…) are long unbroken words: on a phone they wrap instead of widening the page. */
h1, h2, p { overflow-wrap: anywhere; }
h2 { font-size: 1.15rem; margin: 1.5rem 0 .5rem; }
.table-wrap { overflow-x: auto; }
table { border-collapse: collapse; width: 100%; font-size: .95rem; }
th, td { text-align: left; padding: .4rem .5rem; border-bottom: 1px solid var(--line); vertical-align: top; }
th { background: var(--panel); }
td.num, th.num { text-align: right; font-variant-numeric: tabular-nums; }
form.inline { display: inline; }
form.stack { display: grid; gap: .75rem; max-width: 40rem; }
form.row { display: flex; flex-wrap: wrap; gap: .5rem; align-items: end; margin: .5rem 0; }
label { display: grid; grid-template-columns: minmax(0, 1fr); gap: .2rem; font-weight: 600; font-size: .9rem; min-width: 0; }
select { max-width: 100%; }
label.check { display: flex; gap: .4rem; align-items: center; font-weight: 400; }
input, select, textarea, button { font: inherit; padding: .4rem .5rem; border: 1px solid var(--line); border-radius: 4px; }
textarea { width: 100%; font-family: ui-monospace, monospace; font-size: .85rem; }
button { background: var(--accent); color: #fff; border-color: var(--accent); cursor: pointer; }
button.secondary { background: var(--bg); color: var(--accent); }
button.danger { background: var(--danger); border-color: var(--danger); }
:focus-visible { outline: 3px solid #f0b400; outline-offset: 2px; }
.notice, .problem { padding: .6rem .8rem; border-radius: 4px; margin: .75rem 0; }
.notice { background: #dafbe1; border: 1px solid #4ac26b; }
.problem { background: #ffebe9; border: 1px solid #ff8182; }
.problem h2 { margin: 0 0 .25rem; font-size: 1rem; }
.secret { font-family: ui-monospace, monospace; word-break: break-all; background: #fff8c5; padding: .5rem; }
.badge { display: inline-block; padding: 0 .45rem; border-radius: 1rem; font-size: .8rem; border: 1px solid var(--line);
  background: var(--panel); white-space: nowrap; }
.cards { display: grid; grid-template-columns: repeat(auto-fit, minmax(12rem, 1fr)); gap: .75rem; }
.card { border: 1px solid var(--line); border-radius: 6px; padding: .75rem; }
.card .value { font-size: 1.6rem; font-weight: 700; }
.muted { color: var(--muted); }
progress { width: 100%; height: 1.25rem; }
pre { white-space: pre-wrap; word-break: break-word; background: var(--panel); padding: .5rem; font-size: .8rem; }
dl.facts { display: grid; grid-template-columns: max-content minmax(0, 1fr); gap: .25rem 1rem; }
dl.facts dt { font-weight: 600; }
dl.facts dd { margin: 0; overflow-wrap: anywhere; }
.charts { display: grid; grid-template-columns: repeat(auto-fit, minmax(22rem, 1fr)); gap: 1rem; }
figure.chart { margin: 0; min-width: 0; }
figure.chart figcaption { font-weight: 600; margin-bottom: .25rem; }
.chart-bar { fill: var(--accent); }
.chart-bar.danger { fill: var(--danger); }
.chart-label, .chart-value { font-size: 12px; fill: var(--fg); }
.chart-grid line { stroke: var(--line); }
details.figures summary { cursor: pointer; margin: .5rem 0; }
@media (max-width: 640px) { main { padding: .5rem; } th, td { padding: .3rem; } header.top { padding: .5rem; } }
/* A table whose rows become labelled cards on a phone (cells carry data-label), instead of scrolling. */
.cards-on-phone tbody th { background: none; font-weight: 400; }
@media (max-width: 640px) {
  .cards-on-phone thead { position: absolute; width: 1px; height: 1px; overflow: hidden; clip-path: inset(50%); }
  .cards-on-phone table, .cards-on-phone caption, .cards-on-phone tbody, .cards-on-phone tr { display: block; }
  .cards-on-phone tr { border-bottom: 1px solid var(--line); padding: .4rem 0; }
  .cards-on-phone tbody th, .cards-on-phone td { display: grid; grid-template-columns: 7.5rem minmax(0, 1fr); gap: .5rem;
    justify-items: start; border: 0; padding: .15rem .3rem; text-align: left; overflow-wrap: anywhere; }
  .cards-on-phone tbody th::before, .cards-on-phone td::before { content: attr(data-label); font-weight: 600; }
  .cards-on-phone td:empty { display: none; }
}
`;

/** Versioned paths: htmx's changes with its package version, so it may be cached for good. */
export const ASSET_PATHS = {
  htmx: `/console/assets/htmx-${HTMX_VERSION}.js`,
  script: "/console/assets/console.js",
  css: "/console/assets/console.css",
};

export function registerConsoleAssets(app: AdminApp): void {
  const serve = (path: string, body: string, type: string, cache: string) =>
    app.get(path, (c) => c.body(body, 200, { "content-type": type, "cache-control": cache }));
  serve(ASSET_PATHS.htmx, HTMX_SOURCE, "text/javascript; charset=utf-8", "public, max-age=31536000, immutable");
  serve(ASSET_PATHS.script, CONSOLE_SCRIPT, "text/javascript; charset=utf-8", "public, max-age=300");
  serve(ASSET_PATHS.css, CONSOLE_CSS, "text/css; charset=utf-8", "public, max-age=300");
}
