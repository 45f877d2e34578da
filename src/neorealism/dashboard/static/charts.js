// charts.js: the Vega-Lite charts. Each chart is embedded once per loaded run;
// the current-year marker moves by setting the Vega signal "cur" (no re-embed).
"use strict";

const POLARITY_DOMAIN = ["nonpolar", "unipolar", "bipolar", "multipolar"];
const POLARITY_COLOURS = ["#cfcfcf", "#e15759", "#4e79a7", "#59a14f"];

const CHART_CONFIG = {
  font: "system-ui, -apple-system, 'Segoe UI', Roboto, sans-serif",
  axis: { labelFontSize: 12, titleFontSize: 13, titleFontWeight: "normal", grid: true, gridColor: "#eee" },
  legend: { labelFontSize: 12, titleFontSize: 12 },
  view: { stroke: null },
};

function yearAxis(title) {
  return { format: "d", title: title === undefined ? null : title, labelOverlap: true, tickMinStep: 1 };
}

// A vertical rule at the year held by the signal "cur".
function markerLayer(years, colour = "#222") {
  return {
    data: { values: [{}] },
    transform: [{ calculate: "cur", as: "year" }],
    mark: { type: "rule", color: colour, strokeWidth: 2, strokeDash: [5, 3] },
    encoding: { x: xYears(years) },
  };
}

function baseSpec(width, height, years, layers, firstYear) {
  return {
    $schema: "https://vega.github.io/schema/vega-lite/v5.json",
    width, height,
    autosize: { type: "fit-x", contains: "padding" },
    params: [{ name: "cur", value: firstYear === undefined ? years[0] : firstYear }],
    config: CHART_CONFIG,
    resolve: { scale: { color: "independent" } },
    layer: layers,
  };
}

function xYears(years) {
  return { field: "year", type: "quantitative", axis: yearAxis(), scale: { domain: [years[0], years[years.length - 1]], nice: false } };
}

// Polarity as a colour band behind a chart: one rect per year.
function polarityBandLayer(years, rows, opacity = 0.28, legend = true) {
  return {
    data: { values: rows },
    transform: [{ calculate: "datum.year + 1", as: "year_end" }],
    mark: { type: "rect", opacity },
    encoding: {
      x: xYears(years),
      x2: { field: "year_end" },
      color: {
        field: "polarity", type: "nominal", title: "polarity",
        scale: { domain: POLARITY_DOMAIN, range: POLARITY_COLOURS },
        legend: legend ? { orient: "top", direction: "horizontal", title: null } : null,
      },
    },
  };
}

// ------------------------------------------------------------ one world

// A state's colour in the charts is the colour of the bloc it leads on the map (a bloc is
// coloured by the index of its strongest member), so a bloc leader has one colour everywhere.
// Legend and stacking: the biggest states at the start first.
function stateColourScale(world) {
  const names = world.states.map((s) => s.name);
  const s0 = world.share[0] || [];
  const idx = names.map((n, i) => i).sort((a, b) => (s0[b] || 0) - (s0[a] || 0));
  return { domain: idx.map((i) => names[i]), range: idx.map((i) => blocColour(i)) };
}

function conSpec(world, width, height = 190) {
  const years = world.years;
  const rows = world.years.map((y, t) => ({ year: y, con: world.con[t], polarity: world.polarity[t] }));
  return baseSpec(width, height, world.years, [
    polarityBandLayer(world.years, rows),
    {
      data: { values: rows },
      mark: { type: "line", color: "#222", strokeWidth: 2 },
      encoding: {
        x: xYears(world.years),
        y: { field: "con", type: "quantitative", title: "CON", scale: { zero: true, nice: true } },
      },
    },
    markerLayer(years, "#000"),
  ]);
}

