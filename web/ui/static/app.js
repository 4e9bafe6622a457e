import { connect } from "./live.js";
import { drawChart, colorFor, WINDOW_MS } from "./chart.js";

const $ = (id) => document.getElementById(id);
const el = (tag, props = {}, ...kids) => {
  const e = Object.assign(document.createElement(tag), props);
  e.append(...kids);
  return e;
};

// What each outcome means, in words a person understands.
const KIND_WORDS = {
  timeout: "Your script ran longer than the time limit and was stopped.",
  oom: "Your script used more memory than its limit, so the system stopped it.",
  seccomp: "Your script tried something the sandbox forbids (a blocked system call), so it was stopped.",
  crash: "The sandbox running your script stopped unexpectedly. Run it again; if it keeps happening, simplify the script.",
  script: "Your script threw an error:",
};

const TEMPLATE = {
  html: '<h1 id="title">Hello</h1>\n<p id="msg"></p>',
  css: "h1 { color: #3b5bdb; font-family: sans-serif; }\np { font-size: 18px; }",
  javascript: "document.getElementById('msg').textContent = 'Hello, ' + DATA.name + '!';\nconsole.log('rendered for', DATA.name);",
  data: '{\n  "name": "world"\n}',
};

const state = {
  blocks: new Map(), // blockId -> {blockId, name, live, code, data}
  open: null,        // open blockId
  dirty: false,      // edits not yet sent
  inFlight: null,    // ref of the run awaiting its result
  timer: 0,
  seq: 0,
  history: { mem: [], cpu: [], iso: new Map() }, // iso: blockId -> {mem: [], cpu: [], limit}
};

const editors = { html: $("code-html"), css: $("code-css"), javascript: $("code-js"), data: $("code-data") };

const live = connect({ onMessage, onStatus });

function onStatus(s) {
  const c = $("conn");
  c.textContent = s === "connected" ? "live" : s + "…";
  c.className = "pill " + (s === "connected" ? "pill-ok" : "pill-wait");
}

function onMessage(m) {
  switch (m.type) {
    case "hello":
      // A (re)connection: anything in flight was lost with the old socket.
      state.inFlight = null;
      loadBlocks();
      if (state.dirty) schedule(0);
      break;
    case "result": onResult(m); break;
    case "deleted": onDeleted(m.blockId); break;
    case "renamed":
      if (state.blocks.has(m.blockId)) { state.blocks.get(m.blockId).name = m.name; renderList(); renderTitle(); }
      break;
    case "metrics": onMetrics(m); break;
    case "alert": addAlert(m.alert); break;
    case "isolate": addActivity(m); break;
    case "error": onError(m); break;
  }
}

// ---- blocks ----

async function loadBlocks() {
  try {
    const r = await fetch("/api/content-blocks");
    const { blocks } = await r.json();
    const had = new Set(state.blocks.keys());
    state.blocks.clear();
    for (const b of blocks) state.blocks.set(b.blockId, b);
    renderList();
    if (state.open && !state.blocks.has(state.open) && had.has(state.open) && !state.dirty && !state.inFlight) closeEditor("This block was deleted.");
    else if (state.open && !state.dirty && !state.inFlight && state.blocks.has(state.open)) fillEditors(state.blocks.get(state.open));
  } catch {
    notice("Could not load the block list; retrying when the connection is back.");
  }
}

function renderList() {
  const list = $("block-list");
  list.replaceChildren();
  const blocks = [...state.blocks.values()].sort((a, b) => (a.name || a.blockId).localeCompare(b.name || b.blockId));
  $("no-blocks").hidden = blocks.length > 0;
  for (const b of blocks) {
    const li = el("li", { className: b.blockId === state.open ? "active" : "" });
    li.dataset.blockId = b.blockId;
    const name = el("span", { className: "name", textContent: b.name || b.blockId, title: b.blockId });
    const rename = el("button", { type: "button", textContent: "✎", title: "Rename", className: "rename" });
    const del = el("button", { type: "button", textContent: "✕", title: "Delete", className: "delete" });
    li.append(el("span", { className: "live-dot" + (b.live ? " on" : ""), title: b.live ? "isolate running" : "no isolate" }), name, rename, del);
    li.addEventListener("click", (e) => { if (e.target === li || e.target === name) openBlock(b.blockId); });
    rename.addEventListener("click", () => startRename(li, b));
    del.addEventListener("click", () => {
      if (confirm(`Delete "${b.name || b.blockId}"? Its isolate is stopped and its code is removed.`)) send({ type: "delete", blockId: b.blockId });
    });
    list.append(li);
  }
}

