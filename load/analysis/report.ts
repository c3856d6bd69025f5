import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import type { Analysis } from "./grade";
import type { Bucket } from "./timeline";

/**
 * A self-contained HTML report: uPlot (a small, well-kept chart library; its minified script and
 * CSS inlined, so the file opens anywhere without a network) draws latency, throughput and hit
 * rate over time and the percentiles of each page group; tables give the grades and patterns.
 */
const require = createRequire(import.meta.url);

function asset(file: string): string {
  return readFileSync(require.resolve(`uplot/dist/${file}`), "utf8");
}

const html = (s: string) =>
  s.replace(/[&<>"']/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" })[c] ?? c);

export interface Comparison {
  label: string;
  baseline: Analysis;
  rows: { metric: string; on: number; off: number; ratio: number; unit: string }[];
}

export interface ReportInput {
  analysis: Analysis;
  buckets: Bucket[];
  cacheSamples: { t: number; reads: number; hits: number }[];
  comparison?: Comparison;
  note?: string;
}

const GRADE_COLOR: Record<string, string> = { A: "#1a7f37", B: "#4d9a2a", C: "#b08800", D: "#d1570f", F: "#cf222e" };

export function renderReport({ analysis: a, buckets, cacheSamples, comparison, note }: ReportInput): string {
  // Server-side hit rate between consecutive metrics samples.
  const serverHits: { t: number; rate: number }[] = [];
  for (let i = 1; i < cacheSamples.length; i++) {
    const prev = cacheSamples[i - 1];
    const cur = cacheSamples[i];
    if (!prev || !cur) continue;
    const reads = cur.reads - prev.reads;
    if (reads > 0) serverHits.push({ t: cur.t, rate: (100 * (cur.hits - prev.hits)) / reads });
  }
  const data = {
    t: buckets.map((b) => b.t),
    p50: buckets.map((b) => (b.reqs ? b.p50 : null)),
    p95: buckets.map((b) => (b.reqs ? b.p95 : null)),
    p99: buckets.map((b) => (b.reqs ? b.p99 : null)),
    vus: buckets.map((b) => b.vus || null),
    rps: buckets.map((b) => b.rps),
    failed: buckets.map((b) => b.failed),
    hit: buckets.map((b) => (b.hitRate === null ? null : 100 * b.hitRate)),
    serverHitT: serverHits.map((s) => s.t),
    serverHit: serverHits.map((s) => s.rate),
    pages: a.pages.filter((p) => p.count > 0).map((p) => ({ page: p.page, p50: p.p50, p95: p.p95, p99: p.p99 })),
  };
  const criteria = a.criteria
    .map(
      (c) =>
        `<tr><td>${html(c.label)}</td><td class="grade" style="color:${GRADE_COLOR[c.grade ?? ""] ?? "#666"}">${c.grade ?? "–"}</td><td>${html(c.shown)}</td><td class="muted">${html(c.scale)}</td></tr>`,
    )
    .join("");
  const patterns = a.patterns.length
    ? `<ul>${a.patterns.map((p) => `<li><b>${html(p.kind)}</b> — ${html(p.subject)}: ${html(p.detail)}</li>`).join("")}</ul>`
    : "<p>None found.</p>";
  const recs = a.recommendations.length
    ? `<ol>${a.recommendations.map((r) => `<li>${html(r)}</li>`).join("")}</ol>`
    : "<p>Nothing to change.</p>";
  const queries = a.queries
    .filter((q) => q.reads > 0)
    .map(
      (q) =>
        `<tr><td>${html(q.name)}</td><td>${q.reads}</td><td>${(100 * q.hitRate).toFixed(1)} %</td><td>${q.misses}</td><td>${q.stale}</td><td>${q.loads}</td></tr>`,
    )
    .join("");
  const tags = a.tags.map((t) => `<tr><td>${html(t.family)}</td><td>${t.read}</td><td>${t.purged}</td></tr>`).join("");
  const compare = comparison
    ? `<h2>Cache on vs ${html(comparison.label)}</h2><table><tr><th>metric</th><th>cache on</th><th>${html(comparison.label)}</th><th>on ÷ off</th></tr>${comparison.rows
        .map(
          (r) =>
            `<tr><td>${html(r.metric)}</td><td>${r.on.toFixed(1)} ${r.unit}</td><td>${r.off.toFixed(1)} ${r.unit}</td><td><b>${r.ratio.toFixed(2)}×</b></td></tr>`,
        )
        .join("")}</table><p class="muted">Baseline grade: ${comparison.baseline.grade}.</p>`
    : "";
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Load run ${html(a.id)}: grade ${a.grade}</title>
<meta name="viewport" content="width=device-width, initial-scale=1">
<style>/* biome-ignore-all lint: uPlot's own stylesheet, inlined as published */
${asset("uPlot.min.css")}
body{font:14px/1.45 system-ui,sans-serif;margin:24px auto;max-width:1100px;padding:0 16px;color:#1f2328}
h1{margin-bottom:4px}.muted{color:#656d76}.big{font-size:64px;font-weight:700;line-height:1}
table{border-collapse:collapse;margin:8px 0 16px}td,th{border-bottom:1px solid #d0d7de;padding:4px 10px;text-align:left;vertical-align:top}
.grade{font-weight:700;font-size:18px;text-align:center}.head{display:flex;gap:32px;align-items:center}
.charts{display:grid;grid-template-columns:1fr;gap:8px}.chart{margin:8px 0 20px}
</style></head><body>
<div class="head"><div class="big" style="color:${GRADE_COLOR[a.grade]}">${a.grade}</div><div>
<h1>${html(a.script)} — ${html(a.id)}</h1>
<div class="muted">engine ${html(a.engine)} · CACHE_MODE=${html(a.cacheMode)} · ${a.totals.durationS.toFixed(0)} s ·
${a.totals.requests} requests (${a.totals.rps.toFixed(1)}/s) · p50 ${a.totals.p50.toFixed(0)} ms · p95 ${a.totals.p95.toFixed(0)} ms ·
p99 ${a.totals.p99.toFixed(0)} ms · failed ${(100 * a.totals.failedRate).toFixed(3)} %</div>
${note ? `<p class="muted">${html(note)}</p>` : ""}</div></div>
<h2>Grades</h2><table><tr><th>criterion</th><th>grade</th><th>measured</th><th>scale (docs/load.md)</th></tr>${criteria}</table>
${compare}
<h2>Over time</h2><div class="charts"><div class="chart" id="latency"></div><div class="chart" id="throughput"></div><div class="chart" id="hits"></div></div>
<h2>Percentiles by page group</h2><div class="chart" id="pages"></div>
<h2>Patterns</h2>${patterns}
<h2>Recommendations</h2>${recs}
<h2>Queries (the app's metrics, during the run)</h2><table><tr><th>query</th><th>reads</th><th>hit rate</th><th>misses</th><th>stale</th><th>loads</th></tr>${queries}</table>
<h2>Tags read and purged (X-Cache-Tags, X-Cache-Invalidate)</h2><table><tr><th>family</th><th>read</th><th>purged</th></tr>${tags}</table>
<script>/* biome-ignore-all lint: uPlot's own minified build, inlined as published */
${asset("uPlot.iife.min.js")}</script>
<script>/* biome-ignore-all lint: generated chart code */
const D = ${JSON.stringify(data)};
const W = Math.min(1060, document.body.clientWidth - 20);
const sec = (u, v) => v.map((x) => x + " s");
new uPlot({ title: "Latency (ms) and VUs", width: W, height: 300,
  scales: { x: { time: false }, vus: { auto: true } },
  axes: [{ values: sec }, { label: "ms" }, { side: 1, scale: "vus", label: "VUs", grid: { show: false } }],
  series: [{ label: "t" }, { label: "p50", stroke: "#0969da" }, { label: "p95", stroke: "#d1570f" },
    { label: "p99", stroke: "#cf222e" }, { label: "VUs", stroke: "#8c959f", dash: [4, 4], scale: "vus" }] },
  [D.t, D.p50, D.p95, D.p99, D.vus], document.getElementById("latency"));
new uPlot({ title: "Throughput (requests/s) and failed requests", width: W, height: 240,
  scales: { x: { time: false } }, axes: [{ values: sec }, { label: "req/s" }],
  series: [{ label: "t" }, { label: "req/s", stroke: "#1a7f37", fill: "rgba(26,127,55,0.08)" },
    { label: "failed", stroke: "#cf222e" }] },
  [D.t, D.rps, D.failed], document.getElementById("throughput"));
new uPlot({ title: "Cache hit rate (%): pages (X-Cache) and queries (the app's metrics)", width: W, height: 240,
  scales: { x: { time: false }, y: { range: [0, 100] } }, axes: [{ values: sec }, { label: "%" }],
  series: [{ label: "t" }, { label: "pages (X-Cache: HIT)", stroke: "#8250df", spanGaps: true }] },
  [D.t, D.hit], document.getElementById("hits"));
if (D.serverHitT.length > 1) {
  new uPlot({ title: "Query hit rate (%) between metrics samples (every 5 s)", width: W, height: 200,
    scales: { x: { time: false }, y: { range: [0, 100] } }, axes: [{ values: sec }, { label: "%" }],
    series: [{ label: "t" }, { label: "queries", stroke: "#bf3989" }] },
    [D.serverHitT, D.serverHit], document.getElementById("hits").appendChild(document.createElement("div")));
}
// Grouped bars: x = group × 4 + 0/1/2 for p50/p95/p99.
const xs = [], s50 = [], s95 = [], s99 = [];
D.pages.forEach((p, i) => { for (let k = 0; k < 3; k++) { xs.push(i * 4 + k);
  s50.push(k === 0 ? p.p50 : null); s95.push(k === 1 ? p.p95 : null); s99.push(k === 2 ? p.p99 : null); } });
const bars = uPlot.paths.bars({ size: [0.9, 40] });
new uPlot({ title: "p50 / p95 / p99 by page group (ms)", width: W, height: 300,
  scales: { x: { time: false, range: [-1, D.pages.length * 4 - 1] } },
  axes: [{ splits: () => D.pages.map((_, i) => i * 4 + 1), values: (u, v) => v.map((x) => D.pages[(x - 1) / 4]?.page ?? "") },
    { label: "ms" }],
  series: [{ label: "group" }, { label: "p50", fill: "#0969da", stroke: "#0969da", paths: bars, points: { show: false } },
    { label: "p95", fill: "#d1570f", stroke: "#d1570f", paths: bars, points: { show: false } },
    { label: "p99", fill: "#cf222e", stroke: "#cf222e", paths: bars, points: { show: false } }] },
  [xs, s50, s95, s99], document.getElementById("pages"));
</script></body></html>
`;
}
