// map.js: the map of the system as an inline SVG, redrawn for each shown year.
"use strict";

// Bloc colours: -1 (no ally) is grey; otherwise the palette colour at the bloc id.
// Red is kept out of the palette: it is the colour of war.
const BLOC_PALETTE = [
  "#4e79a7", "#f28e2b", "#59a14f", "#b07aa1", "#76b7b2",
  "#edc948", "#9c755f", "#ff9da7", "#1b5e20", "#3949ab",
  "#8cd17d", "#d4a6c8", "#00838f", "#a1887f", "#6a3d9a",
  "#17becf", "#bcbd22", "#393b79", "#637939", "#e7969c",
];
const NO_BLOC = "#a9a9a9";

function blocColour(bloc) {
  if (bloc === null || bloc === undefined || bloc < 0) return NO_BLOC;
  return BLOC_PALETTE[bloc % BLOC_PALETTE.length];
}

function escapeXml(s) {
  return String(s).replace(/[&<>"']/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" }[c]));
}

function warActive(war, year) {
  return war.start <= year && (war.end === null || war.end === undefined || war.end >= year);
}

// Precomputed per world: index of names and the projection to the SVG box.
function mapGeometry(world, W, H, pad) {
  const key = `${W}x${H}x${pad}x${world.metric || "plane"}`;
  if (world._geom && world._geom.key === key) return world._geom;
  // plane: (x, y) in 1000 km; sphere: (lat, lon) in degrees, drawn as lon across and lat up,
  // with longitudes narrowed by cos(mean latitude) (an equirectangular view)
  let xs, ys;
  if (world.metric === "sphere") {
    const lats = world.states.map((s) => Number(s.x) || 0);
    const meanLat = lats.reduce((a, b) => a + b, 0) / Math.max(1, lats.length);
    const k = Math.max(0.3, Math.cos((meanLat * Math.PI) / 180));
    xs = world.states.map((s) => (Number(s.y) || 0) * k);
    ys = lats;
  } else {
    xs = world.states.map((s) => Number(s.x) || 0);
    ys = world.states.map((s) => Number(s.y) || 0);
  }
  let x0 = Math.min(...xs), x1 = Math.max(...xs);
  let y0 = Math.min(...ys), y1 = Math.max(...ys);
  if (!(x1 > x0)) { x0 -= 1; x1 += 1; }
  if (!(y1 > y0)) { y0 -= 1; y1 += 1; }
  const scale = Math.min((W - 2 * pad) / (x1 - x0), (H - 2 * pad) / (y1 - y0));
  const cx = (x0 + x1) / 2, cy = (y0 + y1) / 2;
  const px = world.states.map((s, i) => W / 2 + (xs[i] - cx) * scale);
  // north / "up" is larger y: flip for the screen
  const py = world.states.map((s, i) => H / 2 - (ys[i] - cy) * scale);
  const index = new Map(world.states.map((s, i) => [s.name, i]));
  world._geom = { key, px, py, index };
  return world._geom;
}