function startRename(li, b) {
  const input = el("input", { value: b.name || b.blockId, maxLength: 200, className: "rename-input" });
  li.querySelector(".name").replaceWith(input);
  input.focus(); input.select();
  let done = false;
  const finish = (save) => {
    if (done) return;
    done = true;
    const name = input.value.trim();
    if (save && name && name !== b.name) {
      b.name = name;
      send({ type: "rename", blockId: b.blockId, name });
    }
    renderList(); renderTitle();
  };
  input.addEventListener("keydown", (e) => { if (e.key === "Enter") finish(true); if (e.key === "Escape") finish(false); });
  input.addEventListener("blur", () => finish(true));
}

$("new-block").addEventListener("click", () => {
  const id = "blk-" + Date.now().toString(36) + Math.random().toString(36).slice(2, 6);
  const n = state.blocks.size + 1;
  const b = { blockId: id, name: `Block ${n}`, live: false, code: { html: TEMPLATE.html, css: TEMPLATE.css, javascript: TEMPLATE.javascript }, data: JSON.parse(TEMPLATE.data) };
  state.blocks.set(id, b);
  renderList();
  openBlock(id);
  state.dirty = true;
  schedule(0);
});

function openBlock(id) {
  const b = state.blocks.get(id);
  if (!b) return;
  if (state.dirty && state.open) runNow(); // do not lose the last edits of the block being left
  state.open = id;
  state.dirty = false;
  $("empty-state").hidden = true;
  $("editor").hidden = false;
  fillEditors(b);
  renderTitle();
  renderList();
  $("logs").replaceChildren();
  $("run-error").hidden = true;
  setStatus("", "");
  if (b.updatedAt) showPreview(id); // a block made here has no output until its first run
  else $("preview").removeAttribute("src");
}

function fillEditors(b) {
  editors.html.value = b.code?.html ?? "";
  editors.css.value = b.code?.css ?? "";
  editors.javascript.value = b.code?.javascript ?? "";
  editors.data.value = b.data == null ? "" : JSON.stringify(b.data, null, 2);
  checkData();
}

function renderTitle() {
  const b = state.blocks.get(state.open);
  $("block-title").textContent = b ? (b.name || b.blockId) : "";
}

function closeEditor(why) {
  state.open = null; state.dirty = false;
  $("editor").hidden = true;
  $("empty-state").hidden = false;
  $("preview").removeAttribute("src");
  if (why) notice(why);
}

function onDeleted(id) {
  state.blocks.delete(id);
  renderList();
  if (state.open === id) closeEditor("This block was deleted.");
}

// ---- editing and running ----

for (const t of Object.values(editors)) {
  t.addEventListener("input", () => { state.dirty = true; schedule(300); });
  t.addEventListener("keydown", (e) => {
    if (e.key !== "Tab") return;
    e.preventDefault();
    t.setRangeText("  ", t.selectionStart, t.selectionEnd, "end");
    t.dispatchEvent(new Event("input"));
  });
}

function schedule(ms) {
  clearTimeout(state.timer);
  state.timer = setTimeout(runNow, ms);
}

// checkData validates the data field; invalid JSON is shown, never sent.
function checkData() {
  const text = editors.data.value.trim();
  const err = $("data-error");
  if (!text) { err.hidden = true; editors.data.classList.remove("invalid"); return { ok: true, value: null }; }
  try {
    const value = JSON.parse(text);
    err.hidden = true; editors.data.classList.remove("invalid");
    return { ok: true, value };
  } catch (e) {
    err.textContent = "Data is not valid JSON: " + e.message + ". The block keeps its last valid data until this is fixed.";
    err.hidden = false; editors.data.classList.add("invalid");
    return { ok: false };
  }
}

function runNow() {
  clearTimeout(state.timer);
  const id = state.open;
  if (!id || !state.dirty) return;
  if (state.inFlight) return; // sent when the current result arrives
  const data = checkData();
  if (!data.ok) return;
  const b = state.blocks.get(id);
  const code = { html: editors.html.value, css: editors.css.value, javascript: editors.javascript.value };
  const ref = "r" + (++state.seq);
  if (!send({ type: "execute", ref, blockId: id, name: b?.name, code, data: data.value })) {
    setStatus("offline: will run when reconnected", "bad");
    return;
  }
  Object.assign(b, { code, data: data.value });
  state.inFlight = ref;
  state.dirty = false;
  setStatus("running…", "");
}

