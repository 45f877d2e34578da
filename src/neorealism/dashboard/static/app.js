// app.js: the four panels (Run, Compare, History, Experiments) of the dashboard.
// Uses api.js (fetch + errors), map.js (SVG map) and charts.js (Vega-Lite charts).
"use strict";

const $ = (sel, root = document) => root.querySelector(sel);
const $$ = (sel, root = document) => Array.from(root.querySelectorAll(sel));

const UPLOAD = "__upload__";
const DEFAULT_WORLDS = 20;   // a quick run for the class; the field can be raised

const S = {
  scenarios: [],
  byName: new Map(),
  schema: null,
  params: new Map(),        // path -> schema entry
  limits: {},
  formBase: {},             // path -> the value the form was filled with
  upload: null,             // {yaml, name, states, source}
  scenarioToken: 0,
  run: null,                // {id, poll}
  P: null,                  // the loaded run (player)
  timer: null,
};

// ====================================================================== tabs

function showTab(panelId) {
  clearError();
  for (const btn of $$(".tabs button")) {
    const on = btn.dataset.panel === panelId;
    btn.setAttribute("aria-selected", on ? "true" : "false");
    btn.classList.toggle("active", on);
    document.getElementById(btn.dataset.panel).hidden = !on;
  }
  if (panelId === "panel-history") initHistory();
  if (panelId === "panel-experiments") initExperiments();
  if (panelId !== "panel-run") pause();
  if (panelId !== "panel-compare") comparePause();
}

// ================================================================ run panel

async function init() {
  for (const btn of $$(".tabs button")) btn.addEventListener("click", () => showTab(btn.dataset.panel));
  $("#error").addEventListener("click", clearError);
  $("#error").title = "click to dismiss";

  wireRunPanel();
  wirePlayer();
  wireCompare();
  wireHistory();
  wireExperiments();

  let scen, schema, limits;
  try {
    [scen, schema, limits] = await Promise.all([getJSON("/api/scenarios"), getJSON("/api/schema"), getJSON("/api/limits")]);
  } catch (e) {
    showError(e.message);
    return;
  }
  S.limits = limits || {};
  S.scenarios = (scen && scen.scenarios) || [];
  S.byName = new Map(S.scenarios.map((s) => [s.name, s]));
  S.schema = schema;
  applyLimits();
  fillScenarioSelects();
  buildParamForm(schema);
  loadLessons();
  const first = S.byName.has("bipolar") ? "bipolar" : (S.scenarios[0] && S.scenarios[0].name);
  if (first) {
    $("#scenario-select").value = first;
    await selectScenario(first);
  }
  const hash = (location.hash || "").replace("#", "");
  if (["compare", "history", "experiments"].includes(hash)) showTab("panel-" + hash);
}

function applyLimits() {
  const L = S.limits;
  if (L.max_worlds) { $("#run-worlds").max = L.max_worlds; $("#compare-worlds").max = L.max_worlds; }
  if (L.max_years) { $("#run-years").max = L.max_years; $("#compare-years").max = L.max_years; }
}

function fillScenarioSelects() {
  for (const id of ["#scenario-select", "#compare-a-scenario", "#compare-b-scenario"]) {
    const sel = $(id);
    sel.innerHTML = "";
    for (const s of S.scenarios) {
      sel.appendChild(el("option", { value: s.name, text: `${s.name} (${s.states} states)`, title: s.description || "" }));
    }
  }
  if (S.byName.has("bipolar")) $("#compare-a-scenario").value = "bipolar";
  if (S.byName.has("multipolar")) $("#compare-b-scenario").value = "multipolar";
  for (const btn of $$(".preset")) {
    btn.disabled = !(S.byName.has(btn.dataset.a) && S.byName.has(btn.dataset.b));
  }
}

// ------------------------------------------------------------- param form

function inputId(path) { return "param-" + path.replace(/[^A-Za-z0-9_-]/g, "_"); }

function numberStep(p) {
  if (p.type === "int") return "1";
  const lo = p.minimum ?? p.exclusive_minimum, hi = p.maximum ?? p.exclusive_maximum;
  if (typeof lo === "number" && typeof hi === "number" && hi > lo) {
    const range = hi - lo;
    const step = Math.pow(10, Math.floor(Math.log10(range)) - 2);
    return String(Math.min(1, step));
  }
  return "0.01";
}

function buildParamForm(schema) {
  const form = $("#param-form");
  form.innerHTML = "";
  S.params.clear();
  for (const group of (schema && schema.groups) || []) {
    const det = el("details", { class: "param-group" });
    const count = el("span", { class: "changed-count" });
    det.appendChild(el("summary", { title: group.doc || "" }, [el("span", { class: "group-name", text: group.name }), count]));
    if (group.doc) det.appendChild(el("p", { class: "group-doc", text: group.doc }));
    for (const p of group.params || []) {
      S.params.set(p.path, p);
      const id = inputId(p.path);
      let input;
      if (p.type === "bool") {
        input = el("input", { type: "checkbox", id, name: p.path });
      } else if (p.type === "choice") {
        input = el("select", { id, name: p.path });
        for (const c of p.choices || []) input.appendChild(el("option", { value: String(c), text: String(c) }));
      } else {
        input = el("input", { type: "number", id, name: p.path, step: numberStep(p) });
        const lo = p.minimum ?? p.exclusive_minimum, hi = p.maximum ?? p.exclusive_maximum;
        if (typeof lo === "number") input.min = String(lo);
        if (typeof hi === "number") input.max = String(hi);
      }
      input.dataset.type = p.type;
      const short = p.path.split(".").pop();
      const label = el("label", { for: id, class: "param-label", title: p.doc || "" }, [
        el("span", { class: "param-name", text: short }),
        el("span", { class: "allowed", text: p.allowed ? `allowed: ${p.allowed}` : "" }),
      ]);
      const row = el("div", { class: "param" + (p.type === "bool" ? " param-bool" : ""), dataset: { path: p.path } }, [
        label, input,
        p.doc ? el("small", { class: "doc", text: p.doc, title: p.doc }) : null,
      ]);
      input.addEventListener("input", () => onParamEdited(input));
      input.addEventListener("change", () => onParamEdited(input));
      det.appendChild(row);
    }
    form.appendChild(det);
  }
  form.addEventListener("submit", (ev) => { ev.preventDefault(); startRun(); });
}

function toNumberMaybe(v) {
  if (typeof v === "number") return v;
  if (typeof v === "string" && v.trim() !== "" && Number.isFinite(Number(v))) return Number(v);
  return v;
}

