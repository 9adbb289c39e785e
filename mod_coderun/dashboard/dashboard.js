// The coderun dashboard: asks for an API key once, then draws the figures of
// GET ../reports/* (the module's JSON) with Chart.js, refreshing on a timer.
// Each chart's numbers are also in a table under it (readable without the
// canvas, and what the browser tests check).
"use strict";

const LIVE_EVERY_MS = 5000;
const HISTORY_EVERY_MS = 30000;
const DAYS = Number(new URLSearchParams(location.search).get("days")) || 30;
const KEY_ITEM = "coderun.key";
const PALETTE = ["#2563eb", "#ea580c", "#16a34a", "#9333ea", "#db2777", "#0891b2", "#ca8a04", "#4b5563"];
const VERDICT_COLOURS = {
  ok: "#16a34a", wrong_answer: "#ea580c", runtime_error: "#dc2626", time_limit: "#9333ea",
  memory_limit: "#db2777", output_limit: "#ca8a04", security_violation: "#111827", compile_error: "#0891b2",
};

const $ = (id) => document.getElementById(id);
const charts = {};
let timers = [];
let notYetShown = new Set();    // the refreshes still to succeed since start()

// ------------------------------------------------------------------ the key

function takeKeyFromFragment() {
  const m = location.hash.match(/(?:^#|&)key=([^&]+)/);
  if (!m) return;
  sessionStorage.setItem(KEY_ITEM, decodeURIComponent(m[1]));
  // The token leaves the address bar (and the history) at once.
  history.replaceState(null, "", location.pathname + location.search);
}

function askForKey(message) {
  timers.forEach(clearTimeout);
  timers = [];
  sessionStorage.removeItem(KEY_ITEM);
  $("board").hidden = true;
  $("forget").hidden = true;
  $("key-form").hidden = false;
  $("key-error").textContent = message || "";
  $("key-input").focus();
}

class Unauthorized extends Error {}

async function report(name, query) {
  const res = await fetch(`../reports/${name}${query || ""}`, {
    headers: { "x-api-key": sessionStorage.getItem(KEY_ITEM) }, cache: "no-store",
  });
  const body = await res.json().catch(() => ({}));
  if (res.status === 401) throw new Unauthorized(body.error || "The API key is not valid.");
  if (!res.ok) throw new Error(`${name}: ${body.error || res.status}`);
  return body;
}

// ------------------------------------------------------------------ helpers

function formatAge(seconds) {
  if (seconds < 60) return `${Math.round(seconds)} s`;
  if (seconds < 3600) return `${Math.floor(seconds / 60)} min ${Math.round(seconds % 60)} s`;
  return `${Math.floor(seconds / 3600)} h ${Math.round((seconds % 3600) / 60)} min`;
}

const round = (x, digits) => (x === null || x === undefined ? "–" : Number(x).toFixed(digits));
const unique = (values) => [...new Set(values)].sort();
const colour = (i) => PALETTE[i % PALETTE.length];

// The days of the report, oldest first, as YYYY-MM-DD (UTC, like the views).
function lastDays(n) {
  const today = Date.UTC(new Date().getUTCFullYear(), new Date().getUTCMonth(), new Date().getUTCDate());
  return Array.from({ length: n }, (_, i) => new Date(today - (n - 1 - i) * 86400000).toISOString().slice(0, 10));
}

// The table of a chart's figures: head cells and rows of cells.
function figures(sectionId, head, rows) {
  const section = $(sectionId);
  let details = section.querySelector("details");
  if (!details) {
    details = document.createElement("details");
    details.innerHTML = "<summary>Figures</summary><table class=\"figures\"><thead></thead><tbody></tbody></table>";
    section.appendChild(details);
  }
  details.querySelector("thead").innerHTML = "<tr>" + head.map((h) => `<th>${h}</th>`).join("") + "</tr>";
  const body = details.querySelector("tbody");
  body.replaceChildren(...rows.map((cells) => {
    const tr = document.createElement("tr");
    cells.forEach((c) => { const td = document.createElement("td"); td.textContent = c; tr.appendChild(td); });
    return tr;
  }));
  if (!rows.length) body.innerHTML = `<tr><td colspan="${head.length}" class="muted">No data yet</td></tr>`;
}

function axes(xTitle, yTitle, opts) {
  const o = opts || {};
  return {
    x: { stacked: !!o.stacked, title: { display: true, text: xTitle }, ticks: { maxRotation: 0, autoSkip: true } },
    y: { stacked: !!o.stacked, beginAtZero: true, title: { display: true, text: yTitle },
         ticks: o.counts ? { precision: 0 } : {} },
  };
}

// Draws (or redraws in place) the chart of a section.
function draw(sectionId, type, labels, datasets, scales, extra) {
  const section = $(sectionId);
  const data = { labels, datasets };
  if (charts[sectionId]) {
    charts[sectionId].data = data;
    charts[sectionId].update("none");
  } else {
    charts[sectionId] = new Chart(section.querySelector("canvas"), Object.assign({
      type, data,
      options: {
        animation: false, responsive: true, maintainAspectRatio: false, scales,
        interaction: { mode: "index", intersect: false },
        plugins: { legend: { position: "bottom", labels: { boxWidth: 12 } } },
      },
    }, extra || {}));
  }
  section.dataset.drawn = "yes";
}

// ------------------------------------------------------------------ live

function showLive(live) {
  $("scope").textContent = live.scope === "all" ? "all keys" : "this key's jobs only";
  $("queued").textContent = live.queued;
  $("running").textContent = live.running;
  $("oldest").textContent = live.queued ? formatAge(live.oldest_queued_seconds) : "none";
  $("oldest").dataset.seconds = live.oldest_queued_seconds;
  const busy = live.workers.reduce((s, w) => s + w.busy, 0);
  const slots = live.workers.reduce((s, w) => s + w.slots, 0);
  $("worker-count").textContent = live.workers.length;
  $("slot-use").textContent = `${busy} of ${slots} slots busy`;
  const tbody = $("workers").querySelector("tbody");
  tbody.replaceChildren(...live.workers.map((w) => {
    const tr = document.createElement("tr");
    [w.worker, w.mode, `${w.busy} / ${w.slots}`].forEach((c) => {
      const td = document.createElement("td"); td.textContent = c; tr.appendChild(td);
    });
    return tr;
  }));
  if (!live.workers.length) tbody.innerHTML = "<tr><td colspan=\"3\" class=\"error\">No live worker</td></tr>";

  const minutes = live.per_minute.map((m) => m.minute.slice(11, 16));
  draw("chart-throughput", "line", minutes,
       [{ label: "jobs/s", data: live.per_minute.map((m) => m.jobs_per_second), borderColor: colour(0),
          backgroundColor: colour(0) + "33", fill: true, tension: 0.2 }],
       axes("minute (UTC)", "jobs per second"));
  figures("chart-throughput", ["minute (UTC)", "jobs", "jobs/s"],
          live.per_minute.map((m) => [minutes[live.per_minute.indexOf(m)], m.jobs, round(m.jobs_per_second, 3)]));
}

// ------------------------------------------------------------------ history

function showDaily(daily) {
  const days = lastDays(daily.days);
  const languages = unique(daily.rows.map((r) => r.language));
  draw("chart-daily", "bar", days.map((d) => d.slice(5)), languages.map((lang, i) => ({
    label: lang, backgroundColor: colour(i),
    data: days.map((d) => (daily.rows.find((r) => r.day === d && r.language === lang) || { jobs: 0 }).jobs),
  })), axes("day (UTC, MM-DD)", "jobs", { stacked: true, counts: true }));
  figures("chart-daily", ["day", "language", "jobs", "finished", "failed"],
          daily.rows.map((r) => [r.day, r.language, r.jobs, r.finished, r.failed]));
}

function showVerdicts(verdicts) {
  const names = unique(verdicts.rows.map((r) => r.verdict));
  const languages = unique(verdicts.rows.map((r) => r.language));
  const total = (v, lang) => verdicts.rows.filter((r) => r.verdict === v && r.language === lang)
                                          .reduce((s, r) => s + r.cases, 0);
  draw("chart-verdicts", "bar", names, languages.map((lang, i) => ({
    label: lang, backgroundColor: languages.length > 1 ? colour(i) : names.map((v) => VERDICT_COLOURS[v] || colour(0)),
    data: names.map((v) => total(v, lang)),
  })), axes(`verdict (last ${verdicts.days} days)`, "inputs", { stacked: true, counts: true }));
  figures("chart-verdicts", ["verdict", "language", "inputs"],
          names.flatMap((v) => languages.map((lang) => [v, lang, total(v, lang)])).filter((r) => r[2] > 0));
}

// One line per language and percentile over the days that have rows.
function percentileLines(sectionId, rows, p50, p95, yTitle, digits) {
  const days = unique(rows.map((r) => r.day));
  const languages = unique(rows.map((r) => r.language));
  const value = (d, lang, col) => { const r = rows.find((x) => x.day === d && x.language === lang); return r ? r[col] : null; };
  const datasets = languages.flatMap((lang, i) => [[p50, "p50", []], [p95, "p95", [6, 4]]].map(([col, name, dash]) => ({
    label: `${lang} ${name}`, borderColor: colour(i), backgroundColor: colour(i), borderDash: dash,
    data: days.map((d) => value(d, lang, col)), spanGaps: true,
  })));
  draw(sectionId, "line", days.map((d) => d.slice(5)), datasets, axes("day (UTC, MM-DD)", yTitle));
  return days.flatMap((d) => languages.filter((lang) => value(d, lang, p50) !== null)
    .map((lang) => [d, lang, round(value(d, lang, p50), digits), round(value(d, lang, p95), digits)]));
}

function showLatency(latency) {
  figures("chart-latency", ["day", "language", "p50 (s)", "p95 (s)"],
          percentileLines("chart-latency", latency.rows, "p50_seconds", "p95_seconds", "seconds, request to result", 3));
}

function showCpu(cases) {
  figures("chart-cpu", ["day", "language", "p50 (ms)", "p95 (ms)"],
          percentileLines("chart-cpu", cases.rows, "cpu_ms_p50", "cpu_ms_p95", "CPU milliseconds per input", 1));
}

// Per key over the period; a budget column (when the view has one) is drawn
// next to the use.
function showKeys(keys) {
  const names = unique(keys.rows.map((r) => r.key_name));
  const sum = (name, col) => keys.rows.filter((r) => r.key_name === name).reduce((s, r) => s + (Number(r[col]) || 0), 0);
  const latest = (name, col) => keys.rows.filter((r) => r.key_name === name && r[col] !== null && r[col] !== undefined)
                                          .map((r) => r[col]).pop();
  const budgetCol = Object.keys(keys.rows[0] || {}).find((c) => /budget/.test(c));
  const datasets = [{ label: "jobs", backgroundColor: colour(0), data: names.map((n) => sum(n, "jobs")) }];
  if (budgetCol) {
    datasets.push({ label: budgetCol.replace(/_/g, " "), backgroundColor: "#9ca3af",
                    data: names.map((n) => latest(n, budgetCol) ?? null) });
  }
  draw("chart-keys", "bar", names, datasets, null, { options: {
    indexAxis: "y", animation: false, responsive: true, maintainAspectRatio: false,
    scales: { x: { beginAtZero: true, ticks: { precision: 0 }, title: { display: true, text: `jobs (last ${keys.days} days)` } },
              y: { title: { display: true, text: "API key" } } },
    plugins: { legend: { position: "bottom", labels: { boxWidth: 12 } } },
  } });
  const head = ["key", "jobs", "failed", "execution (s)"].concat(budgetCol ? [budgetCol] : []);
  figures("chart-keys", head, names.map((n) => [n, sum(n, "jobs"), sum(n, "failed"),
    round(sum(n, "execution_seconds"), 2)].concat(budgetCol ? [latest(n, budgetCol) ?? "–"] : [])));
}

// ------------------------------------------------------------------ refresh

async function refresh(what, every) {
  try {
    await what();
    $("fetch-error").hidden = true;
    $("updated").textContent = `updated ${new Date().toLocaleTimeString()}`;
    notYetShown.delete(what);
    if (notYetShown.size === 0) document.body.dataset.ready = "yes";    // what the tests wait for
  } catch (e) {
    if (e instanceof Unauthorized) return askForKey(e.message);
    $("fetch-error").textContent = `Could not refresh: ${e.message}`;
    $("fetch-error").hidden = false;
  }
  timers.push(setTimeout(() => refresh(what, every), every));
}

async function live() { showLive(await report("live")); }

async function historyReports() {
  const q = `?days=${DAYS}`;
  const [daily, verdicts, latency, cases, keys] = await Promise.all(
    ["daily", "verdicts", "latency", "cases", "keys"].map((name) => report(name, q)));
  showDaily(daily); showVerdicts(verdicts); showLatency(latency); showCpu(cases); showKeys(keys);
}

function start() {
  timers.forEach(clearTimeout);
  timers = [];
  notYetShown = new Set([live, historyReports]);
  delete document.body.dataset.ready;
  $("key-form").hidden = true;
  $("board").hidden = false;
  $("forget").hidden = false;
  refresh(live, LIVE_EVERY_MS);
  refresh(historyReports, HISTORY_EVERY_MS);
}

$("key-form").addEventListener("submit", (e) => {
  e.preventDefault();
  sessionStorage.setItem(KEY_ITEM, $("key-input").value.trim());
  $("key-input").value = "";
  start();
});
$("forget").addEventListener("click", () => askForKey(""));
window.addEventListener("hashchange", () => { takeKeyFromFragment(); if (sessionStorage.getItem(KEY_ITEM)) start(); });

takeKeyFromFragment();
if (sessionStorage.getItem(KEY_ITEM)) start(); else askForKey("");
