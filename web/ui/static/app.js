import { connect } from "./live.js";
import { ensureSignedIn } from "./signin.js";
import { drawChart, renderLegend, colorFor, WINDOW_MS } from "./chart.js";
import { makeState, makeView } from "./editor.js";
import { EXAMPLES } from "./examples.js";
import { LivePreview } from "./preview.js";

const $ = (id) => document.getElementById(id);
const el = (tag, props = {}, ...kids) => {
  const e = Object.assign(document.createElement(tag), props);
  e.append(...kids);
  return e;
};

// Outcomes, short (status line, activity) and long (console).
const OUTCOME = {
  ok: "ran", timeout: "timed out", oom: "ran out of memory", script: "script error",
  seccomp: "killed by seccomp", crash: "crashed",
};
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
  data: { name: "world" },
};

const LANGS = ["html", "css", "javascript", "data"];
const LABELS = { html: "HTML code", css: "CSS code", javascript: "JavaScript code", data: "Data (JSON)" };
const HOSTS = { html: "code-html", css: "code-css", javascript: "code-js", data: "code-data" };

const state = {
  blocks: new Map(),   // blockId -> {blockId, name, live, code, data, updatedAt, local}
  open: null,          // open blockId
  docs: new Map(),     // blockId -> {html, css, javascript, data}: EditorStates, each with its own undo history
  pending: new Map(),  // blockId -> {rev, savedRev, timer, attempt, reason, retryAt}: edits not yet on the server
  inFlight: new Map(), // ref -> {id, rev}
  results: new Map(),  // blockId -> last result message
  seq: 0,
  tab: "html",
  loaded: false,
  history: { mem: [], cpu: [], sup: [], iso: new Map() },
};

// ---- storage of drafts and last results in this browser ----

const store = {
  get(k) { try { return JSON.parse(localStorage.getItem(k)); } catch { return null; } },
  set(k, v) { try { localStorage.setItem(k, JSON.stringify(v)); } catch { /* full or disabled: the server copy remains */ } },
  del(k) { try { localStorage.removeItem(k); } catch { /* ignore */ } },
  keys(prefix) { const out = []; try { for (let i = 0; i < localStorage.length; i++) { const k = localStorage.key(i); if (k.startsWith(prefix)) out.push(k); } } catch { /* ignore */ } return out; },
};
const DRAFT = "symposium.draft.", RESULT = "symposium.result.";

// ---- editors ----

const views = {};
for (const lang of LANGS) views[lang] = makeView($(HOSTS[lang]), makeState(lang, "", { onChange() {}, onRun() {} }, LABELS[lang]));
// For tests and the curious: the four editor views.
window.symposium = { views, state };

function docsFor(id) {
  let d = state.docs.get(id);
  if (d) return d;
  const b = state.blocks.get(id);
  const draft = store.get(DRAFT + id);
  const text = draft ? { ...draft.code, data: draft.dataText } : textFromBlock(b);
  d = {};
  for (const lang of LANGS) {
    d[lang] = makeState(lang, text[lang] ?? "", { onChange: () => { if (!state.applying) onEdit(id); }, onRun: () => runBlock(id) }, LABELS[lang]);
  }
  state.docs.set(id, d);
  return d;
}

function textFromBlock(b) {
  return {
    html: b?.code?.html ?? "", css: b?.code?.css ?? "", javascript: b?.code?.javascript ?? "",
    data: b?.data == null ? "" : JSON.stringify(b.data, null, 2),
  };
}

// textOf reads a block's current text, from the views if it is open.
function textOf(id) {
  const d = docsFor(id);
  const out = {};
  for (const lang of LANGS) out[lang] = (state.open === id ? views[lang].state : d[lang]).doc.toString();
  return out;
}

// keepStates stores the open block's editor states (text, selection, undo).
function keepStates() {
  if (!state.open || !state.docs.has(state.open)) return;
  const d = state.docs.get(state.open);
  for (const lang of LANGS) d[lang] = views[lang].state;
}

// replaceText takes another tab's text for a block, as one undoable change.
function replaceText(id, text) {
  const d = docsFor(id);
  for (const lang of LANGS) {
    const st = state.open === id ? views[lang].state : d[lang];
    if (st.doc.toString() === text[lang]) continue;
    // The same data in other formatting is not a change (the list sends it pretty-printed).
    if (lang === "data" && sameData(parseData(text.data).value, st.doc.toString())) continue;
    const tr = st.update({ changes: { from: 0, to: st.doc.length, insert: text[lang] } });
    if (state.open === id) { state.applying = true; try { views[lang].dispatch(tr); } finally { state.applying = false; } } else d[lang] = tr.state;
  }
}

// ---- tabs and panes ----

const tabs = LANGS.map((l) => $("tab-" + l));
function selectTab(lang, focus) {
  state.tab = lang;
  for (const l of LANGS) {
    const on = l === lang;
    $("tab-" + l).setAttribute("aria-selected", String(on));
    $("tab-" + l).tabIndex = on ? 0 : -1;
    $("panel-" + l).hidden = !on;
  }
  views[lang].requestMeasure();
  if (focus) $("tab-" + lang).focus();
}
tabs.forEach((t, i) => {
  t.addEventListener("click", () => selectTab(LANGS[i]));
  t.addEventListener("keydown", (e) => {
    const n = { ArrowRight: i + 1, ArrowLeft: i - 1, Home: 0, End: LANGS.length - 1 }[e.key];
    if (n === undefined) return;
    e.preventDefault();
    selectTab(LANGS[(n + LANGS.length) % LANGS.length], true);
  });
});