// Draw world `world` at year index t into `container`.
// opts: {width, height, greyed, compact}
function drawMap(container, world, t, opts = {}) {
  const W = opts.width || 620, H = opts.height || 460;
  const pad = opts.compact ? 34 : 48;
  const g = mapGeometry(world, W, H, pad);
  const year = world.years[t];
  const alive = world.alive[t] || [];
  const share = world.share[t] || [];
  const bloc = world.bloc[t] || [];
  const gp = (world.great_power && world.great_power[t]) || [];
  const burden = (world.burden && world.burden[t]) || [];
  const rmax = Math.min(W, H) * (opts.compact ? 0.15 : 0.16);
  const fontSize = opts.compact ? 11 : 12.5;

  const parts = [];
  parts.push(`<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 ${W} ${H}" class="map-svg${opts.greyed ? " greyed" : ""}" role="img" aria-label="map of the states in ${year}">`);
  parts.push(`<rect class="map-bg" x="0" y="0" width="${W}" height="${H}" rx="8"/>`);

  // wars first (under the circles)
  const wars = (world.wars || []).filter((w) => warActive(w, year));
  for (const w of wars) {
    const a = g.index.get(w.attacker), d = g.index.get(w.defender);
    if (a === undefined || d === undefined) continue;
    const title = `${w.attacker} attacks ${w.defender} (${w.start}–${w.end ?? "ongoing"})`;
    parts.push(`<line class="war" data-war="${escapeXml(w.id)}" x1="${g.px[a].toFixed(1)}" y1="${g.py[a].toFixed(1)}" x2="${g.px[d].toFixed(1)}" y2="${g.py[d].toFixed(1)}"><title>${escapeXml(title)}</title></line>`);
    const mx = (g.px[a] + g.px[d]) / 2, my = (g.py[a] + g.py[d]) / 2;
    for (const j of w.joined || []) {
      const k = g.index.get(j);
      if (k === undefined || !alive[k]) continue;
      parts.push(`<line class="war-join" x1="${g.px[k].toFixed(1)}" y1="${g.py[k].toFixed(1)}" x2="${mx.toFixed(1)}" y2="${my.toFixed(1)}"><title>${escapeXml(j)} joined the war ${escapeXml(w.attacker)}–${escapeXml(w.defender)}</title></line>`);
    }
  }

  // states: the big ones first so that the small stay visible on top
  const order = world.states.map((s, i) => i).sort((i, j) => (share[j] || 0) - (share[i] || 0));
  const placed = [];   // label boxes already placed, to keep labels from overlapping
  const labels = [];
  const place = (name, x, y, r, fs, cls) => {
    const w = 0.58 * fs * String(name).length, h = fs;
    const tries = [
      [x, y + r + fs, "middle"], [x, y - r - 3, "middle"],
      [x + r + 3, y + fs / 3, "start"], [x - r - 3, y + fs / 3, "end"],
      [x, y + r + 2 * fs, "middle"], [x, y - r - fs - 3, "middle"],
    ];
    let best = tries[0];
    for (const tr of tries) {
      const [tx, ty, anchor] = tr;
      const x0 = anchor === "middle" ? tx - w / 2 : anchor === "start" ? tx : tx - w;
      const box = [x0, ty - h, x0 + w, ty + 2];
      if (box[0] < 2 || box[2] > W - 2 || box[1] < 2 || box[3] > H - 2) continue;
      if (!placed.some((b) => box[0] < b[2] && box[2] > b[0] && box[1] < b[3] && box[3] > b[1])) {
        best = tr;
        placed.push(box);
        break;
      }
    }
    labels.push(`<text class="${cls}" x="${best[0].toFixed(1)}" y="${best[1].toFixed(1)}" text-anchor="${best[2]}" font-size="${fs}">${escapeXml(name)}</text>`);
  };
  // circles first (so that labels can be placed knowing them), the big ones under the small
  const marks = [];
  for (const i of order) {
    const s = world.states[i];
    const x = g.px[i], y = g.py[i];
    if (!alive[i]) {
      const c = 5;
      parts.push(`<path class="dead" data-name="${escapeXml(s.name)}" d="M${(x - c).toFixed(1)},${(y - c).toFixed(1)}L${(x + c).toFixed(1)},${(y + c).toFixed(1)}M${(x - c).toFixed(1)},${(y + c).toFixed(1)}L${(x + c).toFixed(1)},${(y - c).toFixed(1)}"><title>${escapeXml(s.name)}: no longer exists</title></path>`);
      marks.push([i, x, y, c, true]);
      continue;
    }
    const sh = Math.max(0, share[i] || 0);
    const r = Math.max(3, rmax * Math.sqrt(sh));
    const b = bloc[i] === undefined ? -1 : bloc[i];
    const tip = `${s.name}: ${(100 * sh).toFixed(1)}% of power` +
      (gp[i] ? ", great power" : "") +
      (b >= 0 ? `, bloc of ${world.states[b] ? world.states[b].name : b}` : ", no ally") +
      (burden[i] !== null && burden[i] !== undefined ? `, burden ${(100 * burden[i]).toFixed(1)}%` : "");
    parts.push(`<circle class="state${gp[i] ? " great" : ""}" data-name="${escapeXml(s.name)}" data-bloc="${b}" cx="${x.toFixed(1)}" cy="${y.toFixed(1)}" r="${r.toFixed(1)}" fill="${blocColour(b)}"><title>${escapeXml(tip)}</title></circle>`);
    marks.push([i, x, y, r, false]);
  }
  // circles are obstacles for the labels too
  for (const [, x, y, r] of marks) placed.push([x - r, y - r, x + r, y + r]);
  // labels: great powers first, then by share
  marks.sort((m1, m2) => (gp[m2[0]] ? 1 : 0) - (gp[m1[0]] ? 1 : 0) || (share[m2[0]] || 0) - (share[m1[0]] || 0));
  for (const [i, x, y, r, dead] of marks) {
    const name = world.states[i].name;
    if (dead) place(name, x, y, r, fontSize - 1, "label dead-label");
    else place(name, x, y, r, fontSize, "label" + (gp[i] ? " great-label" : ""));
  }
  parts.push(...labels);

  parts.push(`<text class="map-year" x="14" y="${opts.compact ? 26 : 32}" font-size="${opts.compact ? 20 : 26}">${escapeXml(year)}</text>`);
  const notes = [];
  if (wars.length) notes.push(`${wars.length} war${wars.length > 1 ? "s" : ""} under way`);
  const races = world.arms_races ? world.arms_races[t] : 0;
  if (races) notes.push(`${races} arms race${races > 1 ? "s" : ""}`);
  const spirals = world.spirals ? world.spirals[t] : 0;
  if (spirals) notes.push(`${spirals} spiral${spirals > 1 ? "s" : ""} of suspicion`);
  if (notes.length) parts.push(`<text class="map-wars" x="14" y="${H - 12}" font-size="${fontSize}">${escapeXml(notes.join(" · "))}</text>`);
  parts.push("</svg>");
  container.innerHTML = parts.join("");
  container.dataset.year = String(year);
}