// One row {year, state, [key]} per living state and year with a value of world[key] (share, burden …).
function livingRows(world, key) {
  const rows = [];
  world.years.forEach((y, t) => {
    world.states.forEach((s, i) => {
      const v = world[key][t][i];
      if (world.alive[t][i] && v !== null && v !== undefined) rows.push({ year: y, state: s.name, [key]: v });
    });
  });
  return rows;
}

function powerSpec(world, width, height = 210) {
  const years = world.years;
  const rows = livingRows(world, "share");
  const cs = stateColourScale(world);
  return baseSpec(width, height, world.years, [
    {
      data: { values: rows },
      mark: { type: "area", interpolate: "step-after", opacity: 0.9 },
      encoding: {
        x: xYears(world.years),
        y: { field: "share", type: "quantitative", stack: "zero", title: "share of power", axis: { format: "%" }, scale: { domain: [0, 1] } },
        color: { field: "state", type: "nominal", scale: cs, sort: cs.domain, legend: { title: null, symbolLimit: 0, labelLimit: 110, columns: world.states.length > 14 ? 2 : 1 } },
      },
    },
    markerLayer(years, "#000"),
  ]);
}

function burdenSpec(world, width, height = 190) {
  const years = world.years;
  const rows = livingRows(world, "burden");
  const cs = stateColourScale(world);
  return baseSpec(width, height, world.years, [
    {
      data: { values: rows },
      mark: { type: "line", strokeWidth: 1.6 },
      encoding: {
        x: xYears(world.years),
        y: { field: "burden", type: "quantitative", title: "burden (share of economy)", axis: { format: "%" } },
        color: { field: "state", type: "nominal", scale: cs, legend: { title: null, symbolLimit: 0, labelLimit: 110, columns: world.states.length > 14 ? 2 : 1 } },
      },
    },
    markerLayer(years, "#000"),
  ]);
}

// ------------------------------------------------------------ across worlds

function bandSpec(years, q, title, width, height = 190, fmtY) {
  const rows = years.map((y, t) => ({ year: y, lo: q.q10[t], mid: q.q50[t], hi: q.q90[t] }));
  const yEnc = { type: "quantitative", title, scale: { zero: true } };
  if (fmtY) yEnc.axis = { format: fmtY };
  return baseSpec(width, height, years, [
    {
      data: { values: rows },
      mark: { type: "area", color: "#4e79a7", opacity: 0.25 },
      encoding: { x: xYears(years), y: { field: "lo", ...yEnc }, y2: { field: "hi" } },
    },
    {
      data: { values: rows },
      mark: { type: "line", color: "#1f3b63", strokeWidth: 2 },
      encoding: { x: xYears(years), y: { field: "mid", type: "quantitative" } },
    },
    markerLayer(years, "#000"),
  ]);
}

function polarityShareSpec(years, pol, width, height = 190) {
  const rows = [];
  const labels = (pol.labels && pol.labels.length ? pol.labels : Object.keys(pol.share || {}));
  for (const lab of labels) {
    const arr = (pol.share || {})[lab] || [];
    years.forEach((y, t) => rows.push({ year: y, polarity: lab, share: arr[t] || 0, ord: POLARITY_DOMAIN.indexOf(lab) }));
  }
  const domain = POLARITY_DOMAIN.concat(labels.filter((l) => !POLARITY_DOMAIN.includes(l)));
  const range = POLARITY_COLOURS.concat(labels.filter((l) => !POLARITY_DOMAIN.includes(l)).map(() => "#bbbbbb"));
  return baseSpec(width, height, years, [
    {
      data: { values: rows },
      mark: { type: "area", interpolate: "step-after", opacity: 0.85 },
      encoding: {
        x: xYears(years),
        y: { field: "share", type: "quantitative", stack: "zero", title: "share of worlds", axis: { format: "%" }, scale: { domain: [0, 1] } },
        color: { field: "polarity", type: "nominal", scale: { domain, range }, legend: { orient: "top", direction: "horizontal", title: null } },
        order: { field: "ord", type: "quantitative" },
      },
    },
    markerLayer(years, "#000"),
  ]);
}

