// api.js: talking to the dashboard server, and showing its errors.
// Every server error is one JSON line {"error": "<field>: <problem>", "field"?: ...}.
"use strict";

class ApiError extends Error {
  constructor(message, status, field) {
    super(message);
    this.status = status;
    this.field = field || null;
  }
}

// The field path an error line starts with: "war.cost = 5: allowed ..." -> "war.cost".
function fieldFromMessage(msg) {
  const m = /^\s*([A-Za-z_][\w.\[\]-]*)\s*(?:=|:)/.exec(msg || "");
  return m ? m[1] : null;
}

async function api(method, path, body) {
  const opts = { method, headers: {} };
  if (body !== undefined) {
    opts.headers["Content-Type"] = "application/json";
    opts.body = JSON.stringify(body);
  }
  let resp;
  try {
    resp = await fetch(path, opts);
  } catch (e) {
    throw new ApiError("cannot reach the dashboard server (is `neorealism serve` still running?)", 0);
  }
  const text = await resp.text();
  let data = null;
  if (text) {
    try { data = JSON.parse(text); } catch (e) { data = null; }
  }
  if (!resp.ok) {
    let msg = data && typeof data.error === "string" ? data.error
      : (data && typeof data.detail === "string" ? data.detail : `${method} ${path}: HTTP ${resp.status}`);
    msg = String(msg).split("\n")[0];
    const field = (data && typeof data.field === "string" && data.field) || fieldFromMessage(msg);
    throw new ApiError(msg, resp.status, field);
  }
  return data;
}

const getJSON = (path) => api("GET", path);
const postJSON = (path, body) => api("POST", path, body);
const deleteJSON = (path) => api("DELETE", path);

// ------------------------------------------------------------------ errors

function showError(msg) {
  const el = document.getElementById("error");
  if (!msg) {
    el.textContent = "";
    el.hidden = true;
    return;
  }
  el.textContent = String(msg).split("\n")[0];
  el.hidden = false;
}

function clearError() { showError(""); }

// Mark the input named `field` (within `root`) invalid with a message next to it.
// Returns true when such an input was found.
function markFieldError(root, field, msg) {
  if (!field || !root) return false;
  const candidates = [field];
  if (field.startsWith("params.")) candidates.push(field.slice(7));
  else candidates.push("params." + field);
  let input = null;
  for (const name of candidates) {
    input = root.querySelector(`[name="${CSS.escape(name)}"]`);
    if (input) break;
  }
  if (!input) return false;
  input.classList.add("invalid");
  input.setAttribute("aria-invalid", "true");
  const holder = input.closest(".param") || input.parentElement;
  let err = holder.querySelector(".field-error");
  if (!err) {
    err = document.createElement("div");
    err.className = "field-error";
    holder.appendChild(err);
  }
  err.textContent = msg;
  const details = input.closest("details");
  if (details) details.open = true;
  input.scrollIntoView({ block: "center", behavior: "smooth" });
  return true;
}

function clearFieldErrors(root) {
  if (!root) return;
  root.querySelectorAll(".invalid").forEach((el) => {
    el.classList.remove("invalid");
    el.removeAttribute("aria-invalid");
  });
  root.querySelectorAll(".field-error").forEach((el) => el.remove());
}

// Poll a status URL every `ms` until a final status; onUpdate(status) each time.
// Returns {promise, stop}.
function pollStatus(url, onUpdate, ms = 300) {
  let stopped = false;
  let timer = null;
  const promise = new Promise((resolve, reject) => {
    const tick = async () => {
      if (stopped) return;
      let st;
      try {
        st = await getJSON(url);
      } catch (e) {
        reject(e);
        return;
      }
      if (stopped) return;
      onUpdate(st);
      if (["done", "failed", "cancelled"].includes(st.status)) resolve(st);
      else timer = setTimeout(tick, ms);
    };
    tick();
  });
  return { promise, stop: () => { stopped = true; if (timer) clearTimeout(timer); } };
}

function statusText(st) {
  if (!st) return "";
  switch (st.status) {
    case "running": return `running ${Math.round(100 * (st.progress || 0))}%`;
    case "failed": return `failed: ${st.error || "unknown error"}`;
    default: return st.status;
  }
}

// Small DOM helper: el("div", {class: "x", text: "hi"}, [children]).
function el(tag, attrs, children) {
  const e = document.createElement(tag);
  if (attrs) {
    for (const [k, v] of Object.entries(attrs)) {
      if (v === undefined || v === null || v === false) continue;
      if (k === "text") e.textContent = v;
      else if (k === "class") e.className = v;
      else if (k === "dataset") Object.assign(e.dataset, v);
      else e.setAttribute(k, v === true ? "" : v);
    }
  }
  for (const c of children || []) {
    if (c === null || c === undefined) continue;
    e.appendChild(typeof c === "string" ? document.createTextNode(c) : c);
  }
  return e;
}

function fmt(v, digits = 3) {
  if (v === null || v === undefined || Number.isNaN(v)) return "–";
  if (typeof v !== "number") return String(v);
  if (Number.isInteger(v)) return String(v);
  const a = Math.abs(v);
  if (a >= 1e6) return v.toExponential(2);
  if (a !== 0 && a < 0.001) return String(Number(v.toPrecision(2)));
  return v.toFixed(digits).replace(/(\.\d*?)0+$/, "$1").replace(/\.$/, "");
}

// An outcome value with its unit, readable: shares as percentages, a unit that only
// repeats the label's measure (CON, HHI) left out.  diff: a difference (B − A).
function fmtOutcome(v, unit, label, diff = false) {
  if (v === null || v === undefined || Number.isNaN(v)) return "–";
  const sign = diff && v > 0 ? "+" : "";
  const u = (unit || "").trim();
  if (u === "share" || u.startsWith("share ")) {
    const pct = 100 * v;
    return sign + fmt(Math.abs(pct) >= 10 ? Math.round(pct * 10) / 10 : Math.round(pct * 100) / 100, 2) + (diff ? " pts" : "%");
  }
  const lab = (label || "").trim();
  const showUnit = u && !(lab.endsWith(" " + u) || lab === u);
  return sign + fmt(v) + (showUnit ? ` ${u}` : "");
}