function schemaDefault(p) {
  let d = p.default;
  if (p.type === "bool") return d === true || d === "true";
  if (p.type === "int" || p.type === "float") return toNumberMaybe(d);
  return d;
}

function setFormValues(values) {
  S.formBase = {};
  for (const [path, p] of S.params) {
    let v = values && Object.prototype.hasOwnProperty.call(values, path) ? values[path]
      : (values && Object.prototype.hasOwnProperty.call(values, "params." + path) ? values["params." + path] : schemaDefault(p));
    const input = document.getElementById(inputId(path));
    if (!input) continue;
    if (p.type === "bool") {
      input.checked = v === true || v === "true";
      v = input.checked;
    } else if (p.type === "choice") {
      input.value = v === null || v === undefined ? "" : String(v);
    } else {
      input.value = v === null || v === undefined ? "" : String(v);
    }
    S.formBase[path] = v;
    input.classList.remove("changed");
  }
  clearFieldErrors($("#panel-run .sidebar"));
  updateChangedCounts();
}

function inputValue(input) {
  const t = input.dataset.type;
  if (t === "bool") return input.checked;
  if (t === "choice") return input.value;
  const raw = input.value.trim();
  if (raw === "") return null;
  const n = Number(raw);
  return Number.isFinite(n) ? n : raw;
}

function isChanged(path, input) {
  const v = inputValue(input);
  const base = S.formBase[path];
  const t = input.dataset.type;
  if (t === "bool") return v !== (base === true);
  if (t === "choice") return String(v) !== String(base ?? "");
  if (v === null) return false;              // cleared: keep the scenario's value
  if (typeof v === "number" && typeof toNumberMaybe(base) === "number") return v !== toNumberMaybe(base);
  return String(v) !== String(base ?? "");
}

function onParamEdited(input) {
  input.classList.toggle("changed", isChanged(input.name, input));
  input.classList.remove("invalid");
  const err = input.closest(".param") && input.closest(".param").querySelector(".field-error");
  if (err) err.remove();
  updateChangedCounts();
}

function updateChangedCounts() {
  for (const det of $$("#param-form details")) {
    const n = $$(".changed", det).length;
    const c = $(".changed-count", det);
    c.textContent = n ? `${n} changed` : "";
  }
}

function changedParams() {
  const out = {};
  for (const [path] of S.params) {
    const input = document.getElementById(inputId(path));
    if (input && isChanged(path, input)) out[path] = inputValue(input);
  }
  return out;
}

// ------------------------------------------------------------- scenarios

async function selectScenario(name) {
  const token = ++S.scenarioToken;
  clearError();
  const desc = $("#scenario-description");
  if (name === UPLOAD) {
    const u = S.upload;
    desc.textContent = u ? `${u.source}: ${u.name}${u.states !== undefined ? ` (${u.states} states)` : ""}.` +
      (u.params ? " The form shows the file's own values." : " The form shows the default values; the file's own values apply except where you change a field.") : "";
    setFormValues((u && u.params) || {});
    $("#run-worlds").value = u && u.worlds ? Math.min(u.worlds, DEFAULT_WORLDS) : DEFAULT_WORLDS;
    $("#run-years").value = u && u.years ? u.years : "";
    $("#run-years").placeholder = "from file";
    $("#run-seed").value = u && u.seed !== undefined && u.seed !== null ? u.seed : "";
    $("#run-seed").placeholder = "from file";
    return;
  }
  const info = S.byName.get(name) || {};
  desc.textContent = info.description || "";
  $("#run-worlds").value = Math.min(info.worlds || DEFAULT_WORLDS, DEFAULT_WORLDS, S.limits.max_worlds || Infinity);
  $("#run-years").value = info.years ?? "";
  $("#run-seed").value = info.seed ?? "";
  $("#run-years").placeholder = "";
  $("#run-seed").placeholder = "";
  try {
    const sc = await getJSON(`/api/scenarios/${encodeURIComponent(name)}`);
    if (token !== S.scenarioToken) return;
    setFormValues((sc && sc.params) || {});
  } catch (e) {
    if (token === S.scenarioToken) showError(e.message);
  }
}

function uploadFrom(yamlText, res, source, fallbackName) {
  const nStates = Array.isArray(res.states) ? res.states.length : res.states;
  return {
    yaml: yamlText, name: res.name || fallbackName, states: nStates, source,
    params: res.params && typeof res.params === "object" ? res.params : null,
    worlds: res.worlds, years: res.years, seed: res.seed,
  };
}

function setUploadOption(text) {
  const sel = $("#scenario-select");
  let opt = sel.querySelector(`option[value="${UPLOAD}"]`);
  if (!opt) {
    opt = el("option", { value: UPLOAD });
    sel.appendChild(opt);
  }
  opt.textContent = text;
  sel.value = UPLOAD;
}

async function onUpload(ev) {
  const file = ev.target.files && ev.target.files[0];
  if (!file) return;
  clearError();
  const maxBytes = S.limits.max_upload_bytes;
  if (maxBytes && file.size > maxBytes) {
    showError(`yaml: the file is ${file.size} bytes: allowed at most ${maxBytes} bytes`);
    ev.target.value = "";
    return;
  }
  let text;
  try {
    text = await file.text();
  } catch (e) {
    showError(`yaml: cannot read ${file.name}`);
    return;
  }
  try {
    const res = await postJSON("/api/scenarios/validate", { yaml: text });
    S.upload = uploadFrom(text, res, `uploaded ${file.name}`, file.name);
    setUploadOption(`uploaded: ${S.upload.name}`);
    await selectScenario(UPLOAD);
  } catch (e) {
    showError(e.message);
  } finally {
    ev.target.value = "";
  }
}

// ------------------------------------------------------------- running

function wireRunPanel() {
  $("#scenario-select").addEventListener("change", (ev) => selectScenario(ev.target.value));
  $("#scenario-description").addEventListener("click", (ev) => ev.currentTarget.classList.toggle("expanded"));
  $("#scenario-description").title = "click to show all / less";
  $("#yaml-upload").addEventListener("change", onUpload);
  $("#run-button").addEventListener("click", () => startRun());
  $("#cancel-button").addEventListener("click", cancelRun);
  $("#param-reset").addEventListener("click", () => {
    const name = $("#scenario-select").value;
    selectScenario(name);
  });
  for (const id of ["#run-worlds", "#run-years", "#run-seed"]) {
    $(id).addEventListener("input", (ev) => {
      ev.target.classList.remove("invalid");
      const err = ev.target.parentElement.querySelector(".field-error");
      if (err) err.remove();
    });
  }
}

