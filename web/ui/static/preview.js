// The parent side of a live preview: it owns the sandboxed frame (GET
// /frame, whose only script is Symposium's bridge), keeps one live session
// of a block open over the page's WebSocket, forwards the viewer's events
// from the frame to the session and the session's pages back to the frame.
// The block's JavaScript runs on the server, in its isolate; nothing of it
// reaches the browser. Used by app.js (the editor's preview) and embed.js.
//
// The frame has an opaque origin (sandbox="allow-scripts", never
// allow-same-origin), so every message from it is checked to come from
// that frame's window, and everything in it is validated before it is sent.

const EVENTS = new Set(["click", "input", "change", "submit", "keydown", "keyup", "focusin", "focusout"]);
const MAX_VALUE = 100000;

// What an ended session means, in words; the UI adds a Restart button.
export const ENDED_WORDS = {
  timeout: "timeout: the handler ran past its time limit",
  oom: "out of memory: the page used more memory than its limit",
  crash: "crash: the sandbox running the page stopped unexpectedly",
  idle: "ended after being idle",
  isolate_ended: "ended: the block's isolate stopped (evicted or restarted)",
  deleted: "ended: the block was deleted",
  code_changed: "restarting with the new code…",
  closed: "closed",
  session_gone: "ended: the server no longer has this live page",
  session_moved: "moved to another server instance: reopening…",
};

let instances = 0;

export class LivePreview {
  // frame: the <iframe> to own. send(msg) -> bool puts a message on the
  // socket. onState({state, text, restart}) says how the session stands;
  // onLogs(logs, {first}) gets console lines, onNotices(list, {first}) the
  // page's notices (first: the live page's first render, which replaces
  // what a static run said); onRemoved(list) what the
  // sanitiser took out; onUnsupported() when the server has no live
  // sessions (the caller shows the static page then). embed: the frame is
  // inside an embed page (any site may frame it).
  constructor({ frame, send, onState = () => {}, onLogs = () => {}, onRemoved = () => {}, onNotices = () => {}, onUnsupported = () => {}, embed = false, codeChangeWait = 3000 }) {
    this.id = ++instances;
    this.prefix = `lp${this.id}.${Math.random().toString(36).slice(2, 6)}.`;
    this.frame = frame;
    this.sendMsg = send;
    this.cb = { onState, onLogs, onRemoved, onNotices, onUnsupported };
    this.frameSrc = (embed ? "/frame?embed=1" : "/frame") + "#" + this.prefix.slice(0, -1);
    this.codeChangeWait = codeChangeWait;
    this.n = 0;
    this.want = null;       // {blockId, code?, data?}: the session the viewer should have
    this.session = null;    // {id, blockId, code}: the open one
    this.openRef = null;
    this.queue = [];        // [{ev, seq, t0}]
    this.inflight = null;   // {ref, ev, seq, t0, tries}
    this.ready = false;     // the bridge said ready
    this.page = null;       // {html, css}: what the frame should show (re-sent after a frame reload)
    this.mode = "live";
    this.codeKey = null;    // the code the viewer's last run had
    this.waitTimer = 0;
    this.timings = [];      // event -> patch applied, ms, measured here
    this.state = "idle";
    this.onWindowMessage = (e) => this.fromFrame(e);
    window.addEventListener("message", this.onWindowMessage);
    this.frame.setAttribute("sandbox", "allow-scripts");
    this.frame.setAttribute("referrerpolicy", "no-referrer");
    this.frame.src = this.frameSrc;
  }

  // open asks for a live session of blockId (code/data: a draft to run
  // instead of the stored block). codeKey names the code, so a later run
  // with other code reopens it.
  open(blockId, { code, data, codeKey } = {}) {
    if (codeKey !== undefined) this.codeKey = codeKey;
    this.want = { blockId, code, data };
    this.live();
    this.reopen();
  }

  // restart ends the session and opens a fresh one of the same block.
  restart() { if (this.want) { this.live(); this.reopen(); } }