const panes = $("panes"), splitter = $("splitter");
function setSplit(pct) {
  pct = Math.min(75, Math.max(25, Math.round(pct)));
  panes.style.setProperty("--split", pct + "%");
  splitter.setAttribute("aria-valuenow", String(pct));
  store.set("symposium.split", pct);
}
setSplit(store.get("symposium.split") ?? 55);
splitter.addEventListener("pointerdown", (e) => {
  splitter.setPointerCapture(e.pointerId);
  const move = (ev) => { const r = panes.getBoundingClientRect(); setSplit(100 * (ev.clientX - r.left) / r.width); };
  const up = () => { splitter.removeEventListener("pointermove", move); splitter.removeEventListener("pointerup", up); };
  splitter.addEventListener("pointermove", move);
  splitter.addEventListener("pointerup", up);
});
splitter.addEventListener("keydown", (e) => {
  const d = { ArrowLeft: -5, ArrowRight: 5 }[e.key];
  if (d) { e.preventDefault(); setSplit(Number(splitter.getAttribute("aria-valuenow")) + d); }
});

// ---- theme ----

const THEMES = ["system", "dark", "light"];
function applyTheme(t) {
  if (t === "system") delete document.documentElement.dataset.theme;
  else document.documentElement.dataset.theme = t;
  const next = THEMES[(THEMES.indexOf(t) + 1) % THEMES.length];
  $("theme-label").textContent = t[0].toUpperCase() + t.slice(1);
  $("theme-toggle").setAttribute("aria-label", `Theme: ${t === "system" ? "follows the system" : t}. Switch to ${next}`);
  redrawCharts();
}
$("theme-toggle").addEventListener("click", () => {
  const cur = document.documentElement.dataset.theme || "system";
  const t = THEMES[(THEMES.indexOf(cur) + 1) % THEMES.length];
  if (t === "system") store.del("symposium.theme"); else localStorage.setItem("symposium.theme", t);
  applyTheme(t);
});
matchMedia("(prefers-color-scheme: dark)").addEventListener("change", redrawCharts);

// ---- live connection ----

await ensureSignedIn(); // AUTH_MODE=keys: a key first; local mode passes at once

// The preview is a live page of the open block, kept in the block's
// isolate on the server (preview.js): the frame shows it and forwards the
// viewer's events; the block's script never runs in this browser. A server
// without live sessions gets the static output page instead.
let staticPreview = false;
const preview = new LivePreview({
  frame: $("preview"),
  send: (m) => live.send(m),
  onState: renderLive,
  onLogs: liveLogs,
  onRemoved: renderRemoved,
  onNotices: liveNotices,
  onUnsupported() { staticPreview = true; if (state.open) showStaticPreview(state.open); },
});
window.symposium.preview = preview;
const live = connect({ onMessage, onStatus });

function onStatus(s) {
  if (s !== "connected") preview.disconnected();
  const c = $("conn");
  c.textContent = s === "connected" ? "live" : s + "…";
  c.className = "pill " + (s === "connected" ? "pill-ok" : "pill-wait");
}

