// quota-opt workbench: live progress (server-sent events) and charts (Apache ECharts, vendored)
"use strict";

function fmt(value, digits) {
  if (value === null || value === undefined) return "—";
  return Number(value).toLocaleString(undefined, {minimumFractionDigits: digits, maximumFractionDigits: digits});
}

// a category's name (a district's, a case's) on one slanted line, cut with "…" rather than clipped at the edge
const LONG_LABEL = {rotate: 30, interval: 0, width: 120, overflow: "truncate"};

function drawChart(el) {
  if (!window.echarts || el.dataset.drawn) return;
  el.dataset.drawn = "1";
  const chart = echarts.init(el);
  const title = {text: el.dataset.title || "", textStyle: {fontSize: 14}};
  const kind = el.dataset.kind;
  if (kind === "stacked") {
    const series = JSON.parse(el.dataset.series).map(s => ({name: s.name, type: "bar", stack: "all", data: s.data}));
    chart.setOption({title, tooltip: {trigger: "axis"}, legend: {top: 24, type: "scroll"}, grid: {top: 70, left: 60, right: 20, bottom: 90},
      xAxis: {type: "category", data: JSON.parse(el.dataset.categories), axisLabel: LONG_LABEL}, yAxis: {type: "value"}, series});
  } else if (kind === "bars") {
    chart.setOption({title, tooltip: {trigger: "axis"}, grid: {top: 40, left: 70, right: 20, bottom: 90},
      xAxis: {type: "category", data: JSON.parse(el.dataset.categories), axisLabel: LONG_LABEL},
      yAxis: {type: "value"}, series: [{type: "bar", data: JSON.parse(el.dataset.values)}]});  // from 0: a bar's length is its value
  } else if (kind === "scatter") {
    const points = JSON.parse(el.dataset.points).filter(p => p[0] !== null && p[1] !== null);
    const front = points.filter(p => p[3]).sort((a, b) => a[0] - b[0]);
    chart.setOption({title, tooltip: {formatter: p => `${p.data[2]}<br>${fmt(p.data[0], 2)}, ${fmt(p.data[1], 2)}`},
      legend: {top: 24}, grid: {top: 70, left: 70, right: 30, bottom: 60},
      xAxis: {type: "value", name: el.dataset.x, nameLocation: "middle", nameGap: 32, scale: true},
      yAxis: {type: "value", name: el.dataset.y, scale: true},
      series: [{name: el.dataset.front, type: "line", data: front, symbolSize: 12},
               {name: el.dataset.other, type: "scatter", data: points.filter(p => !p[3]), symbolSize: 9}]});
  } else {  // the solve's progress: objective and bound over time
    const history = JSON.parse(el.dataset.history || "[]");
    chart.setOption({title, tooltip: {trigger: "axis"}, legend: {top: 24}, grid: {top: 60, left: 80, right: 20, bottom: 30},
      xAxis: {type: "value", name: el.dataset.seconds}, yAxis: {type: "value", scale: true},
      series: [{name: el.dataset.objective, type: "line", step: "end", data: history.map(h => [h[0], h[1]])},
               {name: el.dataset.bound, type: "line", step: "end", data: history.filter(h => h[2] !== null).map(h => [h[0], h[2]])}]});
  }
  window.addEventListener("resize", () => chart.resize());
  return chart;
}

function watchProgress(box) {
  const words = JSON.parse(box.dataset.words);
  const status = box.dataset.status;
  const chartEl = document.getElementById("progress-chart");
  let chart = null;
  if (chartEl) {
    chart = drawChart(chartEl);
    chart.setOption({series: [{name: words.objective}, {name: words.bound}]});
  }
  if (["done", "failed", "cancelled", "interrupted"].includes(status)) return;
  const source = new EventSource(box.dataset.events);
  const set = (id, text) => { const el = document.getElementById(id); if (el) el.textContent = text; };
  source.addEventListener("progress", ev => {
    const data = JSON.parse(ev.data);
    const p = data.progress || {};
    set("job-status", words.status[data.status] || data.status);
    document.getElementById("job-status").className = "status-" + data.status;
    if (data.status !== "queued") set("p-stage", words.stages[p.stage] || p.stage || "");
    set("p-elapsed", fmt(p.elapsed || 0, 1) + " " + words.seconds);
    set("p-objective", fmt(p.objective, 2));
    set("p-bound", fmt(p.bound, 2));
    set("p-gap", p.gap === null || p.gap === undefined ? "—" : (100 * p.gap).toFixed(3) + "%");
    if (p.total) set("p-cases", words.cases.replace("{done}", p.done).replace("{total}", p.total));
    if (chart && p.history) {
      chart.setOption({series: [{data: p.history.map(h => [h[0], h[1]])},
                                {data: p.history.filter(h => h[2] !== null).map(h => [h[0], h[2]])}]});
    }
  });
  source.addEventListener("end", () => { source.close(); window.location.reload(); });
}

function drawAll(root) {
  root.querySelectorAll(".chart[data-kind]").forEach(drawChart);
}

document.addEventListener("DOMContentLoaded", () => {
  const box = document.getElementById("progress");
  if (box) watchProgress(box);
  drawAll(document);
});
document.addEventListener("submit", ev => {  // an explain button takes the time limit typed above the table
  const limit = document.getElementById("explain-limit");
  if (limit && ev.target.matches("form.explain-form")) ev.target.elements.time_limit_s.value = limit.value;
});
document.addEventListener("htmx:afterSwap", ev => drawAll(ev.target));
