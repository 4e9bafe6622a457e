// A small line chart on a canvas: no library, fixed 60 s window.
export const WINDOW_MS = 60_000;

// series: [{color, points: [{t, v}], dashed}]; opts: {min, max, unit}
export function drawChart(canvas, series, opts = {}) {
  const dpr = window.devicePixelRatio || 1;
  const w = canvas.clientWidth || canvas.width, h = canvas.clientHeight || canvas.height;
  if (canvas.width !== w * dpr || canvas.height !== h * dpr) { canvas.width = w * dpr; canvas.height = h * dpr; }
  const g = canvas.getContext("2d");
  g.setTransform(dpr, 0, 0, dpr, 0, 0);
  g.clearRect(0, 0, w, h);

  const now = Date.now(), from = now - WINDOW_MS;
  let max = opts.max ?? 0;
  for (const s of series) for (const p of s.points) if (p.t >= from) max = Math.max(max, p.v);
  max = niceCeil(max || 1);
  const min = opts.min ?? 0;
  const padL = 36, padB = 4, padT = 6;
  const x = (t) => padL + (w - padL - 4) * (t - from) / WINDOW_MS;
  const y = (v) => padT + (h - padT - padB) * (1 - (v - min) / (max - min));

  g.strokeStyle = "#e9ecef"; g.fillStyle = "#868e96"; g.lineWidth = 1;
  g.font = "10px system-ui, sans-serif"; g.textAlign = "right"; g.textBaseline = "middle";
  for (let i = 0; i <= 4; i++) {
    const v = min + (max - min) * i / 4, yy = Math.round(y(v)) + 0.5;
    g.beginPath(); g.moveTo(padL, yy); g.lineTo(w - 4, yy); g.stroke();
    g.fillText(fmt(v) + (opts.unit || ""), padL - 4, yy);
  }
  for (const s of series) {
    const pts = s.points.filter((p) => p.t >= from);
    if (!pts.length) continue;
    g.strokeStyle = s.color; g.lineWidth = s.dashed ? 1 : 1.8;
    g.setLineDash(s.dashed ? [4, 3] : []);
    g.beginPath();
    pts.forEach((p, i) => (i ? g.lineTo(x(p.t), y(p.v)) : g.moveTo(x(p.t), y(p.v))));
    g.stroke();
  }
  g.setLineDash([]);
}

function niceCeil(v) {
  const p = Math.pow(10, Math.floor(Math.log10(v)));
  for (const m of [1, 2, 2.5, 5, 10]) if (v <= m * p) return m * p;
  return 10 * p;
}

function fmt(v) { return Number.isInteger(v) || v >= 100 ? v.toFixed(0) : v.toFixed(1); }

// A stable colour per key, so an isolate keeps its colour across charts.
export function colorFor(key) {
  let h = 0;
  for (const c of key) h = (h * 31 + c.charCodeAt(0)) >>> 0;
  return `hsl(${h % 360} 65% 45%)`;
}