function numberField(id) {
  const raw = $(id).value.trim();
  if (raw === "") return undefined;
  const n = Number(raw);
  return Number.isFinite(n) ? n : raw;
}

function setRunStatus(st) {
  const box = $("#run-status");
  box.textContent = statusText(st);
  box.dataset.status = st.status;
  const prog = $("#run-progress");
  const active = st.status === "queued" || st.status === "running";
  prog.hidden = !active;
  prog.value = st.progress || 0;
  $("#cancel-button").disabled = !active;
}

function showRunError(e) {
  showError(e.message);
  const field = e.field || fieldFromMessage(e.message);
  if (field) markFieldError($("#panel-run .sidebar"), field, e.message);
}

async function startRun() {
  clearError();
  clearFieldErrors($("#panel-run .sidebar"));
  const sel = $("#scenario-select").value;
  const body = { scenario: null, yaml: null, params: changedParams() };
  if (sel === UPLOAD) {
    if (!S.upload) { showError("yaml: upload a scenario file first"); return; }
    body.yaml = S.upload.yaml;
  } else {
    body.scenario = sel;
  }
  for (const [key, id] of [["worlds", "#run-worlds"], ["years", "#run-years"], ["seed", "#run-seed"]]) {
    const v = numberField(id);
    if (v !== undefined) body[key] = v;
  }
  if (S.upload && sel === UPLOAD) body.label = S.upload.name;
  const metricInput = document.getElementById(inputId("geography.metric"));
  const metric = metricInput ? metricInput.value : "plane";
  if (S.run && S.run.poll) {
    S.run.poll.stop();
    // a run still going that nobody watches any more only takes a place in the queue
    if (S.run.active) deleteJSON(`/api/runs/${encodeURIComponent(S.run.id)}`).catch(() => {});
  }
  let st;
  $("#run-button").disabled = true;
  try {
    st = await postJSON("/api/runs", body);
  } catch (e) {
    showRunError(e);
    $("#run-button").disabled = false;
    return;
  }
  $("#run-button").disabled = false;
  setRunStatus(st);
  const run = { id: st.id, poll: null, metric, active: true };
  S.run = run;
  run.poll = pollStatus(`/api/runs/${encodeURIComponent(st.id)}`, (s) => {
    run.active = s.status === "queued" || s.status === "running";
    // "done" is shown once the run is drawn: until then it reads "loading" (keys pressed meanwhile are not lost)
    if (S.run === run) setRunStatus(s.status === "done" ? { ...s, status: "loading" } : s);
  });
  try {
    const final = await run.poll.promise;
    if (S.run !== run) return;
    if (final.status === "done") {
      await loadRun(final, run.metric);
      if (S.run === run) setRunStatus(final);
    }
    else if (final.status === "failed") showRunError(new ApiError(final.error || "the run failed", 0));
  } catch (e) {
    if (S.run === run) showError(e.message);
  }
}

async function cancelRun() {
  if (!S.run) return;
  try {
    const st = await deleteJSON(`/api/runs/${encodeURIComponent(S.run.id)}`);
    if (st && st.status) setRunStatus(st);
  } catch (e) {
    showError(e.message);
  }
}

// ------------------------------------------------------------- player

async function loadRun(st, metric = "plane") {
  const id = encodeURIComponent(st.id);
  let world, dist;
  try {
    [world, dist] = await Promise.all([getJSON(`/api/runs/${id}/world/0`), getJSON(`/api/runs/${id}/distribution`)]);
  } catch (e) {
    showError(e.message);
    return;
  }
  pause();
  const R = (dist && dist.worlds) || st.worlds || 1;
  world.metric = metric;
  S.P = { id: st.id, st, R, metric, worlds: { 0: world }, world0: world, world, dist, mode: "0", t: 0, handles: [], distHandles: null };
  const ws = $("#world-select");
  ws.innerHTML = "";
  ws.appendChild(el("option", { value: "all", text: `all ${R} worlds` }));
  for (let w = 0; w < R; w++) ws.appendChild(el("option", { value: String(w), text: `world ${w}` }));
  ws.value = "0";
  $("#run-empty").hidden = true;
  $("#run-views").hidden = false;
  setMode("0");
  const slider = $("#year-slider");
  slider.max = String(world.years.length - 1);
  slider.value = "0";
  await embedWorldCharts(world);
  S.P.distHandles = null;
  renderFrame(0);
  if (S.P.mode === "all") await ensureDistCharts();
}

async function embedWorldCharts(world) {
  const P = S.P;
  const specs = [
    ["#chart-polarity", (w) => conSpec(world, w)],
    ["#chart-power", (w) => powerSpec(world, w)],
    ["#chart-burden", (w) => burdenSpec(world, w)],
  ];
  const handles = await embedAll(specs, world.years[Math.min(P.t, world.years.length - 1)]);
  if (S.P === P) P.handles = handles;
}

// Embed each [selector, make(width)] chart at `year`; a chart that fails says so in its place.
async function embedAll(specs, year) {
  const handles = [];
  for (const [sel, make] of specs) {
    const c = $(sel);
    const spec = make(chartWidth(c));
    spec.params[0].value = year;
    try {
      handles.push(await embedChart(c, spec));
    } catch (e) {
      console.error(e);
      c.textContent = "chart failed: " + e.message;
    }
  }
  return handles;
}

async function ensureDistCharts() {
  const P = S.P;
  if (!P || P.distHandles) return;
  P.distHandles = [];
  const d = P.dist;
  const years = d.years || P.world0.years;
  const year = years[Math.min(P.t, years.length - 1)];
  const specs = [
    ["#dist-con", (w) => bandSpec(years, d.con, "CON", w)],
    ["#dist-polarity", (w) => polarityShareSpec(years, d.polarity, w)],
    ["#dist-burden", (w) => bandSpec(years, d.burden, "mean burden", w, 190, "%")],
  ];
  P.distHandles = await embedAll(specs, year);
  outcomesTable($("#dist-outcomes"), d.outcomes || []);
  renderFrame(P.t);
}

