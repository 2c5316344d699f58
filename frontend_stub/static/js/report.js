// The programme's report for curators and licensing: accepted value by country (bar chart) and
// by month (line chart), drawn here as SVG (no chart library, nothing from a CDN), with tables
// that carry the same figures for screen readers and for copying.
import { field, formatMoney, h, humanise, loading, notice, titled, fill, announce } from "./dom.js";

const REPORT = `query Report($from: Date!, $to: Date!) { programmeReport(from: $from, to: $to) {
  acceptedQuotes acceptedUnits acceptedValueEur
  otherCurrencies { currency quotes units value }
  byCountry { key quotes units valueEur } byCategory { key quotes units valueEur }
  byMonth { key quotes units valueEur }
  queues { queue cases decided medianDecisionHours slaBreaches }
  refusals { key count } coProductionByStatus { key count } coProductionByCountry { key count }
} }`;

const SVG = "http://www.w3.org/2000/svg";
const WIDTH = 640;
const HEIGHT = 260;
const PAD = { top: 16, right: 16, bottom: 40, left: 88 };

function s(tag, attrs = {}, ...children) {
  const element = document.createElementNS(SVG, tag);
  for (const [name, value] of Object.entries(attrs)) element.setAttribute(name, String(value));
  for (const child of children) element.append(child instanceof Node ? child : document.createTextNode(String(child)));
  return element;
}

function chart(label, body) {
  return s("svg", { viewBox: `0 0 ${WIDTH} ${HEIGHT}`, role: "img", "aria-label": label, class: "chart" }, s("title", {}, label), ...body);
}

function axis(max) {
  const plotHeight = HEIGHT - PAD.top - PAD.bottom;
  const ticks = [0, 0.5, 1].map((f) => {
    const y = PAD.top + plotHeight * (1 - f);
    return [
      s("line", { x1: PAD.left, x2: WIDTH - PAD.right, y1: y, y2: y, class: "grid" }),
      s("text", { x: PAD.left - 6, y: y + 4, "text-anchor": "end", class: "tick" }, compact(max * f)),
    ];
  });
  return ticks.flat();
}

function compact(value) {
  return new Intl.NumberFormat("en-GB", { notation: "compact", maximumFractionDigits: 1 }).format(value);
}

export function barChart(rows, label) {
  const max = Math.max(1, ...rows.map((r) => Number(r.valueEur)));
  const plotWidth = WIDTH - PAD.left - PAD.right;
  const plotHeight = HEIGHT - PAD.top - PAD.bottom;
  const slot = plotWidth / Math.max(rows.length, 1);
  const bars = rows.map((row, index) => {
    const height = (Number(row.valueEur) / max) * plotHeight;
    const x = PAD.left + index * slot + slot * 0.15;
    const bar = s("rect", { x, y: PAD.top + plotHeight - height, width: slot * 0.7, height, class: "bar" },
      s("title", {}, `${row.key}: ${formatMoney(row.valueEur)}, ${row.units} units`));
    const name = s("text", { x: x + slot * 0.35, y: HEIGHT - PAD.bottom + 18, "text-anchor": "middle", class: "tick" }, row.key);
    return [bar, name];
  });
  return chart(label, [...axis(max), ...bars.flat()]);
}

export function lineChart(rows, label) {
  const max = Math.max(1, ...rows.map((r) => Number(r.valueEur)));
  const plotWidth = WIDTH - PAD.left - PAD.right;
  const plotHeight = HEIGHT - PAD.top - PAD.bottom;
  const step = rows.length > 1 ? plotWidth / (rows.length - 1) : 0;
  const points = rows.map((row, index) => [
    PAD.left + (rows.length > 1 ? index * step : plotWidth / 2),
    PAD.top + plotHeight * (1 - Number(row.valueEur) / max),
    row,
  ]);
  const line = s("polyline", { points: points.map(([x, y]) => `${x},${y}`).join(" "), class: "line" });
  const dots = points.map(([x, y, row]) => [
    s("circle", { cx: x, cy: y, r: 5, class: "point" }, s("title", {}, `${row.key}: ${formatMoney(row.valueEur)}`)),
    s("text", { x, y: HEIGHT - PAD.bottom + 18, "text-anchor": "middle", class: "tick" }, row.key),
  ]);
  return chart(label, [...axis(max), line, ...dots.flat()]);
}

function table(caption, head, rows) {
  return h(
    "table",
    { class: "report-table" },
    h("caption", {}, caption),
    h("thead", {}, h("tr", {}, head.map((c) => h("th", { scope: "col" }, c)))),
    h("tbody", {}, rows.length ? rows.map((r) => h("tr", {}, r.map((c) => h("td", {}, c)))) : h("tr", {}, h("td", { colspan: head.length }, "None in this period."))),
  );
}

// Country codes and months are shown as they are; categories read as words.
function sales(caption, rows, name = (key) => key) {
  return table(caption, ["", "Quotes", "Units", "Value (EUR)"], rows.map((r) => [name(r.key), r.quotes, r.units, formatMoney(r.valueEur)]));
}

function render(report) {
  return [
    h("p", { class: "report-totals" },
      `${report.acceptedQuotes} accepted quotes, ${report.acceptedUnits} units, ${formatMoney(report.acceptedValueEur)}.`),
    h("section", { "aria-labelledby": "by-country" }, h("h2", { id: "by-country" }, "Accepted value by country"),
      barChart(report.byCountry, "Accepted value by partner country (bar chart)"), sales("By partner country", report.byCountry)),
    h("section", { "aria-labelledby": "by-month" }, h("h2", { id: "by-month" }, "Accepted value by month"),
      lineChart(report.byMonth, "Accepted value by month (line chart)"), sales("By month", report.byMonth)),
    sales("By category", report.byCategory, humanise),
    report.otherCurrencies.length
      ? table("Accepted in other currencies (not converted)", ["Currency", "Quotes", "Units", "Value"],
          report.otherCurrencies.map((r) => [r.currency, r.quotes, r.units, r.value]))
      : null,
    table("Licensing queues", ["Queue", "Cases", "Decided", "Median decision (hours)", "SLA breaches"],
      report.queues.map((q) => [humanise(q.queue), q.cases, q.decided, q.medianDecisionHours ?? "—", q.slaBreaches])),
    table("Refusals by reason", ["Reason", "Count"], report.refusals.map((r) => [r.key, r.count])),
    table("Co-production requests", ["Status", "Count"], report.coProductionByStatus.map((r) => [humanise(r.key), r.count])),
  ];
}

export async function reportView(ctx) {
  const today = new Date().toISOString().slice(0, 10);
  const from = h("input", { type: "date", value: `${today.slice(0, 4)}-01-01`, required: true });
  const to = h("input", { type: "date", value: today, required: true });
  const results = h("div", { class: "results" });
  async function load(event) {
    if (event) event.preventDefault();
    fill(results, loading());
    try {
      const report = (await ctx.api.query(REPORT, { from: from.value, to: to.value })).programmeReport;
      fill(results, render(report));
      announce("Report updated");
    } catch (error) {
      fill(results, notice("error", error.message));
    }
  }
  const form = h("form", { class: "filters", onsubmit: load },
    field("Report from", from), field("Report to", to), h("button", { type: "submit", class: "button" }, "Show report"));
  fill(ctx.view, titled("Programme report"), form, results);
  await load();
}
