// A small line chart on a canvas: no library, fixed 60 s window. The axis
// is scaled to the data shown (a limit far above it is a label, not the
// axis); hovering shows each series' value at that moment.
export const WINDOW_MS = 60_000;

// Distinct colours, in order of first appearance (readable on the light and
// the dark background alike).
const PALETTE = ["#4263eb", "#e8590c", "#2f9e44", "#d6336c", "#7950f2", "#0c8599", "#f08c00", "#74b816", "#868e96", "#1c7ed6"];
const assigned = new Map();

// colorFor gives a key the next unused colour and keeps it, so an isolate
// has the same colour in every chart, the legend and the table.
export function colorFor(key) {
  if (!assigned.has(key)) assigned.set(key, PALETTE[assigned.size % PALETTE.length]);
  return assigned.get(key);
}

const css = (name) => getComputedStyle(document.documentElement).getPropertyValue(name).trim();

// series: [{label, color, points: [{t, v}], dashed}]; opts: {floor, cap, unit, digits}
export function drawChart(canvas, series, opts = {}) {
  const dpr = window.devicePixelRatio || 1;
  const w = canvas.clientWidth || 300, h = canvas.clientHeight || 140;
  if (canvas.width !== Math.round(w * dpr) || canvas.height !== Math.round(h * dpr)) {
    canvas.width = Math.round(w * dpr); canvas.height = Math.round(h * dpr);
  }
  const g = canvas.getContext("2d");
  g.setTransform(dpr, 0, 0, dpr, 0, 0);
  g.clearRect(0, 0, w, h);

  const now = Date.now(), from = now - WINDOW_MS;
  let top = 0;
  for (const s of series) for (const p of s.points) if (p.t >= from) top = Math.max(top, p.v);
  top = niceCeil(Math.max(top * 1.15, opts.floor ?? 1));
  if (opts.cap && top > opts.cap) top = opts.cap; // a share of all cores never passes 100 %
  const padL = 44, padR = 6, padB = 16, padT = 8;
  const x = (t) => padL + (w - padL - padR) * (t - from) / WINDOW_MS;
  const y = (v) => padT + (h - padT - padB) * (1 - v / top);
  const unit = opts.unit ?? "";

  g.strokeStyle = css("--chart-grid") || "#e9ecef"; g.fillStyle = css("--muted") || "#6b7280"; g.lineWidth = 1;
  g.font = "10px system-ui, sans-serif"; g.textAlign = "right"; g.textBaseline = "middle";
  // Ticks at round values: 5 steps for a top of 5 or 2.5 (1, 0.5), else 4.
  const m = top / Math.pow(10, Math.floor(Math.log10(top)));
  const steps = Math.abs(m - 5) < 1e-6 || Math.abs(m - 2.5) < 1e-6 ? 5 : 4;
  for (let i = 0; i <= steps; i++) {
    const v = top * i / steps, yy = Math.round(y(v)) + 0.5;
    g.beginPath(); g.moveTo(padL, yy); g.lineTo(w - padR, yy); g.stroke();
    g.fillText(fmt(v) + unit, padL - 4, yy);
  }
  g.textAlign = "center"; g.textBaseline = "alphabetic";
  for (const s of [60, 30, 0]) g.fillText(s ? `-${s}s` : "now", Math.min(Math.max(x(now - s * 1000), padL + 10), w - padR - 12), h - 3);

  for (const s of series) {
    const pts = s.points.filter((p) => p.t >= from);
    if (!pts.length) continue;
    g.strokeStyle = s.color; g.lineWidth = s.dashed ? 1 : 2;
    g.setLineDash(s.dashed ? [4, 3] : []);
    g.beginPath();
    pts.forEach((p, i) => (i ? g.lineTo(x(p.t), y(p.v)) : g.moveTo(x(p.t), y(p.v))));
    g.stroke();
  }
  g.setLineDash([]);
  canvas._chart = { series, from, x, y, padL, padR, w, h, unit, digits: opts.digits ?? 1 };
  if (!canvas._hover) attachHover(canvas);
}

// attachHover shows, under the pointer, each series' value at that time.
function attachHover(canvas) {
  canvas._hover = true;
  const tip = document.getElementById("chart-tip");
  const hide = () => { tip.hidden = true; };
  canvas.addEventListener("pointerleave", hide);
  canvas.addEventListener("pointermove", (e) => {
    const c = canvas._chart;
    if (!c) return;
    const r = canvas.getBoundingClientRect();
    const px = e.clientX - r.left;
    if (px < c.padL) return hide();
    const t = c.from + (px - c.padL) / (c.w - c.padL - c.padR) * WINDOW_MS;
    const rows = [];
    for (const s of c.series) {
      if (s.dashed) continue;
      let best = null;
      for (const p of s.points) if (!best || Math.abs(p.t - t) < Math.abs(best.t - t)) best = p;
      if (best && Math.abs(best.t - t) < 2500) rows.push({ s, p: best });
    }
    if (!rows.length) return hide();
    const when = new Date(rows[0].p.t).toLocaleTimeString();
    tip.replaceChildren(Object.assign(document.createElement("div"), { className: "tip-time", textContent: when }),
      ...rows.map(({ s, p }) => {
        const d = document.createElement("div");
        const sw = Object.assign(document.createElement("span"), { className: "swatch" });
        sw.style.background = s.color;
        d.append(sw, `${s.label}: ${p.v.toFixed(c.digits)}${c.unit}`);
        return d;
      }));
    tip.hidden = false;
    const tw = tip.offsetWidth, th = tip.offsetHeight;
    let left = e.clientX + 12, topPx = e.clientY - th - 10;
    if (left + tw > window.innerWidth - 4) left = e.clientX - tw - 12;
    if (topPx < 4) topPx = e.clientY + 14;
    tip.style.left = `${left + window.scrollX}px`;
    tip.style.top = `${topPx + window.scrollY}px`;
  });
}

// renderLegend lists the series (one entry per label) beside a chart.
export function renderLegend(ul, entries) {
  ul.replaceChildren(...entries.map(({ label, color, note }) => {
    const li = document.createElement("li");
    const sw = Object.assign(document.createElement("span"), { className: "swatch" });
    sw.style.background = color;
    li.append(sw, label);
    if (note) li.append(Object.assign(document.createElement("span"), { className: "muted", textContent: " " + note }));
    return li;
  }));
}

function niceCeil(v) {
  const p = Math.pow(10, Math.floor(Math.log10(v)));
  for (const m of [1, 2, 2.5, 5, 10]) if (v <= m * p + 1e-9) return m * p;
  return 10 * p;
}

function fmt(v) { return v >= 100 ? v.toFixed(0) : String(parseFloat(v.toFixed(2))); }