function outcomesTable(container, outcomes) {
  const rows = outcomes.map((o) => el("tr", {}, [
    el("th", { text: o.label || o.name, title: o.name }),
    el("td", { class: "num", text: fmtOutcome(o.value, o.unit, o.label), title: o.unit || "" }),
  ]));
  container.innerHTML = "";
  container.appendChild(el("table", { class: "data" }, [el("tbody", {}, rows.length ? rows : [el("tr", {}, [el("td", { text: "no outcomes" })])])]));
}

function setMode(mode) {
  const P = S.P;
  P.mode = mode;
  const all = mode === "all";
  $$(".single-world").forEach((e) => { e.hidden = all; });
  $$(".all-worlds").forEach((e) => { e.hidden = !all; });
  $("#map-note").hidden = !all;
}

async function onWorldChange() {
  const P = S.P;
  if (!P) return;
  const v = $("#world-select").value;
  if (v === "all") {
    setMode("all");
    P.world = P.world0;
    renderFrame(P.t);
    await ensureDistCharts();
    return;
  }
  const w = Number(v);
  let world = P.worlds[w];
  if (!world) {
    try {
      world = await getJSON(`/api/runs/${encodeURIComponent(P.id)}/world/${w}`);
    } catch (e) {
      showError(e.message);
      return;
    }
    world.metric = P.metric;
    P.worlds[w] = world;
  }
  if (S.P !== P) return;
  setMode("0");
  P.world = world;
  P.t = Math.min(P.t, world.years.length - 1);
  await embedWorldCharts(world);
  renderFrame(P.t);
}

// The map's drawing width = its on-screen width (so that its text keeps its true size).
function mapBoxWidth(container, fallback) {
  const w = container.clientWidth;
  return w > 200 ? Math.min(1000, Math.round(w)) : fallback;
}

function renderFrame(t) {
  const P = S.P;
  if (!P) return;
  const world = P.mode === "all" ? P.world0 : P.world;
  const T = world.years.length - 1;
  t = Math.max(0, Math.min(T, t));
  P.t = t;
  const year = world.years[t];
  $("#year-slider").value = String(t);
  $("#year-label").textContent = String(year);
  document.body.dataset.year = String(year);
  const mapEl = $("#map");
  const mw = mapBoxWidth(mapEl, 620);
  drawMap(mapEl, world, t, { greyed: P.mode === "all", width: mw, height: Math.round(mw * 0.72) });
  const pol = world.polarity ? world.polarity[t] : "";
  for (const id of ["#polarity-label", "#map-polarity"]) {
    $(id).textContent = pol;
    $(id).dataset.polarity = pol;
  }
  for (const h of P.handles || []) h.setYear(year);
  for (const h of P.distHandles || []) h.setYear(year);
  if (P.mode !== "all") renderTimeline(world, year);
}

const KIND_LABEL = {
  war_start: "war", war_join: "joins war", war_end: "peace", alliance_formed: "alliance",
  alliance_joined: "joins alliance", alliance_left: "leaves alliance", death: "state dies",
  crisis: "crisis", deterrence: "deterrence", arms_race: "arms race", arms_race_end: "race ends",
  commitment_honoured: "ally honoured", commitment_abandoned: "ally abandoned", nuclear_acquired: "goes nuclear",
};

// The timeline shows the events up to the shown year, newest first.  The list items are
// built once per world; moving the year only adds or removes the items at the top.
function renderTimeline(world, year) {
  const box = $("#timeline");
  if (!world._events) world._events = (world.events || []).slice().sort((a, b) => a.year - b.year);
  const events = world._events;
  if (box._world !== world) {
    box.innerHTML = "";
    box._world = world;
    box._items = events.map((e) => el("li", { class: `event kind-${e.kind}`, dataset: { year: String(e.year), kind: e.kind } }, [
      el("span", { class: "ev-year", text: String(e.year) }),
      el("span", { class: "ev-kind", text: KIND_LABEL[e.kind] || String(e.kind).replace(/_/g, " ") }),
      el("span", { class: "ev-text", text: e.text || [e.a, e.b].filter(Boolean).join(" – ") }),
    ]));
    box._shown = 0;
    box._empty = el("li", { class: "no-events", text: "nothing has happened yet" });
    box.appendChild(box._empty);
  }
  let n = 0;   // events are in order of year: how many are up to `year`
  let lo = 0, hi = events.length;
  while (lo < hi) { const mid = (lo + hi) >> 1; if (events[mid].year <= year) lo = mid + 1; else hi = mid; }
  n = lo;
  const items = box._items;
  if (n > box._shown) {
    const frag = document.createDocumentFragment();
    for (let i = n - 1; i >= box._shown; i--) frag.appendChild(items[i]);
    box.insertBefore(frag, box.firstChild);
  } else {
    for (let i = box._shown - 1; i >= n; i--) items[i].remove();
  }
  box._shown = n;
  box._empty.hidden = n > 0;
  box.dataset.year = String(year);
}

function wirePlayer() {
  $("#play-button").addEventListener("click", () => (S.timer ? pause() : play()));
  $("#step-button").addEventListener("click", () => { pause(); if (S.P) renderFrame(S.P.t + 1); });
  $("#step-back-button").addEventListener("click", () => { pause(); if (S.P) renderFrame(S.P.t - 1); });
  $("#year-slider").addEventListener("input", (ev) => { pause(); if (S.P) renderFrame(Number(ev.target.value)); });
  $("#speed-select").addEventListener("change", () => { if (S.timer) { pause(); play(); } });
  $("#world-select").addEventListener("change", onWorldChange);
  document.addEventListener("keydown", (ev) => {
    if ($("#panel-run").hidden || !S.P) return;
    const tag = (ev.target.tagName || "").toLowerCase();
    if (["input", "select", "textarea", "button"].includes(tag) && ev.target.id !== "year-slider") return;
    if (ev.key === " ") { ev.preventDefault(); S.timer ? pause() : play(); }
    else if (ev.key === "ArrowRight" && ev.target.id !== "year-slider") { pause(); renderFrame(S.P.t + 1); }
    else if (ev.key === "ArrowLeft" && ev.target.id !== "year-slider") { pause(); renderFrame(S.P.t - 1); }
  });
}

function play() {
  const P = S.P;
  if (!P) return;
  const T = (P.mode === "all" ? P.world0 : P.world).years.length - 1;
  if (P.t >= T) renderFrame(0);
  const speed = Number($("#speed-select").value) || 5;
  $("#play-button").textContent = "Pause";
  $("#play-button").classList.add("playing");
  S.timer = setInterval(() => {
    const Q = S.P;
    if (!Q) { pause(); return; }
    const TT = (Q.mode === "all" ? Q.world0 : Q.world).years.length - 1;
    if (Q.t >= TT) { pause(); return; }
    renderFrame(Q.t + 1);
    if (Q.t >= TT) pause();
  }, 1000 / speed);
}