function send(msg) {
  const ok = live.send(msg);
  if (!ok) notice("Not connected to the server; reconnecting…");
  return ok;
}

function onResult(m) {
  const mine = m.ref && m.ref === state.inFlight;
  if (mine) state.inFlight = null;
  const b = state.blocks.get(m.blockId);
  if (b) b.live = true;
  else if (!m.ref) { loadBlocks(); return; } // made in another tab
  renderList();
  if (m.blockId !== state.open) return;
  if (!mine && !m.ref) {
    // Changed in another tab: take its code unless we are editing.
    if (!state.dirty && !state.inFlight) loadBlocks(); else return;
  }
  showResult(m);
  if (mine && state.dirty) schedule(0);
}

function showResult(m) {
  showPreview(m.blockId);
  const logs = $("logs");
  logs.replaceChildren(...m.logs.map((l) =>
    el("li", { className: "log-" + l.level }, el("span", { className: "lvl", textContent: l.level }), l.message)));
  if (!m.logs.length) logs.append(el("li", { className: "muted", textContent: "(no console output)" }));
  const box = $("run-error");
  if (m.success) {
    box.hidden = true;
    setStatus(`ran in ${m.durationMs.toFixed(1)} ms · ${(m.isolate.memoryBytes / 1048576).toFixed(1)} MB · pid ${m.isolate.pid}`, "ok");
    return;
  }
  const e = m.error;
  box.replaceChildren(el("div", { className: "kind", textContent: KIND_WORDS[e.kind] || "The run failed." }));
  if (e.kind === "script") {
    // The stack usually starts with the message: show it once.
    if (!e.stack || !e.stack.startsWith(e.message)) box.append(el("div", { className: "message", textContent: e.message }));
    if (e.stack) box.append(el("pre", { textContent: e.stack }));
  } else if (e.message) {
    box.append(el("div", { className: "detail muted", textContent: "Details: " + e.message }));
  }
  box.dataset.kind = e.kind;
  box.hidden = false;
  setStatus(`failed (${e.kind}) after ${m.durationMs.toFixed(0)} ms`, "bad");
}

// The preview is a sandboxed frame (opaque origin, no scripts) loading the
// sanitised output; the query string defeats any cache after each run.
function showPreview(id) {
  $("preview").src = `/api/content-block-output/${encodeURIComponent(id)}?v=${Date.now()}`;
}

function setStatus(text, cls) {
  const s = $("run-status");
  s.textContent = text;
  s.className = "run-status " + cls;
}

function onError(m) {
  if (m.ref && m.ref === state.inFlight) {
    state.inFlight = null;
    setStatus("not run: " + m.message, "bad");
    if (state.dirty) schedule(1000);
  }
  notice(m.message);
}

let noticeTimer = 0;
function notice(text) {
  const n = $("notice");
  n.textContent = text; n.hidden = false;
  clearTimeout(noticeTimer);
  noticeTimer = setTimeout(() => { n.hidden = true; }, 6000);
}

// ---- dashboard ----

function onMetrics(m) {
  const t = Date.parse(m.time) || Date.now();
  const h = state.history;
  const cut = Date.now() - WINDOW_MS - 2000;
  h.mem.push({ t, v: m.system.rssMB });
  h.cpu.push({ t, v: m.system.cpuPercent });
  for (const arr of [h.mem, h.cpu]) while (arr.length && arr[0].t < cut) arr.shift();
  for (const is of m.isolates) {
    const key = is.blockId || is.isolateId;
    if (!h.iso.has(key)) h.iso.set(key, { mem: [], cpu: [], limit: [] });
    const s = h.iso.get(key);
    s.mem.push({ t, v: is.memoryMB }); s.cpu.push({ t, v: is.cpuPercent }); s.limit.push({ t, v: is.memoryLimitMB });
  }
  for (const [k, s] of h.iso) {
    for (const arr of [s.mem, s.cpu, s.limit]) while (arr.length && arr[0].t < cut) arr.shift();
    if (!s.mem.length) h.iso.delete(k);
  }
  $("fig-rss").textContent = m.system.rssMB.toFixed(1) + " MB";
  $("fig-cpu").textContent = m.system.cpuPercent.toFixed(0) + " %";
  drawChart($("chart-mem"), [{ color: "#3b5bdb", points: h.mem }], { unit: "" });
  drawChart($("chart-cpu"), [{ color: "#e8590c", points: h.cpu }], { max: 100, unit: "%" });
  const isoMem = [], isoCpu = [];
  for (const [k, s] of h.iso) {
    const color = colorFor(k);
    isoMem.push({ color, points: s.mem }, { color, points: s.limit, dashed: true });
    isoCpu.push({ color, points: s.cpu });
  }
  drawChart($("chart-iso-mem"), isoMem, {});
  drawChart($("chart-iso-cpu"), isoCpu, { max: 100, unit: "%" });
  renderIsolates(m.isolates);
}

