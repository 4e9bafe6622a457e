// Symposium's bridge: the only script of the live preview frame (GET /frame).
// The frame is sandboxed without allow-same-origin, so it has an opaque
// origin and reaches neither the page that frames it nor its cookies; the
// page's CSP lets nothing else run (this script is allowed by its hash).
// The block's own JavaScript never comes here: it runs on the server, in
// the block's isolate. This script only draws the HTML the server sends,
// morphing the DOM in place (focus, caret and scroll stay), and forwards
// the viewer's events to the parent, which sends them to the server.
//
// Protocol (postMessage; every message has sym: 1):
//   parent -> frame {type: "render", html, css}     replace the page
//                   {type: "patch", html?, ack?}    morph to html; ack: the
//                                                   last event seq the server
//                                                   has answered
//   frame -> parent {type: "ready"}                 at load (and after any reload)
//                   {type: "event", seq, event: {type, node, value?, checked?, key?}}
//                   {type: "applied", ack?}         a render/patch is in the DOM
"use strict";
(() => {
  const W = window, D = document, P = W.parent;
  // Block markup can shadow DOM properties by name (<input name="firstChild">
  // inside a form, <img name="body">): call the prototypes' own functions.
  const NP = Node.prototype, EP = Element.prototype;
  const getter = (proto, name) => Object.getOwnPropertyDescriptor(proto, name).get;
  const firstChild = getter(NP, "firstChild"), nextSibling = getter(NP, "nextSibling"), nodeType = getter(NP, "nodeType");
  const parentNode = getter(NP, "parentNode"), isConnected = getter(NP, "isConnected");
  const nodeValue = Object.getOwnPropertyDescriptor(NP, "nodeValue");
  const localName = getter(EP, "localName"), namespaceURI = getter(EP, "namespaceURI"), attributes = getter(EP, "attributes");
  const insertBefore = NP.insertBefore, removeChild = NP.removeChild, cloneNode = NP.cloneNode;
  const getAttribute = EP.getAttribute, hasAttribute = EP.hasAttribute, setAttributeNS = EP.setAttributeNS;
  const removeAttributeNS = EP.removeAttributeNS, getAttributeNS = EP.getAttributeNS, hasAttributeNS = EP.hasAttributeNS;
  const closest = EP.closest, qsa = EP.querySelectorAll, qs = EP.querySelector;
  const scrollTop = Object.getOwnPropertyDescriptor(EP, "scrollTop"), scrollLeft = Object.getOwnPropertyDescriptor(EP, "scrollLeft");
  const templateContent = getter(HTMLTemplateElement.prototype, "content");
  const innerHTML = Object.getOwnPropertyDescriptor(EP, "innerHTML").set;
  const KEY = "data-symposium-node";

  const post = (m) => { m.sym = 1; P.postMessage(m, "*"); }; // the parent's origin is not ours to know; nothing secret is sent
  const styleEl = D.createElement("style");
  D.head.appendChild(styleEl);
  let body = null;         // document.body, taken before any block markup exists
  let seq = 0;             // events forwarded
  let acked = 0;           // the highest seq the server has answered
  const sentFor = new Map(); // node -> seq of the last event that carried its value
  const server = new WeakMap(); // control -> its form state in the last HTML the server sent
  const scrolled = new Set();   // elements the viewer scrolled
  let quiet = false;            // a morph is moving focus: those are not the viewer's events

  const isEl = (n) => nodeType.call(n) === 1;
  const keyOf = (n) => (isEl(n) ? getAttribute.call(n, KEY) : null);

  // ---- receiving ----

  W.addEventListener("message", (e) => {
    if (e.source !== P) return; // only the parent talks to the bridge
    const m = e.data;
    if (!m || m.sym !== 1 || !body) return;
    if (typeof m.ack === "number" && m.ack > acked) acked = m.ack;
    if (m.type === "render") {
      styleEl.textContent = typeof m.css === "string" ? m.css : "";
      morph(typeof m.html === "string" ? m.html : "", true);
      post({ type: "applied", ack: m.ack });
    } else if (m.type === "patch") {
      if (typeof m.css === "string") styleEl.textContent = m.css;
      if (typeof m.html === "string") morph(m.html, false);
      post({ type: "applied", ack: m.ack });
    }
  });

  // parse turns HTML into an inert fragment (a template's content: nothing
  // in it loads or runs) and drops what can never be active here. The
  // server's sanitiser has removed all of it already, and the CSP would
  // refuse it anyway: this is the third wall.
  const tpl = D.createElement("template");
  const DROP = "script,iframe,frame,frameset,object,embed,applet,base,meta,link,portal,noscript,template";
  const ACTIVE_URL = /^\s*(javascript|vbscript|data:(?!image\/(png|gif|jpe?g|webp|avif|bmp);))/i;
  function parse(html) {
    innerHTML.call(tpl, html);
    const frag = templateContent.call(tpl);
    for (const el of [...frag.querySelectorAll(DROP)]) removeChild.call(parentNode.call(el), el);
    for (const el of frag.querySelectorAll("*")) {
      for (const a of [...attributes.call(el)]) {
        const n = a.localName.toLowerCase();
        if (n.startsWith("on") || n === "srcdoc" || n === "formaction" ||
            ((n === "href" || n === "src" || n === "action" || n === "xlink:href" || n === "data") && ACTIVE_URL.test(a.value))) {
          removeAttributeNS.call(el, a.namespaceURI, a.localName);
        }
      }
    }
    return frag;
  }

  function morph(html, fresh) {
    quiet = true;
    try {
      const keep = capture();
      const next = parse(html);
      const byKey = new Map();
      if (fresh) clear();
      else for (const el of qsa.call(body, "[" + KEY + "]")) byKey.set(getAttribute.call(el, KEY), el);
      try {
        children(body, next, byKey, new Set());
      } catch {
        clear(); // markup the morph cannot take: draw it afresh
        children(body, parse(html), new Map(), new Set());
      }
      restore(keep);
    } finally {
      quiet = false;
    }
  }

  function clear() { while (firstChild.call(body)) removeChild.call(body, firstChild.call(body)); }

  // children makes from's children match to's: elements with the same
  // data-symposium-node are the same element (moved if need be), others
  // match by position and tag. Elements are changed in place, so focus,
  // caret, scroll and what the viewer typed stay with them.
  function children(from, to, byKey, used) {
    let cur = firstChild.call(from);
    for (let nc = firstChild.call(to); nc; nc = nextSibling.call(nc)) {
      const k = keyOf(nc);
      let match = null;
      if (k !== null) {
        const old = byKey.get(k);
        if (old && !used.has(old) && same(old, nc)) match = old;
      } else if (cur && !used.has(cur) && keyOf(cur) === null && same(cur, nc)) {
        match = cur;
      }
      if (match) {
        used.add(match);
        if (match === cur) cur = nextSibling.call(cur);
        else insertBefore.call(from, match, cur);
        update(match, nc, byKey, used);
      } else {
        // A new node: a shallow copy, then its children, so elements the
        // server moved into a new wrapper keep their identity.
        const shell = cloneNode.call(nc, false);
        insertBefore.call(from, shell, cur);
        used.add(shell);
        if (isEl(nc)) { children(shell, nc, byKey, used); formState(shell, nc, true); }
      }
    }
    while (cur) {
      const n = nextSibling.call(cur);
      if (!used.has(cur)) removeChild.call(from, cur);
      cur = n;
    }
  }

  function same(a, b) {
    const t = nodeType.call(a);
    if (t !== nodeType.call(b)) return false;
    return t !== 1 || (localName.call(a) === localName.call(b) && namespaceURI.call(a) === namespaceURI.call(b));
  }

  function update(old, neu, byKey, used) {
    if (!isEl(old)) {
      const v = nodeValue.get.call(neu);
      if (nodeValue.get.call(old) !== v) nodeValue.set.call(old, v);
      return;
    }
    // Attributes: the server's, except the form state kept below.
    const want = attributes.call(neu);
    for (const a of [...attributes.call(old)]) {
      if (!hasAttributeNS.call(neu, a.namespaceURI, a.localName)) removeAttributeNS.call(old, a.namespaceURI, a.localName);
    }
    for (const a of want) {
      if (getAttributeNS.call(old, a.namespaceURI, a.localName) === a.value) continue;
      try { setAttributeNS.call(old, a.namespaceURI, a.name, a.value); } catch { /* a name only the parser accepts: kept as it was */ }
    }
    if (localName.call(old) !== "textarea") children(old, neu, byKey, used);
    formState(old, neu, false);
  }

  // formState applies the server's value/checked/selected to a control when
  // the server changed it (compared with the HTML it sent last time), and
  // not while events that carry this control's value are still unanswered:
  // what the viewer is typing is never overwritten by an older echo.
  function formState(el, neu, fresh) {
    const tag = localName.call(el);
    if (tag !== "input" && tag !== "textarea" && tag !== "option") return;
    const now = tag === "textarea" ? { value: neu.textContent }
      : tag === "option" ? { selected: hasAttribute.call(neu, "selected") }
      : { value: getAttribute.call(neu, "value") ?? "", checked: hasAttribute.call(neu, "checked") };
    const was = server.get(el);
    server.set(el, now);
    if (fresh) return;
    const k = keyOf(tag === "option" ? closest.call(el, "select") || el : el);
    if (k !== null && (sentFor.get(k) || 0) > acked) return; // the server has not seen the latest yet
    if (tag === "option") {
      if (!was || was.selected !== now.selected) el.selected = now.selected;
      return;
    }
    if ((!was || was.value !== now.value) && el.value !== now.value) setValue(el, now.value);
    if (tag === "input" && (!was || was.checked !== now.checked) && el.checked !== now.checked) el.checked = now.checked;
  }

  function setValue(el, v) {
    const focused = D.activeElement === el;
    let s = null, e = null;
    if (focused) try { s = el.selectionStart; e = el.selectionEnd; } catch { /* no selection on this input type */ }
    el.value = v;
    if (focused && s !== null) try { el.setSelectionRange(Math.min(s, v.length), Math.min(e, v.length)); } catch { /* ignore */ }
  }

  // capture and restore keep focus, selection and scroll across a morph
  // (moving an element, as a morph may, drops its focus).
  function capture() {
    const a = D.activeElement;
    const keep = { el: a && a !== body ? a : null, key: a ? keyOf(a) : null, sel: null, x: W.scrollX, y: W.scrollY, scroll: [] };
    if (keep.el) try { if (typeof a.selectionStart === "number") keep.sel = [a.selectionStart, a.selectionEnd, a.selectionDirection]; } catch { /* none */ }
    for (const el of scrolled) keep.scroll.push([el, keyOf(el), scrollTop.get.call(el), scrollLeft.get.call(el)]);
    return keep;
  }

  function find(el, key) {
    if (el && isConnected.call(el)) return el;
    return key !== null ? qs.call(body, "[" + KEY + '="' + CSS.escape(key) + '"]') : null;
  }

  function restore(keep) {
    const el = find(keep.el, keep.key);
    if (el && D.activeElement !== el) {
      el.focus({ preventScroll: true });
      if (keep.sel) try { el.setSelectionRange(...keep.sel); } catch { /* ignore */ }
    }
    scrolled.clear();
    for (const [old, key, top, left] of keep.scroll) {
      const s = find(old, key);
      if (!s) continue;
      scrolled.add(s);
      if (scrollTop.get.call(s) !== top) scrollTop.set.call(s, top);
      if (scrollLeft.get.call(s) !== left) scrollLeft.set.call(s, left);
    }
    if (W.scrollX !== keep.x || W.scrollY !== keep.y) W.scrollTo(keep.x, keep.y);
  }

  // ---- forwarding ----

  const nodeOf = (t) => {
    const el = t && nodeType.call(t) === 1 ? t : t && parentNode.call(t);
    const k = el && isEl(el) ? closest.call(el, "[" + KEY + "]") : null;
    return k ? getAttribute.call(k, KEY) : null;
  };
  const controls = new Set(["input", "textarea", "select"]);

  function forward(type, e, extra) {
    if (quiet) return;
    const k = nodeOf(e.target);
    if (k === null) return;
    const n = Number(k);
    if (!Number.isSafeInteger(n) || n <= 0) return;
    const ev = { type, node: n };
    const t = e.target;
    if (isEl(t) && controls.has(localName.call(t)) && getAttribute.call(t, KEY) === k) {
      const kind = localName.call(t) === "input" ? String(t.type).toLowerCase() : "";
      if (kind === "checkbox" || kind === "radio") ev.checked = !!t.checked;
      else if (kind !== "file") ev.value = String(t.value);
      if (ev.value !== undefined || ev.checked !== undefined) sentFor.set(k, seq + 1);
    }
    Object.assign(ev, extra);
    post({ type: "event", seq: ++seq, event: ev });
  }

  const on = (type, fn) => D.addEventListener(type, fn, true);
  const elOf = (t) => (t && isEl(t) ? t : t && parentNode.call(t));
  // The server runs a forwarded event's default actions itself, as a
  // browser does (a checkbox's input and change, a label's click at its
  // control, a submit button's or Enter's form submission): the same
  // events the browser derives here in the same task are not sent again.
  let derived = null;
  const derive = (...els) => {
    if (!derived) { derived = new Set(); setTimeout(() => { derived = null; }); }
    for (const el of els) if (el) derived.add(el);
  };
  const isDerived = (t) => derived !== null && derived.has(t);
  const implicit = new Set(["text", "search", "email", "url", "tel", "password", "date", "month", "week", "time", "datetime-local", "number"]);
  on("click", (e) => {
    const t = elOf(e.target);
    if (t && closest.call(t, "a")) e.preventDefault(); // links never navigate the frame
    if (isDerived(t)) return;
    forward("click", e);
    const act = t ? closest.call(t, "input, button, label, summary, a[href]") : null;
    if (!act) return;
    const tag = localName.call(act), type = String(act.type || "").toLowerCase();
    if (tag === "input" && (type === "checkbox" || type === "radio")) derive(act);
    else if (tag === "label") derive(act.control);
    else if ((tag === "button" || tag === "input") && (type === "submit" || type === "image")) derive(act.form);
  });
  on("auxclick", (e) => { const t = elOf(e.target); if (t && closest.call(t, "a")) e.preventDefault(); });
  on("input", (e) => { if (!isDerived(e.target)) forward("input", e); });
  on("change", (e) => { if (!isDerived(e.target)) forward("change", e); });
  on("submit", (e) => {
    e.preventDefault(); // a form never leaves the frame (the sandbox refuses it too)
    if (!isDerived(e.target)) forward("submit", e);
  });
  const submitsOnEnter = (e) => {
    const t = e.target;
    return e.key === "Enter" && isEl(t) && localName.call(t) === "input" && implicit.has(String(t.type).toLowerCase()) && t.form;
  };
  on("keydown", (e) => {
    forward("keydown", e, { key: String(e.key) });
    if (submitsOnEnter(e)) {
      // The server submits the form from this Enter (implicit submission,
      // a click at its default button): the browser's own is held back.
      e.preventDefault();
      const form = e.target.form;
      derive(form, qs.call(form, "button:not([type]), button[type=submit], input[type=submit], input[type=image]"));
    }
  });
  on("keypress", (e) => { if (submitsOnEnter(e)) e.preventDefault(); });
  on("keyup", (e) => forward("keyup", e, { key: String(e.key) }));
  on("focusin", (e) => forward("focusin", e));
  on("focusout", (e) => forward("focusout", e));
  on("scroll", (e) => { if (e.target !== D) scrolled.add(e.target); });
  // A dropped link would navigate the frame.
  on("dragover", (e) => e.preventDefault());
  on("drop", (e) => e.preventDefault());

  function start() {
    body = D.body;
    post({ type: "ready" });
  }
  if (D.readyState === "loading") D.addEventListener("DOMContentLoaded", start, { once: true });
  else start();
})();