function pause() {
  if (S.timer) clearInterval(S.timer);
  S.timer = null;
  $("#play-button").textContent = "Play";
  $("#play-button").classList.remove("playing");
}

// ============================================================ compare panel

const C = { sides: { a: null, b: null }, t: 0, timer: null, polls: [] };

function parseChanges(text, sideName) {
  const out = {};
  const lines = text.split(/\r?\n/);
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i].trim();
    if (!line || line.startsWith("#")) continue;
    const k = line.indexOf("=");
    if (k <= 0) throw new Error(`${sideName} changes, line ${i + 1}: write path=value (e.g. war.cost=0.3), not '${line}'`);
    const path = line.slice(0, k).trim();
    let raw = line.slice(k + 1).trim();
    let v;
    if (/^(true|false)$/i.test(raw)) v = raw.toLowerCase() === "true";
    else if (raw !== "" && Number.isFinite(Number(raw))) v = Number(raw);
    else v = raw.replace(/^["'](.*)["']$/, "$1");
    out[path] = v;
  }
  return out;
}

function wireCompare() {
  $("#compare-run").addEventListener("click", () => { C.labels = null; $("#lesson-info").hidden = true; runCompare(); });
  $("#compare-slider").addEventListener("input", (ev) => { comparePause(); compareRender(Number(ev.target.value)); });
  $("#compare-play").addEventListener("click", () => (C.timer ? comparePause() : comparePlay()));
  for (const btn of $$(".preset")) {
    btn.addEventListener("click", () => {
      $("#compare-a-scenario").value = btn.dataset.a;
      $("#compare-b-scenario").value = btn.dataset.b;
      $("#compare-a-params").value = (btn.dataset.aparams || "").split(";").join("\n");
      $("#compare-b-params").value = (btn.dataset.bparams || "").split(";").join("\n");
      C.labels = null;
      $("#lesson-info").hidden = true;
      runCompare();
    });
  }
  for (const s of ["a", "b"]) {
    $(`#compare-${s}-params`).addEventListener("input", (ev) => clearFieldErrors(ev.target.parentElement));
  }
}

// "plane" or "sphere" ([lat, lon] positions): how the map places the states.
const metricCache = new Map();
async function scenarioMetric(name, params) {
  if (params && params["geography.metric"]) return String(params["geography.metric"]);
  if (!metricCache.has(name)) {
    let m = "plane";
    try {
      const sc = await getJSON(`/api/scenarios/${encodeURIComponent(name)}`);
      m = (sc.params && sc.params["geography.metric"]) || "plane";
    } catch (e) { /* keep plane */ }
    metricCache.set(name, m);
  }
  return metricCache.get(name);
}

// Ready-made comparisons from the server (/api/lessons); the static presets stay if it has none.
async function loadLessons() {
  let res;
  try {
    res = await getJSON("/api/lessons");
  } catch (e) {
    return;   // optional: keep the built-in preset buttons
  }
  const lessons = (res && res.lessons) || [];
  if (!lessons.length) return;
  const box = $("#compare-presets");
  box.innerHTML = "";
  box.appendChild(el("span", { text: "Ready-made comparisons:" }));
  for (const L of lessons) {
    const ok = S.byName.has(L.a.scenario) && S.byName.has(L.b.scenario);
    const btn = el("button", { type: "button", class: "preset", title: L.claim || "", disabled: !ok, dataset: { lesson: L.name } }, [L.title || L.name]);
    btn.addEventListener("click", () => applyLesson(L));
    box.appendChild(btn);
  }
}

function applyLesson(L) {
  const lines = (params) => Object.entries(params || {}).map(([k, v]) => `${k}=${v}`).join("\n");
  $("#compare-a-scenario").value = L.a.scenario;
  $("#compare-b-scenario").value = L.b.scenario;
  $("#compare-a-params").value = lines(L.a.params);
  $("#compare-b-params").value = lines(L.b.params);
  C.labels = { a: L.a.label, b: L.b.label };
  const info = $("#lesson-info");
  info.innerHTML = "";
  const title = L.title || L.name;
  info.appendChild(el("strong", { text: title + (/[.?!]$/.test(title) ? " " : ". ") }));
  info.appendChild(document.createTextNode(L.claim || ""));
  if (L.source) info.appendChild(el("span", { class: "source", text: ` (${L.source})` }));
  if (L.watch) info.appendChild(el("span", { class: "watch", text: ` Watch: ${L.watch}.` }));
  if (L.note) info.appendChild(el("span", { class: "note", text: ` ${L.note}` }));
  info.hidden = false;
  runCompare();
}

function setCompareStatus() {
  const a = C.sides.a && C.sides.a.st, b = C.sides.b && C.sides.b.st;
  const box = $("#compare-status");
  if (!a || !b) return;
  box.textContent = `A: ${statusText(a)} · B: ${statusText(b)}`;
  let word;
  if (a.status === "failed" || b.status === "failed") word = "failed";
  else if (a.status === "cancelled" || b.status === "cancelled") word = "cancelled";
  else if (a.status === "done" && b.status === "done") word = C.sides.a.world && C.sides.b.world ? "done" : "running";
  else if (a.status === "queued" && b.status === "queued") word = "queued";
  else word = "running";
  box.dataset.status = word;
}