function renderIsolates(list) {
  const rows = $("isolate-rows");
  if (!list.length) { rows.replaceChildren(el("tr", {}, el("td", { colSpan: 4, className: "muted", textContent: "no live isolates" }))); return; }
  rows.replaceChildren(...list.map((is) => {
    const key = is.blockId || is.isolateId;
    const name = state.blocks.get(is.blockId)?.name || key;
    const sw = el("span", { className: "swatch" });
    sw.style.background = colorFor(key);
    const tr = el("tr", {},
      el("td", {}, sw, name),
      el("td", { textContent: String(is.pid) }),
      el("td", { className: "mem", textContent: `${is.memoryMB.toFixed(1)} / ${is.memoryLimitMB.toFixed(0)} MB` }),
      el("td", { className: "cpu", textContent: `${is.cpuPercent.toFixed(0)} %` }));
    tr.dataset.blockId = is.blockId;
    return tr;
  }));
}

function addAlert(a) {
  const ul = $("alerts");
  if (ul.firstElementChild?.classList.contains("muted")) ul.replaceChildren();
  ul.prepend(el("li", { className: "alert" }, el("time", { textContent: clock(a.time) }), a.message));
  while (ul.children.length > 50) ul.lastElementChild.remove();
}

const EVENT_WORDS = {
  "isolate.created": "started", "isolate.executed": "ran", "isolate.terminated": "stopped (block deleted or server closing)",
  "isolate.died": "died", "isolate.idle-timeout": "stopped after being idle",
};

function addActivity(m) {
  if (m.event === "isolate.executed" && (!m.kind || m.kind === "ok")) return; // too chatty while typing
  const ul = $("activity");
  if (ul.firstElementChild?.classList.contains("muted")) ul.replaceChildren();
  const who = m.blockId ? `block "${state.blocks.get(m.blockId)?.name || m.blockId}"` : `pooled isolate ${m.isolateId}`;
  let text = `${who}: ${EVENT_WORDS[m.event] || m.event}`;
  if (m.kind && m.kind !== "ok") text += ` (${m.kind}${m.message ? ": " + m.message : ""})`;
  ul.prepend(el("li", { className: m.kind && m.kind !== "ok" ? "bad" : "" }, el("time", { textContent: clock(m.time) }), text));
  while (ul.children.length > 50) ul.lastElementChild.remove();
}

function clock(t) { return new Date(t).toLocaleTimeString(); }

// ---- start ----

async function loadHealth() {
  try {
    const h = await (await fetch("/api/health")).json();
    const enf = h.enforcement || {};
    const mode = enf.cgroup?.mode ?? "unknown";
    const seccomp = enf.seccomp?.mode ? `, seccomp ${enf.seccomp.mode}` : "";
    $("enforcement").textContent = `Limits: cgroup ${mode}${seccomp} — ` + (enf.kernelEnforced ? "kernel-enforced" : "NOT kernel-enforced");
    const banner = $("enforcement-banner");
    if (enf.kernelEnforced === false) {
      banner.textContent = "Resource limits are NOT enforced by the kernel on this server. " + (enf.warning || "Memory, CPU and process limits rely on rlimits and the wall-clock kill only.");
      banner.hidden = false;
    } else banner.hidden = true;
  } catch {
    $("enforcement").textContent = "enforcement unknown (health check failed)";
  }
}

async function loadAlerts() {
  try {
    const m = await (await fetch("/api/metrics")).json();
    for (const a of m.isolates?.resourceAlerts || []) addAlert(a);
  } catch { /* the live feed brings new ones */ }
}

loadHealth();
loadAlerts();