function onMessage(m) {
  if (preview.handle(m)) return;
  switch (m.type) {
    case "hello":
      // A (re)connection: anything in flight was lost with the old socket.
      state.inFlight.clear();
      preview.connected();
      loadBlocks().then(() => { for (const id of state.pending.keys()) scheduleSave(id, 0); });
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
  let blocks;
  try {
    const r = await fetch("/api/content-blocks");
    if (!r.ok) throw new Error(String(r.status));
    ({ blocks } = await r.json());
  } catch {
    notice("Could not load the block list; retrying when the connection is back.");
    if (!state.loaded) { state.loaded = true; mergeDrafts(new Set()); route(); }
    return;
  }
  const onServer = new Set();
  for (const b of blocks) {
    onServer.add(b.blockId);
    const old = state.blocks.get(b.blockId);
    state.blocks.set(b.blockId, b);
    // Another tab's edits reach an idle block here; edits of ours win.
    if (old && state.docs.has(b.blockId) && !state.pending.has(b.blockId) && !busy(b.blockId)) replaceText(b.blockId, textFromBlock(b));
  }
  for (const [id, b] of state.blocks) if (!onServer.has(id) && !b.local && !state.pending.has(id)) dropBlock(id);
  const first = !state.loaded;
  state.loaded = true;
  mergeDrafts(onServer);
  renderList();
  if (first) route();
}

// mergeDrafts brings back what was typed in this browser and not yet
// stored on the server (a refused run, an outage, a closed tab).
function mergeDrafts(onServer) {
  for (const k of store.keys(DRAFT)) {
    const id = k.slice(DRAFT.length);
    if (state.pending.has(id)) continue;
    const d = store.get(k);
    if (!d || !d.code) { store.del(k); continue; }
    const b = state.blocks.get(id);
    if (b && onServer.has(id)) {
      const t = textFromBlock(b);
      if (t.html === d.code.html && t.css === d.code.css && t.javascript === d.code.javascript && sameData(b.data, d.dataText)) { store.del(k); continue; }
    } else {
      state.blocks.set(id, { blockId: id, name: d.name || id, live: false, code: d.code, data: parseData(d.dataText).value ?? null, local: true });
    }
    state.pending.set(id, { rev: 1, savedRev: 0, attempt: 0 });
  }
}

function sameData(value, text) {
  const p = parseData(text ?? "");
  return p.ok && JSON.stringify(p.value ?? null) === JSON.stringify(value ?? null);
}

function busy(id) { for (const f of state.inFlight.values()) if (f.id === id) return true; return false; }

function renderList() {
  const list = $("block-list");
  const focused = document.activeElement?.closest?.("#block-list li")?.dataset.blockId;
  const focusClass = document.activeElement?.className;
  list.replaceChildren();
  const blocks = [...state.blocks.values()].sort((a, b) => (a.name || a.blockId).localeCompare(b.name || b.blockId));
  $("no-blocks").hidden = blocks.length > 0;
  for (const b of blocks) {
    const name = b.name || b.blockId;
    const active = b.blockId === state.open;
    const li = el("li", { className: active ? "active" : "" });
    li.dataset.blockId = b.blockId;
    const open = el("a", { className: "open", href: "#block=" + encodeURIComponent(b.blockId), title: b.blockId },
      el("span", { className: "live-dot" + (b.live ? " on" : "") }),
      el("span", { className: "name", textContent: name }),
      el("span", { className: "visually-hidden", textContent: b.live ? " (isolate running)" : "" }));
    if (active) open.setAttribute("aria-current", "page");
    if (state.pending.has(b.blockId)) open.append(el("span", { className: "unsaved-dot", title: "unsaved changes", textContent: "•" }), el("span", { className: "visually-hidden", textContent: " (unsaved)" }));
    const rename = el("button", { type: "button", textContent: "✎", title: "Rename", className: "rename icon" });
    rename.setAttribute("aria-label", `Rename ${name}`);
    const del = el("button", { type: "button", textContent: "✕", title: "Delete", className: "delete icon" });
    del.setAttribute("aria-label", `Delete ${name}`);
    li.append(open, rename, del);
    rename.addEventListener("click", () => startRename(li, b));
    del.addEventListener("click", () => {
      if (!confirm(`Delete "${name}"? Its isolate is stopped and its code is removed.`)) return;
      if (b.local) onDeleted(b.blockId); else send({ type: "delete", blockId: b.blockId });
    });
    list.append(li);
  }
  if (focused) list.querySelector(`li[data-block-id="${CSS.escape(focused)}"] .${(focusClass || "open").split(" ")[0]}`)?.focus();
}

function startRename(li, b) {
  const input = el("input", { value: b.name || b.blockId, maxLength: 200, className: "rename-input" });
  input.setAttribute("aria-label", "New name");
  li.querySelector(".open").replaceWith(input);
  input.focus(); input.select();
  let done = false;
  const finish = (save) => {
    if (done) return;
    done = true;
    const name = input.value.trim();
    if (save && name && name !== b.name) {
      b.name = name;
      if (b.local) writeDraft(b.blockId); else send({ type: "rename", blockId: b.blockId, name });
    }
    renderList(); renderTitle();
    li.parentNode?.querySelector(`li[data-block-id="${CSS.escape(b.blockId)}"] .open`)?.focus();
  };
  input.addEventListener("keydown", (e) => { if (e.key === "Enter") finish(true); if (e.key === "Escape") finish(false); });
  input.addEventListener("blur", () => finish(true));
}

function newId() { return "blk-" + Date.now().toString(36) + Math.random().toString(36).slice(2, 6); }

function createBlock(ex) {
  const id = newId();
  let name = ex ? ex.title : `Block ${state.blocks.size + 1}`;
  const code = ex ? ex.code : { html: TEMPLATE.html, css: TEMPLATE.css, javascript: TEMPLATE.javascript };
  const data = ex ? ex.data : TEMPLATE.data;
  state.blocks.set(id, { blockId: id, name, live: false, code: { ...code }, data, local: true });
  state.pending.set(id, { rev: 1, savedRev: 0, attempt: 0 });
  docsFor(id);
  writeDraft(id);
  openBlock(id);
  saveNow(id, true);
  $("tab-" + (ex ? "javascript" : "html")).click();
}
$("new-block").addEventListener("click", () => createBlock());
$("empty-new").addEventListener("click", () => createBlock());

function renderGallery() {
  $("gallery").replaceChildren(...EXAMPLES.map((ex) => {
    const b = el("button", { type: "button", className: "card" },
      el("span", { className: "card-title", textContent: ex.title }),
      el("span", { className: "card-blurb", textContent: ex.blurb }));
    b.dataset.example = ex.id;
    b.addEventListener("click", () => createBlock(ex));
    return el("li", {}, b);
  }));
}

// route opens the block named in the URL (#block=ID).
function route() {
  const m = /^#block=(.+)$/.exec(location.hash);
  const id = m ? decodeURIComponent(m[1]) : null;
  if (id === state.open) return;
  if (id && state.blocks.has(id)) openBlock(id);
  else {
    if (id && state.loaded) notice(`There is no block "${id}" (deleted, or made in another browser and never saved).`);
    closeEditor();
  }
}
window.addEventListener("hashchange", route);

function openBlock(id) {
  const b = state.blocks.get(id);
  if (!b) return;
  keepStates();
  state.open = id;
  const d = docsFor(id);
  for (const lang of LANGS) views[lang].setState(d[lang]);
  if (location.hash !== "#block=" + encodeURIComponent(id)) history.replaceState(null, "", "#block=" + encodeURIComponent(id));
  $("empty-state").hidden = true;
  $("editor").hidden = false;
  selectTab(state.tab);
  checkData();
  renderTitle();
  renderList();
  renderSave();
  showLast(id);
}

// showLast shows the block's last output and console at once: the
// preview from the server, the console from the last result this browser
// saw (or the server's, when it serves one).
async function showLast(id) {
  clearConsole();
  setRunStatus("", "");
  $("embed-panel").hidden = true;
  $("embed").setAttribute("aria-expanded", "false");
  const b = state.blocks.get(id);
  const stored = { codeKey: codeKey(b?.code, b?.data) };
  if (b?.updatedAt || state.results.has(id)) showPreview(id, null, stored);
  else { preview.close(); renderRemoved([]); $("preview-empty").hidden = false; }
  let r = state.results.get(id) || store.get(RESULT + id);
  if (!r && b && !b.local) {
    try {
      const resp = await fetch(`/api/content-block-result/${encodeURIComponent(id)}`);
      if (resp.ok && (resp.headers.get("content-type") || "").includes("json")) r = await resp.json();
    } catch { /* not served: the console stays empty until the next run */ }
  }
  if (state.open !== id) return;
  if (r && r.logs) showResult(r, true, stored);
  else if (b?.updatedAt) $("logs").replaceChildren(el("li", { className: "muted", textContent: "The console of the last run was not seen by this browser. Press Run to see it." }));
}

function renderTitle() {
  const b = state.blocks.get(state.open);
  $("block-title").textContent = b ? (b.name || b.blockId) : "";
  document.title = b ? `${b.name || b.blockId} · Symposium` : "Symposium";
}

function closeEditor(why) {
  keepStates();
  state.open = null;
  $("editor").hidden = true;
  $("empty-state").hidden = false;
  preview.close();
  if (location.hash) history.replaceState(null, "", location.pathname + location.search);
  renderTitle();
  renderList();
  if (why) notice(why);
}

function dropBlock(id) {
  state.blocks.delete(id);
  state.docs.delete(id);
  const p = state.pending.get(id);
  if (p) clearTimeout(p.timer);
  state.pending.delete(id);
  state.results.delete(id);
  store.del(DRAFT + id); store.del(RESULT + id);
}

function onDeleted(id) {
  const wasOpen = state.open === id;
  dropBlock(id);
  if (wasOpen) { state.open = null; closeEditor("This block was deleted."); }
  else renderList();
}

// ---- editing, saving and running ----

// Every edit is kept in this browser at once and sent (which stores it on
// the server and runs it) after a short pause.
function onEdit(id) {
  let p = state.pending.get(id);
  if (!p) { p = { rev: 0, savedRev: 0, attempt: 0 }; state.pending.set(id, p); renderList(); }
  p.rev++;
  writeDraft(id);
  if (id === state.open) checkData();
  renderSave();
  if (!p.reason || p.reason === "data") scheduleSave(id, 400);
}

function writeDraft(id) {
  const b = state.blocks.get(id);
  const t = textOf(id);
  store.set(DRAFT + id, { name: b?.name, code: { html: t.html, css: t.css, javascript: t.javascript }, dataText: t.data, at: Date.now() });
}

function scheduleSave(id, ms) {
  const p = state.pending.get(id);
  if (!p) return;
  clearTimeout(p.timer);
  p.timer = setTimeout(() => saveNow(id), ms);
}

function runBlock(id) {
  if (!state.blocks.has(id)) return;
  saveNow(id, true);
}
$("run").addEventListener("click", () => runBlock(state.open));
document.addEventListener("keydown", (e) => {
  if (e.key === "Enter" && (e.ctrlKey || e.metaKey) && !e.defaultPrevented && state.open) { e.preventDefault(); runBlock(state.open); }
});

function parseData(text) {
  const t = (text ?? "").trim();
  if (!t) return { ok: true, value: null };
  try { return { ok: true, value: JSON.parse(t) }; } catch (e) { return { ok: false, error: e.message }; }
}

// checkData shows the open block's data error, if its JSON is invalid.
function checkData() {
  const p = parseData(views.data.state.doc.toString());
  const err = $("data-error");
  err.hidden = p.ok;
  $("tab-data").classList.toggle("invalid", !p.ok);
  if (!p.ok) err.textContent = `Data is not valid JSON: ${p.error}. The block keeps its last valid data until this is fixed; your text is kept in this browser.`;
  return p;
}

// saveNow sends the block's current text: the server stores it and runs
// it. force runs it even when nothing changed (the Run button).
function saveNow(id, force) {
  const p = state.pending.get(id);
  if (p) clearTimeout(p.timer);
  if (!p && !force) return;
  if (busy(id)) { if (p) p.again = true; else state.pending.set(id, { rev: 0, savedRev: 0, attempt: 0, again: true }); return; }
  const b = state.blocks.get(id);
  if (!b) return;
  const t = textOf(id);
  const data = parseData(t.data);
  const ref = "r" + (++state.seq);
  const code = { html: t.html, css: t.css, javascript: t.javascript };
  const msg = { type: "execute", ref, blockId: id, name: b.name, code, data: data.ok ? data.value : (b.data ?? null) };
  if (!live.send(msg)) {
    const q = p || { rev: 0, savedRev: 0, attempt: 0 };
    q.reason = "offline";
    state.pending.set(id, q);
    renderSave();
    if (id === state.open) setRunStatus("offline: will run when reconnected", "bad");
    return; // the next hello sends it
  }
  state.inFlight.set(ref, { id, rev: p ? p.rev : 0, dataOK: data.ok, code, data: msg.data, force: !!force });
  if (p && p.reason === "offline") p.reason = "";
  renderSave();
  if (id === state.open) setRunStatus("running…", "");
}

function onResult(m) {
  const f = m.ref ? state.inFlight.get(m.ref) : null;
  if (f) state.inFlight.delete(m.ref);
  const b = state.blocks.get(m.blockId);
  if (!b) { if (!m.ref) loadBlocks(); return; } // made in another tab
  b.live = true;
  if (f) {
    Object.assign(b, { code: f.code, data: f.data, updatedAt: new Date().toISOString() });
    b.local = false;
    const p = state.pending.get(m.blockId);
    if (p) {
      p.attempt = 0; p.reason = "";
      p.savedRev = Math.max(p.savedRev, f.rev);
      if (p.rev === f.rev && f.dataOK) { state.pending.delete(m.blockId); store.del(DRAFT + m.blockId); }
      else if (!f.dataOK) p.reason = "data";
      if (p.again || p.rev > f.rev) { p.again = false; scheduleSave(m.blockId, 0); }
    }
  } else if (!m.ref && m.blockId === state.open && !state.pending.has(m.blockId) && !busy(m.blockId)) {
    loadBlocks(); // changed in another tab: take its code
  } else if (!m.ref && state.pending.has(m.blockId)) {
    renderList();
    return; // our edits are newer
  }
  state.results.set(m.blockId, m);
  store.set(RESULT + m.blockId, { ...m, logs: m.logs.slice(0, 200) });
  renderList();
  renderSave();
  // The code this run had: other code (or Run pressed) restarts the live
  // page; a result from another tab is taken as new code.
  const run = f ? { codeKey: codeKey(f.code, f.data), force: f.force } : { codeKey: "elsewhere:" + (++state.seq) };
  if (m.blockId === state.open) showResult(m, false, run);
}

// codeKey names a block's code and data, to tell whether a run changed them.
function codeKey(code, data) {
  return JSON.stringify([code?.html ?? "", code?.css ?? "", code?.javascript ?? "", data ?? null]);
}

function onError(m) {
  const f = m.ref ? state.inFlight.get(m.ref) : null;
  if (!f) { notice(m.message); return; }
  state.inFlight.delete(m.ref);
  let p = state.pending.get(f.id);
  if (!p) { p = { rev: 0, savedRev: 0, attempt: 0 }; state.pending.set(f.id, p); }
  if (m.code === "invalid_message") {
    p.reason = "invalid"; p.message = m.message;
    if (f.id === state.open) setRunStatus("not run: " + m.message, "bad");
    notice(m.message);
    renderSave(); renderList();
    return;
  }
  // No capacity, storage away, shutting down: all pass. Retry with
  // backoff; the draft is in this browser meanwhile.
  p.attempt++;
  const delay = Math.min(15000, 1000 * 2 ** (p.attempt - 1)) * (0.8 + Math.random() * 0.4);
  p.reason = m.code || "error"; p.message = m.message; p.retryAt = Date.now() + delay;
  scheduleSave(f.id, delay);
  if (f.id === state.open) setRunStatus(`not run: ${m.message}`, "bad");
  renderSave(); renderList();
}

let saveTick = 0;
function renderSave() {
  clearTimeout(saveTick);
  const s = $("save-state");
  const id = state.open;
  if (!id) return;
  const p = state.pending.get(id);
  let text = "Saved", cls = "ok";
  if (p) {
    const secs = p.retryAt ? Math.max(0, Math.ceil((p.retryAt - Date.now()) / 1000)) : 0;
    if (busy(id)) { text = "Saving…"; cls = ""; }
    else if (p.reason === "offline") { text = "Offline: kept in this browser, saved when reconnected"; cls = "bad"; }
    else if (p.reason === "data") { text = "Saved, except the data (not valid JSON): kept in this browser"; cls = "warn"; }
    else if (p.reason === "invalid") { text = "Not saved: " + p.message; cls = "bad"; }
    else if (p.reason === "no_capacity") { text = `Not saved yet: every isolate is busy. Kept in this browser; retrying in ${secs} s`; cls = "warn"; }
    else if (p.reason) { text = `Not saved yet (${p.message || p.reason}). Kept in this browser; retrying in ${secs} s`; cls = "warn"; }
    else { text = "Unsaved changes"; cls = ""; }
    if (p.reason && p.retryAt && !busy(id)) saveTick = setTimeout(renderSave, 1000);
  }
  if (s.textContent !== text) s.textContent = text;
  s.className = "save-state " + cls;
  s.dataset.state = p ? (busy(id) ? "saving" : p.reason || "unsaved") : "saved";
}

function clearConsole() {
  $("logs").replaceChildren();
  $("notices").replaceChildren(); $("notices").hidden = true;
  $("run-error").hidden = true;
}

function showResult(m, past, run) {
  showPreview(m.blockId, m, run);
  const logs = $("logs");
  logs.replaceChildren(...(m.logs || []).map(logLine));
  if (!m.logs?.length) logs.append(el("li", { className: "muted", textContent: "(no console output)" }));
  const notes = $("notices");
  const list = Array.isArray(m.notices) ? m.notices : [];
  notes.replaceChildren(...list.map((n) => el("li", { textContent: typeof n === "string" ? n : (n.message || JSON.stringify(n)) })));
  notes.hidden = !list.length;
  const box = $("run-error");
  const when = past ? " (last run)" : "";
  if (m.success) {
    box.hidden = true;
    setRunStatus(`ran in ${m.durationMs.toFixed(1)} ms · ${(m.isolate.memoryBytes / 1048576).toFixed(1)} MB${when}`, "ok");
    return;
  }
  const e = m.error || { kind: "crash", message: "" };
  box.replaceChildren(el("div", { className: "kind", textContent: KIND_WORDS[e.kind] || "The run failed." }));
  if (e.kind === "script") {
    if (!e.stack || !e.stack.startsWith(e.message)) box.append(el("div", { className: "message", textContent: e.message }));
    if (e.stack) box.append(el("pre", { textContent: e.stack }));
  } else if (e.message) {
    box.append(el("div", { className: "detail", textContent: "Details: " + e.message }));
  }
  box.dataset.kind = e.kind;
  box.hidden = false;
  setRunStatus(`${OUTCOME[e.kind] || "failed"} after ${m.durationMs.toFixed(0)} ms${when}`, "bad");
}

// showPreview shows the block's live page after a run (m; null: its
// stored state), or why there is none: a run that timed out or ran out of
// memory would only do it again.
function showPreview(id, m, run) {
  $("preview-empty").hidden = true;
  if (m) renderRemoved(m.removed || []);
  if (staticPreview) { showStaticPreview(id); return; }
  if (m && !m.success && m.error?.kind !== "script") {
    preview.stop(id, `not live: the last run ${OUTCOME[m.error?.kind] || "failed"}; fix the code or press Restart to try again`);
    return;
  }
  if (preview.blockId !== id || preview.state === "idle") preview.open(id, run);
  else preview.ran(id, run?.codeKey, run?.force);
}

// showStaticPreview: the sanitised, script-free output page (servers
// without live sessions); the query string defeats any cache.
function showStaticPreview(id) {
  preview.showStatic(`/api/content-block-output/${encodeURIComponent(id)}?v=${Date.now()}`);
  renderLive({ state: "static", text: "static: this server has no live pages, so the preview shows the last output only", restart: false });
}

function renderLive({ state: st, text, restart, kind }) {
  const s = $("live-status");
  s.textContent = text;
  s.dataset.state = st;
  s.dataset.kind = kind || "";
  s.className = "live-status " + (st === "live" && !kind ? "ok" : st === "ended" || kind ? "bad" : "");
  $("live-restart").hidden = !restart;
  $("live-badge").hidden = st !== "live";
}
$("live-restart").addEventListener("click", () => preview.restart());

const logLine = (l) => el("li", { className: "log-" + l.level }, el("span", { className: "lvl", textContent: l.level }), l.message);

// liveLogs keeps the console in step with the live page: its first render's
// lines replace the run's (the same code ran), each turn's are added.
function liveLogs(logs, { first }) {
  const ul = $("logs");
  if (first) {
    ul.replaceChildren(...logs.map(logLine));
    if (!logs.length) ul.append(el("li", { className: "muted", textContent: "(no console output)" }));
    return;
  }
  ul.querySelector(":scope > li.muted")?.remove();
  ul.append(...logs.map((l) => { const li = logLine(l); li.classList.add("live-line"); return li; }));
  while (ul.children.length > 500) ul.firstElementChild.remove();
  $("console").scrollTop = $("console").scrollHeight;
}

// liveNotices: the live page's first render says what the page is (a
// static run's "no user events" notice no longer holds); turns add.
function liveNotices(list, { first }) {
  const notes = $("notices");
  if (first) notes.replaceChildren();
  const have = new Set([...notes.children].map((li) => li.textContent));
  for (const n of list) {
    const text = typeof n === "string" ? n : (n.message || JSON.stringify(n));
    if (!have.has(text)) notes.append(el("li", { textContent: text }));
  }
  notes.hidden = !notes.children.length;
}

// renderRemoved says what the sanitiser took out of the page, and why.
function renderRemoved(list) {
  const box = $("removed");
  box.hidden = !list.length;
  if (!list.length) return;
  $("removed-list").replaceChildren(...list.map((r) =>
    el("li", {}, el("code", { textContent: r.what }), r.count > 1 ? ` ×${r.count}` : "", r.why ? ` — ${r.why}` : "")));
  $("removed-count").textContent = String(list.reduce((n, r) => n + (r.count || 1), 0));
}

// ---- embedding ----

$("embed").addEventListener("click", async () => {
  const id = state.open, panel = $("embed-panel"), btn = $("embed");
  if (!id) return;
  if (!panel.hidden) { panel.hidden = true; btn.setAttribute("aria-expanded", "false"); return; }
  try {
    const r = await fetch(`/api/content-block/${encodeURIComponent(id)}/embed`, { method: "POST", headers: { "Content-Type": "application/json" }, body: "{}" });
    const j = await r.json().catch(() => ({}));
    if (!r.ok) throw new Error(j.message || `the server answered ${r.status}`);
    $("embed-code").value = j.html;
    $("embed-open").href = j.url;
    $("embed-copied").textContent = "";
    panel.hidden = false;
    btn.setAttribute("aria-expanded", "true");
    $("embed-code").focus();
    $("embed-code").select();
  } catch (e) {
    notice(`Could not make an embed of this block: ${e.message}`);
  }
});
$("embed-copy").addEventListener("click", async () => {
  const code = $("embed-code");
  try { await navigator.clipboard.writeText(code.value); } catch { code.select(); document.execCommand("copy"); }
  $("embed-copied").textContent = "Copied to the clipboard.";
});
$("embed-close").addEventListener("click", () => { $("embed-panel").hidden = true; $("embed").setAttribute("aria-expanded", "false"); $("embed").focus(); });

function setRunStatus(text, cls) {
  const s = $("run-status");
  s.textContent = text;
  s.className = "run-status " + cls;
}

function send(msg) {
  const ok = live.send(msg);
  if (!ok) notice("Not connected to the server; reconnecting…");
  return ok;
}

let noticeTimer = 0;
function notice(text) {
  const n = $("notice");
  n.textContent = text; n.hidden = false;
  clearTimeout(noticeTimer);
  noticeTimer = setTimeout(() => { n.hidden = true; }, 8000);
}

// ---- dashboard ----

const nameOf = (blockId, fallback) => state.blocks.get(blockId)?.name || blockId || fallback;
let lastMetrics = null;

function onMetrics(m) {
  lastMetrics = m;
  const t = Date.parse(m.time) || Date.now();
  const h = state.history;
  const cut = Date.now() - WINDOW_MS - 2000;
  h.mem.push({ t, v: m.system.rssMB });
  h.cpu.push({ t, v: m.system.cpuPercent });
  const sup = m.system.supervisorCPUPercent ?? m.system.processCPUPercent;
  if (typeof sup === "number") h.sup.push({ t, v: sup });
  for (const arr of [h.mem, h.cpu, h.sup]) while (arr.length && arr[0].t < cut) arr.shift();
  for (const is of m.isolates || []) {
    const key = is.blockId || is.isolateId;
    if (!h.iso.has(key)) h.iso.set(key, { mem: [], cpu: [], limit: is.memoryLimitMB, blockId: is.blockId });
    const s = h.iso.get(key);
    s.mem.push({ t, v: is.memoryMB }); s.cpu.push({ t, v: is.cpuPercent }); s.limit = is.memoryLimitMB;
  }
  for (const [k, s] of h.iso) {
    for (const arr of [s.mem, s.cpu]) while (arr.length && arr[0].t < cut) arr.shift();
    if (!s.mem.length) h.iso.delete(k);
  }
  $("fig-rss").textContent = m.system.rssMB.toFixed(1) + " MB";
  $("fig-cpu").textContent = m.system.cpuPercent.toFixed(0) + " %" + (typeof sup === "number" ? ` · supervisor ${sup.toFixed(0)} %` : "");
  redrawCharts();
  renderIsolates(m.isolates || []);
}

function redrawCharts() {
  const h = state.history;
  if (!lastMetrics) return;
  const cpu = [{ label: "machine", color: colorFor("machine"), points: h.cpu }];
  if (h.sup.length) cpu.push({ label: "supervisor", color: colorFor("supervisor"), points: h.sup });
  drawChart($("chart-cpu"), cpu, { floor: 10, cap: 100, unit: "%", digits: 0 });
  renderLegend($("legend-cpu"), cpu.map((s) => ({ label: s.label === "machine" ? `machine (${lastMetrics.system.cpuCount || "?"} cores)` : "supervisor process", color: s.color })));
  const mem = [{ label: "supervisor", color: colorFor("supervisor-mem"), points: h.mem }];
  drawChart($("chart-mem"), mem, { floor: 1, unit: " MB" });
  renderLegend($("legend-mem"), [{ label: "supervisor process", color: mem[0].color }]);
  const isoMem = [], isoCpu = [], legend = [];
  const limits = new Set();
  for (const [k, s] of h.iso) {
    const color = colorFor(k), label = nameOf(s.blockId, k);
    isoMem.push({ label, color, points: s.mem });
    isoCpu.push({ label, color, points: s.cpu });
    limits.add(s.limit);
    legend.push({ label, color, note: s.mem.length ? `${s.mem[s.mem.length - 1].v.toFixed(1)} MB` : "" });
  }
  drawChart($("chart-iso-mem"), isoMem, { floor: 1, unit: " MB" });
  drawChart($("chart-iso-cpu"), isoCpu, { floor: 10, unit: "%", digits: 0 });
  $("fig-iso-limit").textContent = limits.size === 1 ? `limit ${[...limits][0].toFixed(0)} MB` : limits.size ? `limits ${[...limits].map((l) => l.toFixed(0)).join(", ")} MB` : "";
  renderLegend($("legend-iso-mem"), legend.length ? legend : [{ label: "no live isolates", color: "transparent" }]);
  // The canvases' text alternative: the latest figures (the table below has them all).
  const last = (pts) => (pts.length ? pts[pts.length - 1].v : null);
  const say = (v, unit) => (v == null ? "no data yet" : v.toFixed(unit === "%" ? 0 : 1) + " " + unit);
  $("chart-cpu").setAttribute("aria-label", `Machine CPU over the last minute, now ${say(last(h.cpu), "%")}` + (h.sup.length ? `; supervisor ${say(last(h.sup), "%")}` : ""));
  $("chart-mem").setAttribute("aria-label", `Supervisor memory over the last minute, now ${say(last(h.mem), "MB")}`);
  const isoSay = (key) => [...h.iso].map(([k, s]) => `${nameOf(s.blockId, k)} ${say(last(s[key]), key === "mem" ? "MB" : "%")}`).join(", ") || "no live isolates";
  $("chart-iso-mem").setAttribute("aria-label", `Memory of each isolate over the last minute, now: ${isoSay("mem")}`);
  $("chart-iso-cpu").setAttribute("aria-label", `CPU of each isolate over the last minute, now: ${isoSay("cpu")}`);
  renderLegend($("legend-iso-cpu"), legend.length ? legend.map((l) => ({ label: l.label, color: l.color })) : [{ label: "no live isolates", color: "transparent" }]);
}

function renderIsolates(list) {
  const rows = $("isolate-rows");
  if (!list.length) { rows.replaceChildren(el("tr", {}, el("td", { colSpan: 4, className: "muted", textContent: "no live isolates" }))); return; }
  rows.replaceChildren(...list.map((is) => {
    const key = is.blockId || is.isolateId;
    const sw = el("span", { className: "swatch" });
    sw.style.background = colorFor(key);
    const tr = el("tr", {},
      el("td", {}, sw, nameOf(is.blockId, key)),
      el("td", { textContent: String(is.pid) }),
      el("td", { className: "mem", textContent: `${is.memoryMB.toFixed(1)} / ${is.memoryLimitMB.toFixed(0)} MB` }),
      el("td", { className: "cpu", textContent: `${is.cpuPercent.toFixed(0)} %` }));
    tr.dataset.blockId = is.blockId;
    return tr;
  }));
}

const ALERT_WORDS = { "isolate-memory": "Isolate memory", "total-memory": "Total memory", cpu: "Machine CPU", capacity: "Capacity" };

function addAlert(a) {
  const ul = $("alerts");
  if (ul.firstElementChild?.classList.contains("muted")) ul.replaceChildren();
  let msg = a.message || "";
  if (a.blockId) {
    const name = nameOf(a.blockId);
    msg = msg.split(a.blockId).join(`"${name}"`);
    if (!msg.includes(name)) msg = `block "${name}": ${msg}`;
  }
  const cleared = a.state === "cleared" || a.level === "cleared" || a.level === "resolved" || a.cleared === true;
  const li = el("li", { className: "alert " + (cleared ? "cleared" : a.level || "") },
    el("time", { textContent: clock(a.time) }),
    el("b", { textContent: (ALERT_WORDS[a.type] || a.type || "Alert") + (cleared ? " back to normal" : "") + ": " }), msg);
  if (a.blockId) li.dataset.blockId = a.blockId;
  ul.prepend(li);
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
  const who = m.blockId ? `"${nameOf(m.blockId)}"` : `pooled isolate ${m.isolateId}`;
  let text = `${who}: ${EVENT_WORDS[m.event] || m.event}`;
  if (m.kind && m.kind !== "ok") {
    text = m.event === "isolate.executed" ? `${who}: ${OUTCOME[m.kind] || m.kind}` : `${text}: ${OUTCOME[m.kind] || m.kind}`;
    if (m.message) text += ` (${m.message})`;
  }
  ul.prepend(el("li", { className: m.kind && m.kind !== "ok" ? "bad" : "" }, el("time", { textContent: clock(m.time) }), text));
  while (ul.children.length > 50) ul.lastElementChild.remove();
}

function clock(t) { return new Date(t).toLocaleTimeString(); }

// ---- start ----

const CGROUP_WORDS = {
  v1: "cgroup v1: the older Linux control-group interface; memory, CPU and process limits are enforced per isolate",
  v2: "cgroup v2: the unified Linux control-group interface; memory, CPU and process limits are enforced per isolate",
  none: "no cgroup: the kernel does not cap this server's isolates",
};

async function loadHealth() {
  try {
    const h = await (await fetch("/api/health")).json();
    const enf = h.enforcement || {};
    const mode = enf.cgroup?.mode ?? "unknown";
    const line = $("enforcement");
    const cg = el("abbr", { textContent: `cgroup ${mode}`, title: CGROUP_WORDS[mode] || "Linux control group: caps and counts an isolate's memory, CPU and processes" });
    const parts = ["Limits: ", cg];
    if (enf.seccomp?.mode) parts.push(", ", el("abbr", { textContent: `seccomp ${enf.seccomp.mode}`, title: "seccomp: a kernel filter on the system calls the sandbox may make" }));
    parts.push(" — " + (enf.kernelEnforced ? "kernel-enforced" : "NOT kernel-enforced"));
    line.replaceChildren(...parts);
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

const themeNow = document.documentElement.dataset.theme || "system";
applyTheme(themeNow);
renderGallery();
loadHealth();
loadBlocks().then(loadAlerts); // alerts name blocks: the names first
window.addEventListener("resize", redrawCharts);
// Before the tab goes away, send what is pending (it is in this browser anyway).
window.addEventListener("pagehide", () => { for (const id of state.pending.keys()) if (!busy(id)) saveNow(id); });