async function runCompare() {
  clearError();
  comparePause();
  for (const p of C.polls) p.stop();
  C.polls = [];
  for (const s of ["a", "b"]) {
    const side = C.sides[s];
    if (side && side.st && (side.st.status === "queued" || side.st.status === "running")) {
      deleteJSON(`/api/runs/${encodeURIComponent(side.st.id)}`).catch(() => {});
    }
  }
  const sides = {};
  const root = $("#panel-compare");
  clearFieldErrors(root);
  for (const s of ["a", "b"]) {
    const area = $(`#compare-${s}-params`);
    let params;
    try {
      params = parseChanges(area.value, s.toUpperCase());
    } catch (e) {
      showError(e.message);
      area.classList.add("invalid");
      area.parentElement.appendChild(el("div", { class: "field-error", text: e.message }));
      return;
    }
    const body = { scenario: $(`#compare-${s}-scenario`).value, params, label: `compare ${s.toUpperCase()}` };
    const w = numberField("#compare-worlds"), y = numberField("#compare-years");
    if (w !== undefined) body.worlds = w;
    if (y !== undefined) body.years = y;
    sides[s] = body;
  }
  const token = {};
  C.token = token;
  C.sides = { a: null, b: null };
  $("#compare-table").innerHTML = "<tbody><tr><td class='explain'>running…</td></tr></tbody>";
  $("#compare-status").dataset.status = "queued";
  $("#compare-status").textContent = "starting…";
  for (const s of ["a", "b"]) {
    $(`#compare-${s}`).innerHTML = "";
    $(`#compare-${s}`).appendChild(el("div", { class: "empty", text: `Run ${s.toUpperCase()}: starting…` }));
  }
  let stA, stB;
  try {
    stA = await postJSON("/api/runs", sides.a);
  } catch (e) {
    compareError("a", e);
    return;
  }
  try {
    stB = await postJSON("/api/runs", sides.b);
  } catch (e) {
    compareError("b", e);
    deleteJSON(`/api/runs/${encodeURIComponent(stA.id)}`).catch(() => {});
    return;
  }
  C.sides.a = { st: stA, body: sides.a };
  C.sides.b = { st: stB, body: sides.b };
  setCompareStatus();
  const waits = ["a", "b"].map(async (s) => {
    const side = C.sides[s];
    const poll = pollStatus(`/api/runs/${encodeURIComponent(side.st.id)}`, (st) => {
      if (C.token !== token) return;
      side.st = st;
      setCompareStatus();
      if (!side.world) $(`#compare-${s} .empty`) && ($(`#compare-${s} .empty`).textContent = `Run ${s.toUpperCase()}: ${statusText(st)}`);
    });
    C.polls.push(poll);
    const fin = await poll.promise;
    if (C.token !== token) return;
    if (fin.status !== "done") {
      if (fin.status === "failed") showError(fin.error || `run ${s.toUpperCase()} failed`);
      return;
    }
    const id = encodeURIComponent(fin.id);
    const [world, dist] = await Promise.all([getJSON(`/api/runs/${id}/world/0`), getJSON(`/api/runs/${id}/distribution`)]);
    if (C.token !== token) return;
    world.metric = await scenarioMetric(side.body.scenario, side.body.params);
    side.world = world;
    side.dist = dist;
  });
  try {
    await Promise.all(waits);
  } catch (e) {
    if (C.token === token) showError(e.message);
    return;
  }
  if (C.token !== token || !C.sides.a.world || !C.sides.b.world) { setCompareStatus(); return; }
  await buildCompareColumns();
  if (C.token !== token) return;
  const T = Math.max(C.sides.a.world.years.length, C.sides.b.world.years.length) - 1;
  $("#compare-slider").max = String(T);
  $("#compare-slider").value = "0";
  compareRender(0);
  compareTable();
  setCompareStatus();
}

function compareError(s, e) {
  showError(e.message);
  const area = $(`#compare-${s}-params`);
  area.classList.add("invalid");
  area.parentElement.appendChild(el("div", { class: "field-error", text: `Run ${s.toUpperCase()}: ${e.message}` }));
  $("#compare-status").dataset.status = "failed";
  $("#compare-status").textContent = `failed: run ${s.toUpperCase()} was refused`;
}

async function buildCompareColumns() {
  for (const s of ["a", "b"]) {
    const side = C.sides[s];
    const col = $(`#compare-${s}`);
    col.innerHTML = "";
    const changes = Object.entries(side.body.params).map(([k, v]) => `${k}=${v}`).join(", ");
    const lab = C.labels && C.labels[s] ? ` — ${C.labels[s]}` : "";
    col.appendChild(el("h3", {}, [
      `${s.toUpperCase()}: ${side.body.scenario}${lab}`,
      changes ? el("span", { class: "changes", text: ` (${changes})` }) : null,
      el("span", { class: "polarity-chip" }),
    ]));
    const map = el("div", { class: "map compare-map" });
    col.appendChild(map);
    col.appendChild(el("p", { class: "explain", text: "World 0 of the run. Circle area = power share; colour = bloc; red = war." }));
    const con = el("div", { class: "chart compare-con" });
    col.appendChild(el("h4", { text: "Polarity and CON (world 0)" }));
    col.appendChild(con);
    col.appendChild(el("p", { class: "explain", text: "CON: concentration of capabilities (Ray & Singer 1973); background: polarity." }));
    const pol = el("div", { class: "chart compare-polarity" });
    col.appendChild(el("h4", { text: `Polarity across the ${side.dist.worlds} worlds` }));
    col.appendChild(pol);
    col.appendChild(el("p", { class: "explain", text: "Share of the worlds unipolar, bipolar or multipolar each year." }));
    side.map = map;
    side.chip = $(".polarity-chip", col);
    side.handles = [];
    try {
      side.handles.push(await embedChart(con, conSpec(side.world, chartWidth(con, 440), 170)));
      const years = side.dist.years || side.world.years;
      side.handles.push(await embedChart(pol, polarityShareSpec(years, side.dist.polarity, chartWidth(pol, 440), 150)));
    } catch (e) {
      console.error(e);
      showError("chart: " + e.message);
    }
  }
}

function compareRender(t) {
  C.t = t;
  const labels = [];
  for (const s of ["a", "b"]) {
    const side = C.sides[s];
    if (!side || !side.world) continue;
    const w = side.world;
    const tt = Math.max(0, Math.min(w.years.length - 1, t));
    const mw = mapBoxWidth(side.map, 560);
    drawMap(side.map, w, tt, { compact: true, width: mw, height: Math.round(mw * 0.66) });
    side.chip.textContent = w.polarity ? w.polarity[tt] : "";
    side.chip.dataset.polarity = side.chip.textContent;
    for (const h of side.handles || []) h.setYear(w.years[tt]);
    labels.push(w.years[tt]);
  }
  $("#compare-slider").value = String(t);
  const uniq = Array.from(new Set(labels));
  $("#compare-year-label").textContent = uniq.join(" / ");
}

function comparePlay() {
  if (!C.sides.a || !C.sides.a.world) return;
  const T = Number($("#compare-slider").max);
  if (C.t >= T) compareRender(0);
  $("#compare-play").textContent = "Pause";
  C.timer = setInterval(() => {
    if (C.t >= T) { comparePause(); return; }
    compareRender(C.t + 1);
  }, 200);
}

function comparePause() {
  if (C.timer) clearInterval(C.timer);
  C.timer = null;
  $("#compare-play").textContent = "Play";
}