// ------------------------------------------------------------ history

function historySpec(hist, width, height = 260, selected) {
  // the band shows the textbook era (multipolar to 1945, bipolar to 1991, unipolar after); measured by
  // capabilities with COW's great-power rule every year reads multipolar (3 to 9 great powers)
  const rows = hist.years.map((y, t) => ({
    year: y, con: hist.con[t], polarity: hist.era ? hist.era[t] : hist.polarity[t],
    measured: hist.polarity[t], great_powers: hist.great_powers ? hist.great_powers[t] : null,
  }));
  const spec = baseSpec(width, height, hist.years, [
    polarityBandLayer(hist.years, rows, 0.3),
    {
      data: { values: rows },
      mark: { type: "line", color: "#222", strokeWidth: 2 },
      encoding: {
        x: { ...xYears(hist.years), axis: { ...yearAxis("year (click to choose)"), tickCount: Math.max(5, Math.round(width / 70)) } },
        y: { field: "con", type: "quantitative", title: "CON", scale: { zero: true } },
      },
    },
    {
      data: { values: rows },
      params: [{ name: "pick", select: { type: "point", on: "click", nearest: true, fields: ["year"], clear: false } }],
      mark: { type: "point", opacity: 0, size: 40, cursor: "pointer" },
      encoding: {
        x: xYears(hist.years),
        y: { field: "con", type: "quantitative" },
        tooltip: [
          { field: "year", type: "quantitative", format: "d" },
          { field: "polarity", type: "nominal", title: "textbook era" },
          { field: "measured", type: "nominal", title: "measured polarity" },
          { field: "con", type: "quantitative", format: ".3f", title: "CON" },
          { field: "great_powers", type: "quantitative", title: "great powers" },
        ],
      },
    },
    markerLayer(hist.years, "#b00"),
    {
      data: { values: [{}] },
      transform: [{ calculate: "cur", as: "year" }, { calculate: "format(datum.year, 'd')", as: "label" }],
      mark: { type: "text", color: "#b00", fontWeight: "bold", fontSize: 14, align: "left", dx: 5, baseline: "top", y: 4 },
      encoding: { x: xYears(hist.years), text: { field: "label" } },
    },
  ], selected);
  return spec;
}

// ------------------------------------------------------------ embedding

// Embed `spec` into `container`; returns a handle {view, setYear(year)}.
async function embedChart(container, spec) {
  if (container._chart) {
    try { container._chart.view.finalize(); } catch (e) { /* already gone */ }
    container._chart = null;
  }
  // a container may keep fixed content (a caption) and hold the chart in its .vega-host child
  const host = container.querySelector(":scope > .vega-host") || container;
  host.innerHTML = "";
  const res = await vegaEmbed(host, spec, { actions: false, renderer: "svg" });
  const handle = makeHandle(container, res.view, spec.params[0].value);
  container._chart = handle;
  container.dataset.year = String(spec.params[0].value);
  return handle;
}

// Sets the "cur" signal, coalescing updates so that a slow redraw never queues up frames.
function makeHandle(container, view, initial) {
  let busy = false;
  let wanted = initial;
  let shown = initial;
  const pump = async () => {
    if (busy) return;
    busy = true;
    try {
      while (wanted !== shown) {
        const y = wanted;
        view.signal("cur", y);
        await view.runAsync();
        shown = y;
        container.dataset.year = String(y);
      }
    } catch (e) {
      console.warn("chart update failed", e);
    } finally {
      busy = false;
    }
  };
  return {
    view,
    setYear(year) { wanted = year; pump(); },
  };
}

// Width available for a chart in its container (it may be hidden: use a fallback).
function chartWidth(container, fallback = 480) {
  const w = container.clientWidth || (container.parentElement && container.parentElement.clientWidth) || 0;
  return Math.max(260, (w > 50 ? w : fallback) - 10);
}