  // stop shows blockId without a live page, saying why (text); Restart
  // opens one anyway.
  stop(blockId, text) {
    if (!this.want || this.want.blockId !== blockId) this.want = { blockId };
    clearTimeout(this.waitTimer);
    this.endSession();
    this.show({ html: "", css: "" });
    this.setState("ended", text, true, "not_live");
  }

  // blockId is the block the preview is for (null: none).
  get blockId() { return this.want ? this.want.blockId : null; }

  // close ends the session; the frame goes blank.
  close() {
    this.want = null;
    this.endSession();
    this.show({ html: "", css: "" });
    this.setState("idle", "");
  }

  // ran tells the preview a run of its block finished (codeKey: the code it
  // ran; force: the viewer asked for it): other code, or a forced run,
  // restarts the live page with what the run stored.
  ran(blockId, codeKey, force) {
    if (!this.want || this.want.blockId !== blockId) return;
    const changed = codeKey !== this.codeKey;
    this.codeKey = codeKey;
    if (this.mode !== "live") return;
    if (changed || force || !this.session && !this.openRef) this.reopen();
  }

  // connected: a (new) socket is up. Sessions belong to their socket, so
  // the old one is gone: open anew.
  connected() {
    this.session = null; this.openRef = null;
    this.ackAll();
    if (this.want && this.mode === "live") this.reopen();
  }

  disconnected() {
    this.session = null; this.openRef = null;
    this.ackAll();
    if (this.want && this.mode === "live") this.setState("offline", "offline: reconnecting to the server…");
  }

  // showStatic puts the static, script-free output page in the frame (the
  // server has no live sessions, or the viewer's block cannot have one).
  showStatic(url) {
    this.mode = "static";
    this.endSession();
    this.ready = false;
    this.frame.setAttribute("sandbox", "");
    this.frame.src = url;
  }

  live() {
    if (this.mode === "live") return;
    this.mode = "live";
    this.ready = false;
    this.frame.setAttribute("sandbox", "allow-scripts");
    this.frame.src = this.frameSrc;
  }

  destroy() {
    this.close();
    window.removeEventListener("message", this.onWindowMessage);
  }

  // ---- the socket ----

  ref() { return this.prefix + (++this.n); }
  ours(ref) { return typeof ref === "string" && ref.startsWith(this.prefix); }

  send(msg) {
    const ok = this.sendMsg(msg);
    if (!ok) this.setState("offline", "offline: reconnecting to the server…");
    return ok;
  }

  reopen() {
    clearTimeout(this.waitTimer);
    this.endSession();
    if (!this.want) return;
    const w = this.want;
    this.openRef = this.ref();
    const msg = { type: "session.open", ref: this.openRef, blockId: w.blockId };
    if (w.code !== undefined) msg.code = w.code;
    if (w.data !== undefined) msg.data = w.data;
    this.setState("opening", "starting the live page…");
    if (!this.send(msg)) this.openRef = null;
  }

  endSession() {
    if (this.session) this.sendMsg({ type: "session.close", ref: this.ref(), sessionId: this.session.id });
    this.session = null;
    this.openRef = null;
    this.ackAll();
  }

  // handle takes a socket message; true when it was this preview's.
  handle(m) {
    switch (m.type) {
      case "session":
        if (m.ref !== this.openRef) {
          // An answer to an open we gave up on: close what it opened.
          if (this.ours(m.ref) && m.sessionId && !m.ended) this.sendMsg({ type: "session.close", ref: this.ref(), sessionId: m.sessionId });
          return this.ours(m.ref);
        }
        this.opened(m);
        return true;
      case "session.update":
        if (!this.session || m.sessionId !== this.session.id) return this.ours(m.ref);
        this.updated(m);
        return true;
      case "session.closed":
        return this.ours(m.ref);
      case "error":
        if (!this.ours(m.ref)) return false;
        if (m.ref === this.openRef) this.openFailed(m);
        else if (this.inflight && m.ref === this.inflight.ref) this.eventFailed(m);
        return true;
    }
    return false;
  }