function compareTable() {
  const A = (C.sides.a.dist.outcomes || []), B = (C.sides.b.dist.outcomes || []);
  const names = [];
  const info = new Map();
  for (const o of A.concat(B)) {
    if (!info.has(o.name)) { info.set(o.name, o); names.push(o.name); }
  }
  const byA = new Map(A.map((o) => [o.name, o.value]));
  const byB = new Map(B.map((o) => [o.name, o.value]));
  const table = $("#compare-table");
  table.innerHTML = "";
  table.appendChild(el("thead", {}, [el("tr", {}, [
    el("th", { text: "outcome" }), el("th", { text: "A" }), el("th", { text: "B" }), el("th", { text: "B − A" }),
  ])]));
  const tb = el("tbody");
  for (const n of names) {
    const o = info.get(n);
    const a = byA.get(n), b = byB.get(n);
    const diff = typeof a === "number" && typeof b === "number" ? b - a : null;
    tb.appendChild(el("tr", { dataset: { outcome: n }, title: o.unit ? `unit: ${o.unit}` : "" }, [
      el("th", { text: o.label || n, title: n }),
      el("td", { class: "num", text: fmtOutcome(a, o.unit, o.label) }),
      el("td", { class: "num", text: fmtOutcome(b, o.unit, o.label) }),
      el("td", { class: "num diff", text: fmtOutcome(diff, o.unit, o.label, true) }),
    ]));
  }
  table.appendChild(tb);
}

// ============================================================ history panel

const H = { data: null, loading: null, handle: null, year: 1914 };

function wireHistory() {
  $("#history-year").addEventListener("change", (ev) => setHistoryYear(Number(ev.target.value)));
  $("#history-year").addEventListener("input", (ev) => {
    const v = Number(ev.target.value);
    if (H.data && Number.isInteger(v) && v >= H.data.years[0] && v <= H.data.years[H.data.years.length - 1]) setHistoryYear(v);
  });
  $("#history-build").addEventListener("click", buildFromHistory);
}

function initHistory() {
  if (H.loading) return H.loading;
  H.loading = (async () => {
    let hist;
    try {
      hist = await getJSON("/api/history");
    } catch (e) {
      showError(e.message);
      H.loading = null;
      return;
    }
    H.data = hist;
    const y0 = hist.years[0], y1 = hist.years[hist.years.length - 1];
    const yi = $("#history-year");
    yi.min = y0; yi.max = y1;
    $("#history-citation").textContent = hist.citation ? `Data: ${hist.citation}` : "";
    const c = $("#history-chart");
    const year = Math.min(y1, Math.max(y0, Number(yi.value) || H.year));
    try {
      H.handle = await embedChart(c, historySpec(hist, chartWidth(c, 1000), 260, year));
      const view = H.handle.view;
      view.addSignalListener("pick", (name, value) => {
        const y = value && (Array.isArray(value.year) ? value.year[0] : value.year);
        if (Number.isFinite(Number(y))) setHistoryYear(Number(y));
      });
      view.addEventListener("click", (event, item) => {
        let y = null;
        let d = item && item.datum;
        if (d && d.datum && d.datum.year !== undefined) d = d.datum;   // voronoi cell of a point
        if (d && Number.isFinite(d.year)) y = d.year;
        if (y === null) {
          try {
            const rect = view.container().querySelector("svg").getBoundingClientRect();
            const origin = view.origin();
            y = Math.round(view.scale("x").invert(event.clientX - rect.left - origin[0]));
          } catch (e) { y = null; }
        }
        if (Number.isFinite(y)) setHistoryYear(y);
      });
    } catch (e) {
      console.error(e);
      c.textContent = "chart failed: " + e.message;
    }
    setHistoryYear(year);
  })();
  return H.loading;
}

function setHistoryYear(y) {
  const hist = H.data;
  if (!hist) return;
  const y0 = hist.years[0], y1 = hist.years[hist.years.length - 1];
  y = Math.round(Math.max(y0, Math.min(y1, y)));
  H.year = y;
  const yi = $("#history-year");
  if (Number(yi.value) !== y) yi.value = String(y);
  const i = hist.years.indexOf(y);
  if (H.handle) H.handle.setYear(y);
  const majors = (hist.majors && hist.majors[i]) || [];
  const ul = $("#history-majors");
  ul.innerHTML = "";
  for (const m of majors) ul.appendChild(el("li", { text: m }));
  if (!majors.length) ul.appendChild(el("li", { class: "none", text: "none listed" }));
  ul.dataset.year = String(y);
  const wars = (hist.wars || []).filter((w) => w.start <= y && (w.end === null || w.end === undefined || w.end >= y))
    .sort((a, b) => a.start - b.start);
  const wl = $("#history-wars");
  wl.innerHTML = "";
  for (const w of wars) {
    wl.appendChild(el("li", { class: "war-item" + (w.great_power ? " gp-war" : ""), title: (w.states || []).join(", ") }, [
      el("span", { class: "war-name", text: w.name }),
      el("span", { class: "war-years", text: ` ${w.start}–${w.end ?? ""}` }),
      w.great_power ? el("span", { class: "badge", text: "great-power war" }) : null,
    ]));
  }
  if (!wars.length) wl.appendChild(el("li", { class: "none", text: "no war under way" }));
  wl.dataset.year = String(y);
  const pol = hist.polarity[i];
  const con = hist.con[i];
  const gp = hist.great_powers ? hist.great_powers[i] : majors.length;
  const era = hist.era ? hist.era[i] : pol;
  $("#history-summary").textContent = `${y}: textbook era ${era}; measured ${pol}, ${gp} great power${gp === 1 ? "" : "s"}, CON ${fmt(con, 3)}`;
  $("#history-build").textContent = `Build a scenario from ${y} and run it`;
}

async function buildFromHistory() {
  clearError();
  const y = Number($("#history-year").value);
  const btn = $("#history-build");
  btn.disabled = true;
  showTab("panel-run");
  $("#run-status").textContent = `building a scenario from ${y}…`;
  $("#run-status").dataset.status = "building";
  let res;
  try {
    res = await postJSON("/api/history/scenario", { year: y });
  } catch (e) {
    showError(e.message);
    $("#run-status").textContent = `failed: ${e.message}`;
    $("#run-status").dataset.status = "failed";
    btn.disabled = false;
    return;
  }
  btn.disabled = false;
  let checked = { name: res.name };
  try {
    checked = await postJSON("/api/scenarios/validate", { yaml: res.yaml });   // its own values, for the form
  } catch (e) {
    console.warn("validate of the history scenario failed", e);
  }
  S.upload = uploadFrom(res.yaml, { ...checked, name: res.name || checked.name }, `built from the ${y} system`, `history-${y}`);
  setUploadOption(`from history ${y}: ${S.upload.name}`);
  await selectScenario(UPLOAD);
  startRun();
}