  opened(m) {
    this.openRef = null;
    this.session = { id: m.sessionId, blockId: m.blockId, code: this.codeKey };
    this.show({ html: m.html ?? "", css: m.css ?? "" });
    this.cb.onRemoved(Array.isArray(m.removed) ? m.removed : []);
    this.cb.onLogs(Array.isArray(m.logs) ? m.logs : [], { first: true });
    this.cb.onNotices(Array.isArray(m.notices) ? m.notices : [], { first: true });
    if (m.ended) { this.ended(m.reason || m.result?.kind || "crash", m.result); return; }
    this.outcome(m.result);
    this.pump();
  }

  updated(m) {
    let ack;
    if (this.inflight && m.ref === this.inflight.ref) {
      ack = this.inflight.seq;
      this.inflight.done = performance.now();
      this.lastAnswered = this.inflight;
      this.inflight = null;
    }
    if (typeof m.html === "string") {
      this.page.html = m.html;
      const p = { type: "patch", html: m.html, ack };
      if (typeof m.css === "string" && m.css !== this.page.css) p.css = this.page.css = m.css;
      this.post(p);
      if (Array.isArray(m.removed)) this.cb.onRemoved(m.removed);
    } else if (ack !== undefined) {
      this.post({ type: "patch", ack });
    }
    if (Array.isArray(m.logs) && m.logs.length) this.cb.onLogs(m.logs, { first: false });
    if (Array.isArray(m.notices) && m.notices.length) this.cb.onNotices(m.notices, { first: false });
    if (m.ended) { this.ended(m.reason || m.result?.kind || "crash", m.result); return; }
    if (m.result?.kind === "script") this.cb.onLogs([{ level: "error", message: "Uncaught in a handler: " + (m.result.message || "error") }], { first: false });
    this.outcome(m.result, false);
    this.pump();
  }

  outcome(r, first = true) {
    if (r && r.kind && r.kind !== "ok") {
      const what = first ? "the page's script threw" : "a handler threw";
      this.setState("live", `live · ${what}: ${r.message || r.kind}`, false, "script");
    } else {
      this.setState("live", "live: the block's script runs on the server; clicks and keys here are sent to it");
    }
  }

  ended(reason, result) {
    const s = this.session;
    this.session = null;
    this.ackAll();
    if (reason === "code_changed") {
      this.setState("restarting", ENDED_WORDS.code_changed);
      // Reopen once the run with the new code has stored it: its result
      // says so (ran()); if that result came first, now.
      if (s && s.code !== this.codeKey) this.reopen();
      else this.waitTimer = setTimeout(() => { if (!this.session && !this.openRef) this.reopen(); }, this.codeChangeWait);
      return;
    }
    if (reason === "session_moved") { this.reopen(); return; }
    if (reason === "closed") { this.setState("ended", "closed", true); return; }
    let text = ENDED_WORDS[reason] || `ended: ${reason}`;
    if (result?.message && (reason === "timeout" || reason === "oom" || reason === "crash" || reason === "script")) text += ` (${result.message})`;
    this.setState("ended", text, reason !== "deleted", reason);
  }

  openFailed(m) {
    this.openRef = null;
    if (m.code === "sessions_disabled" || (m.code === "invalid_message" && /unknown type/i.test(m.message || ""))) {
      this.setState("static", "static preview: this server has no live pages");
      this.cb.onUnsupported();
      return;
    }
    const words = {
      session_limit: "no live page: too many are open on this server or for this block; try again in a moment",
      no_capacity: "no live page: every isolate is busy; try again in a moment",
      session_rate_limited: "no live page yet: too many requests; try again in a moment",
    };
    this.setState("ended", words[m.code] || `no live page: ${m.message || m.code}`, true, m.code);
  }