// ======================================================== experiments panel

const E = { loading: null, list: [], job: null };

function wireExperiments() {
  $("#experiment-select").addEventListener("change", showExperimentInfo);
  $("#experiment-run").addEventListener("click", runExperiment);
  $("#experiment-cancel").addEventListener("click", async () => {
    if (!E.job) return;
    try {
      const st = await deleteJSON(`/api/experiments/${encodeURIComponent(E.job.id)}`);
      if (st && st.status) setExperimentStatus(st);
    } catch (e) { showError(e.message); }
  });
}

function initExperiments() {
  if (E.loading) return E.loading;
  E.loading = (async () => {
    try {
      const res = await getJSON("/api/experiments");
      E.list = (res && res.experiments) || [];
    } catch (e) {
      showError(e.message);
      E.loading = null;
      return;
    }
    const sel = $("#experiment-select");
    sel.innerHTML = "";
    for (const x of E.list) sel.appendChild(el("option", { value: x.name, text: x.title ? `${x.name}: ${x.title}` : x.name }));
    showExperimentInfo();
  })();
  return E.loading;
}

function showExperimentInfo() {
  const x = E.list.find((e) => e.name === $("#experiment-select").value);
  const p = $("#experiment-hypothesis");
  p.textContent = "";
  if (!x) return;
  if (x.hypothesis) p.appendChild(el("span", {}, [el("strong", { text: "Hypothesis: " }), x.hypothesis]));
  if (x.source) p.appendChild(el("span", { class: "source", text: ` (${x.source})` }));
}

function setExperimentStatus(st) {
  const box = $("#experiment-status");
  box.textContent = statusText(st);
  box.dataset.status = st.status;
  const active = st.status === "queued" || st.status === "running";
  $("#experiment-progress").hidden = !active;
  $("#experiment-progress").value = st.progress || 0;
  $("#experiment-cancel").disabled = !active;
}

async function runExperiment() {
  clearError();
  const root = $("#panel-experiments");
  clearFieldErrors(root);
  const body = { name: $("#experiment-select").value };
  for (const [k, id] of [["worlds", "#experiment-worlds"], ["years", "#experiment-years"], ["seed", "#experiment-seed"]]) {
    const v = numberField(id);
    if (v !== undefined) body[k] = v;
  }
  if (E.job && E.job.poll) {
    E.job.poll.stop();
    if (E.job.active) deleteJSON(`/api/experiments/${encodeURIComponent(E.job.id)}`).catch(() => {});
  }
  let st;
  try {
    st = await postJSON("/api/experiments", body);
  } catch (e) {
    showError(e.message);
    const f = e.field || fieldFromMessage(e.message);
    const map = { worlds: "#experiment-worlds", years: "#experiment-years", seed: "#experiment-seed", name: "#experiment-select" };
    if (f && map[f]) {
      const input = $(map[f]);
      input.classList.add("invalid");
      input.parentElement.appendChild(el("div", { class: "field-error", text: e.message }));
    }
    return;
  }
  const job = { id: st.id, poll: null, active: true };
  E.job = job;
  setExperimentStatus(st);
  $("#experiment-summary").innerHTML = "<tbody><tr><td class='explain'>running…</td></tr></tbody>";
  $("#experiment-report").removeAttribute("src");
  job.poll = pollStatus(`/api/experiments/${encodeURIComponent(st.id)}`, (s) => {
    job.active = s.status === "queued" || s.status === "running";
    if (E.job === job) setExperimentStatus(s);
  });
  let fin;
  try {
    fin = await job.poll.promise;
  } catch (e) {
    if (E.job === job) showError(e.message);
    return;
  }
  if (E.job !== job) return;
  if (fin.status === "failed") { showError(fin.error || "the experiment failed"); return; }
  if (fin.status !== "done") return;
  experimentSummary(fin.summary || []);
  $("#experiment-report").src = `/api/experiments/${encodeURIComponent(fin.id)}/report`;
}

function verdictClass(v) {
  const t = v.toLowerCase();
  if (/not|refut|contra|reject|fail/.test(t)) return "verdict-bad";
  if (/inconclusive|unclear|mixed/.test(t)) return "verdict-unsure";
  if (/held|support|confirm|consistent|pass/.test(t)) return "verdict-good";
  return "";
}

function experimentSummary(rows) {
  const table = $("#experiment-summary");
  table.innerHTML = "";
  table.appendChild(el("thead", {}, [el("tr", {}, ["outcome", "condition", "prediction", "effect", "95% interval", "verdict"].map((h) => el("th", { text: h })))]));
  const tb = el("tbody");
  for (const r of rows) {
    const verdict = String(r.verdict ?? "");
    tb.appendChild(el("tr", {}, [
      el("td", { text: r.outcome ?? "" }),
      el("td", { text: r.condition ?? "" }),
      el("td", { text: r.prediction ?? "" }),
      el("td", { class: "num", text: fmt(r.effect) }),
      el("td", { class: "num", text: `[${fmt(r.ci_low)}, ${fmt(r.ci_high)}]` }),
      el("td", { class: "verdict " + verdictClass(verdict), text: verdict }),
    ]));
  }
  if (!rows.length) tb.appendChild(el("tr", {}, [el("td", { colspan: "6", text: "no summary rows" })]));
  table.appendChild(tb);
}

// ======================================================================

// Re-fit the run's charts to a new window width (a few times at most, debounced).
let resizeTimer = null;
let lastWidth = window.innerWidth;
window.addEventListener("resize", () => {
  if (Math.abs(window.innerWidth - lastWidth) < 40) return;
  clearTimeout(resizeTimer);
  resizeTimer = setTimeout(async () => {
    lastWidth = window.innerWidth;
    const P = S.P;
    if (!P || $("#panel-run").hidden) return;
    if (P.mode !== "all") await embedWorldCharts(P.world);
    else { P.distHandles = null; await ensureDistCharts(); }
    renderFrame(P.t);
  }, 400);
});

document.addEventListener("DOMContentLoaded", init);