  eventFailed(m) {
    const f = this.inflight;
    this.inflight = null;
    if (m.code === "session_rate_limited" && f.tries < 20) {
      // Too fast for the server: the event waits its turn again.
      f.tries++;
      this.queue.unshift(f);
      const wait = Math.min(2000, 100 * 2 ** f.tries);
      this.hold = performance.now() + wait;
      setTimeout(() => this.pump(), wait);
      this.setState("live", "live · slowing down: too many events per second");
      return;
    }
    this.post({ type: "patch", ack: f.seq });
    if (m.code === "session_gone" || m.code === "session_moved") {
      this.ended(m.code);
      return;
    }
    // no_target (the element is gone), invalid_event: that event only.
    this.pump();
  }

  pump() {
    if (this.inflight || !this.session || !this.queue.length || performance.now() < (this.hold || 0)) return;
    const f = this.queue.shift();
    f.ref = this.ref();
    f.tries ??= 0;
    this.inflight = f;
    if (!this.send({ type: "session.event", ref: f.ref, sessionId: this.session.id, event: f.ev })) this.inflight = null;
  }

  // ---- the frame ----

  post(m) {
    if (!this.ready || this.mode !== "live" || !this.frame.contentWindow) return;
    m.sym = 1;
    // The frame's origin is opaque: "*" is the only target that reaches
    // it. What goes there is the block's page, which is the frame's anyway.
    this.frame.contentWindow.postMessage(m, "*");
  }

  show(page) {
    this.page = page;
    this.post({ type: "render", html: page.html, css: page.css });
  }

  fromFrame(e) {
    if (this.mode !== "live" || e.source !== this.frame.contentWindow) return; // only our frame's window
    const m = e.data;
    if (!m || typeof m !== "object" || m.sym !== 1) return;
    if (m.type === "ready") {
      this.ready = true;
      if (this.page) this.post({ type: "render", html: this.page.html, css: this.page.css });
      return;
    }
    if (m.type === "applied") { this.applied(m.ack); return; }
    if (m.type !== "event") return;
    const ev = clean(m.event);
    const seq = Number.isSafeInteger(m.seq) && m.seq > 0 ? m.seq : 0;
    if (!ev || !seq) return;
    const t0 = performance.now();
    if (!this.session) { this.post({ type: "patch", ack: seq }); return; } // nothing to send it to
    // Keystrokes outpace the server's answers: a waiting input event of the
    // same control takes the newer value instead of queueing another.
    if (ev.type === "input") {
      const q = this.queue.find((f) => f.ev.type === "input" && f.ev.node === ev.node);
      if (q) { q.ev = ev; q.seq = Math.max(q.seq, seq); return; }
    }
    this.queue.push({ ev, seq, t0 });
    this.pump();
  }

  applied(ack) {
    const f = this.lastAnswered;
    if (!f || ack !== f.seq) return;
    this.lastAnswered = null;
    this.timings.push({ type: f.ev.type, ms: performance.now() - f.t0, serverMs: f.done - f.t0 });
    if (this.timings.length > 2000) this.timings.splice(0, 1000);
    this.frame.dispatchEvent(new CustomEvent("symposium:applied", { detail: { type: f.ev.type, ms: performance.now() - f.t0 } }));
  }

  ackAll() {
    // Events still queued or in flight will never be answered: let the
    // bridge stop holding its controls' values for them.
    const seqs = this.queue.map((f) => f.seq);
    if (this.inflight) seqs.push(this.inflight.seq);
    this.queue = [];
    this.inflight = null;
    this.hold = 0;
    if (seqs.length) this.post({ type: "patch", ack: Math.max(...seqs) });
  }

  setState(state, text, restart = false, kind = "") {
    this.state = state;
    this.cb.onState({ state, text, restart, kind });
  }
}

// clean keeps only what an event may carry, in the shapes the server takes.
function clean(ev) {
  if (!ev || typeof ev !== "object" || !EVENTS.has(ev.type)) return null;
  if (!Number.isSafeInteger(ev.node) || ev.node <= 0) return null;
  const out = { type: ev.type, node: ev.node };
  if (typeof ev.value === "string") out.value = ev.value.slice(0, MAX_VALUE);
  if (typeof ev.checked === "boolean") out.checked = ev.checked;
  if (typeof ev.key === "string" && ev.key.length <= 32) out.key = ev.key;
  return out;
}
