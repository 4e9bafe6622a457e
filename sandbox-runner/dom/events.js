// EventTarget, Event and its subclasses, AbortController and the click()
// default actions, per the DOM and HTML standards. Loaded into a runtime the
// first time a script touches any of them (events.go); host is the Go side.
(function (host) {
  'use strict';
  const win = host.window, doc = host.document;
  // An Event's internal state is its private field #s, read through
  // stateOf: a WeakMap would cost a weak-pointer lookup on every read.
  let stateOf;
  // Listener records: a node's live on its Go wrapper (host.listeners),
  // so a removed element's listeners go with it even when they close over
  // the element (a WeakMap holds its values strongly); other targets'
  // (window, AbortSignal, EventTarget objects) in registry.
  const registry = new WeakMap();
  function listOf(t) {
    const l = host.listeners(t);
    return l === undefined ? registry.get(t) : l === null ? undefined : l;
  }
  function newList(t) {
    const l = [];
    if (!host.setListeners(t, l)) registry.set(t, l);
    return l;
  }
  const counts = Object.create(null); // listener type -> count, for notices

  const domError = (name, message) => { const e = new Error(message); e.name = name; return e; };
  const need = (args, n, what) => {
    if (args.length < n) throw new TypeError(`Failed to ${what}: ${n} argument${n > 1 ? 's' : ''} required, but only ${args.length} present.`);
  };
  const targetOf = (t) => (t == null ? win : t);

  function flatten(options) {
    if (options === null || typeof options !== 'object') return { capture: !!options, once: false, passive: false, signal: undefined };
    return { capture: !!options.capture, once: !!options.once, passive: !!options.passive, signal: options.signal };
  }

  function addEventListener(type, callback, options) {
    need(arguments, 2, "execute 'addEventListener' on 'EventTarget'");
    const t = targetOf(this);
    if (callback == null) return;
    const o = flatten(options);
    type = String(type);
    if (o.signal !== undefined && !(o.signal instanceof AbortSignal)) {
      throw new TypeError("Failed to execute 'addEventListener' on 'EventTarget': Failed to read the 'signal' property from 'AddEventListenerOptions': Failed to convert value to 'AbortSignal'.");
    }
    if (o.signal && o.signal.aborted) return;
    let list = listOf(t);
    if (!list) list = newList(t);
    for (const l of list) if (l.type === type && l.callback === callback && l.capture === o.capture) return;
    const rec = { type, callback, capture: o.capture, once: o.once, passive: o.passive, removed: false };
    list.push(rec);
    counts[type] = (counts[type] || 0) + 1;
    if (o.signal) o.signal.addEventListener('abort', () => removeRecord(t, rec));
  }

  function removeRecord(t, rec) {
    const list = listOf(t);
    const i = list ? list.indexOf(rec) : -1;
    if (i >= 0) {
      list.splice(i, 1);
      rec.removed = true;
      counts[rec.type]--;
    }
  }

  function removeEventListener(type, callback, options) {
    need(arguments, 2, "execute 'removeEventListener' on 'EventTarget'");
    const t = targetOf(this);
    const list = listOf(t);
    if (!list) return;
    const capture = flatten(options).capture;
    type = String(type);
    for (const l of list) {
      if (l.type === type && l.callback === callback && l.capture === capture) return removeRecord(t, l);
    }
  }

  function parentOf(t, type) {
    if (t === win) return null;
    if (t === doc) return type === 'load' ? null : win;
    if (!host.isNode(t)) return null;
    const p = t.parentNode;
    return p == null ? null : p;
  }

  function call(t, fn, ev) {
    try {
      if (typeof fn === 'function') return fn.call(t, ev);
      if (fn && typeof fn.handleEvent === 'function') return fn.handleEvent(ev);
    } catch (e) {
      host.report(e);
    }
  }

  function invoke(t, ev, st, capture) {
    st.currentTarget = t;
    if (!capture) {
      const h = host.handler(t, st.type);
      if (typeof h === 'function') {
        const r = call(t, h, ev);
        if (r === false && st.type !== 'mouseover' && st.cancelable && !st.passive) st.canceled = true;
        if (st.stopNow) return;
      }
    }
    const list = listOf(t);
    if (!list) return;
    const snapshot = list.slice();
    for (let i = 0; i < snapshot.length; i++) {
      const l = snapshot[i];
      if (l.removed || l.type !== st.type || l.capture !== capture) continue;
      if (l.once) removeRecord(t, l);
      st.passive = l.passive;
      call(t, l.callback, ev);
      st.passive = false;
      if (st.stopNow) return;
    }
  }

  function dispatch(t, ev) {
    const st = stateOf(ev);
    if (!st) throw new TypeError("Failed to execute 'dispatchEvent' on 'EventTarget': parameter 1 is not of type 'Event'.");
    if (st.dispatching) throw domError('InvalidStateError', "Failed to execute 'dispatchEvent' on 'EventTarget': The event is already being dispatched.");
    st.dispatching = true;
    st.target = t;
    const path = [t];
    for (let p = parentOf(t, st.type); p; p = parentOf(p, st.type)) path.push(p);
    st.path = path;
    st.phase = 1;
    for (let i = path.length - 1; i > 0 && !st.stop; i--) invoke(path[i], ev, st, true);
    st.phase = 2;
    if (!st.stop) invoke(t, ev, st, true);
    if (!st.stop) invoke(t, ev, st, false);
    if (st.bubbles) {
      st.phase = 3;
      for (let i = 1; i < path.length && !st.stop; i++) invoke(path[i], ev, st, false);
    }
    st.phase = 0;
    st.currentTarget = null;
    st.path = [];
    st.dispatching = false;
    st.stop = st.stopNow = false;
    return !st.canceled;
  }

  function dispatchEvent(ev) {
    need(arguments, 1, "execute 'dispatchEvent' on 'EventTarget'");
    const st = stateOf(ev);
    if (st) st.trusted = false;
    return dispatch(targetOf(this), ev);
  }

  class EventTarget {}
  for (const [k, f] of [['addEventListener', addEventListener], ['removeEventListener', removeEventListener], ['dispatchEvent', dispatchEvent]]) {
    Object.defineProperty(EventTarget.prototype, k, { value: f, writable: true, configurable: true });
  }

  const st = (e) => {
    const s = stateOf(e);
    if (!s) throw new TypeError('Illegal invocation');
    return s;
  };

  class Event {
    #s;
    static _state(e) { return e !== null && typeof e === 'object' && #s in e ? e.#s : undefined; }
    constructor(type, init) {
      if (arguments.length < 1) need(arguments, 1, `construct '${new.target.name}'`);
      init = init == null ? {} : init;
      this.#s = {
        type: String(type), bubbles: !!init.bubbles, cancelable: !!init.cancelable, composed: !!init.composed,
        target: null, currentTarget: null, phase: 0, path: [], stop: false, stopNow: false, canceled: false,
        passive: false, dispatching: false, trusted: false, timeStamp: host.now(),
      };
    }
    get type() { return st(this).type; }
    get target() { return st(this).target; }
    get srcElement() { return st(this).target; }
    get currentTarget() { return st(this).currentTarget; }
    get eventPhase() { return st(this).phase; }
    get bubbles() { return st(this).bubbles; }
    get cancelable() { return st(this).cancelable; }
    get composed() { return st(this).composed; }
    get defaultPrevented() { return st(this).canceled; }
    get returnValue() { return !st(this).canceled; }
    set returnValue(v) { if (!v) this.preventDefault(); }
    get cancelBubble() { return st(this).stop; }
    set cancelBubble(v) { if (v) st(this).stop = true; }
    get isTrusted() { return st(this).trusted; }
    get timeStamp() { return st(this).timeStamp; }
    composedPath() { return st(this).path.slice(); }
    stopPropagation() { st(this).stop = true; }
    stopImmediatePropagation() { const s = st(this); s.stop = s.stopNow = true; }
    preventDefault() { const s = st(this); if (s.cancelable && !s.passive) s.canceled = true; }
    initEvent(type, bubbles, cancelable) {
      const s = st(this);
      if (s.dispatching) return;
      s.type = String(type); s.bubbles = !!bubbles; s.cancelable = !!cancelable;
      s.stop = s.stopNow = s.canceled = false;
    }
  }
  stateOf = Event._state;
  delete Event._state;
  const phases = { NONE: 0, CAPTURING_PHASE: 1, AT_TARGET: 2, BUBBLING_PHASE: 3 };
  for (const [k, v] of Object.entries(phases)) {
    Object.defineProperty(Event, k, { value: v, enumerable: true });
    Object.defineProperty(Event.prototype, k, { value: v, enumerable: true });
  }

  // subclass defines an Event subclass whose init dictionary members (with
  // their defaults) become read-only properties.
  const fills = new Map(); // Event subclass -> its init members' filler, for fire
  function subclass(Base, name, defaults) {
    const keys = Object.keys(defaults), ikeys = keys.map((k) => 'i_' + k);
    // Only the members init gives are stored; the getters fall back to the
    // defaults (an event object stays small).
    const fill = (own, init) => {
      if (init == null) return;
      for (let i = 0; i < keys.length; i++) {
        const v = init[keys[i]];
        if (v !== undefined) own[ikeys[i]] = v;
      }
    };
    const C = {
      [name]: class extends Base {
        constructor(type, init) {
          if (arguments.length < 1) need(arguments, 1, `construct '${name}'`);
          super(type, init);
          fill(stateOf(this), init);
        }
      },
    }[name];
    fills.set(C, { fill, Base });
    for (let i = 0; i < keys.length; i++) {
      const ik = ikeys[i], d = defaults[keys[i]];
      Object.defineProperty(C.prototype, keys[i], {
        get() { const v = st(this)[ik]; return v !== undefined ? v : d; }, configurable: true, enumerable: true,
      });
    }
    return C;
  }
  const mods = { ctrlKey: false, shiftKey: false, altKey: false, metaKey: false };
  const CustomEvent = subclass(Event, 'CustomEvent', { detail: null });
  CustomEvent.prototype.initCustomEvent = function (type, bubbles, cancelable, detail) {
    this.initEvent(type, bubbles, cancelable);
    st(this).i_detail = detail;
  };
  const UIEvent = subclass(Event, 'UIEvent', { view: null, detail: 0, which: 0 });
  const MouseEvent = subclass(UIEvent, 'MouseEvent', {
    screenX: 0, screenY: 0, clientX: 0, clientY: 0, pageX: 0, pageY: 0, offsetX: 0, offsetY: 0, x: 0, y: 0,
    movementX: 0, movementY: 0, button: 0, buttons: 0, relatedTarget: null, ...mods,
  });
  MouseEvent.prototype.getModifierState = function (k) { return !!({ Control: this.ctrlKey, Shift: this.shiftKey, Alt: this.altKey, Meta: this.metaKey })[k]; };
  const PointerEvent = subclass(MouseEvent, 'PointerEvent', {
    pointerId: 0, width: 1, height: 1, pressure: 0, tangentialPressure: 0, tiltX: 0, tiltY: 0, twist: 0,
    pointerType: '', isPrimary: false,
  });
  const WheelEvent = subclass(MouseEvent, 'WheelEvent', { deltaX: 0, deltaY: 0, deltaZ: 0, deltaMode: 0 });
  const KeyboardEvent = subclass(UIEvent, 'KeyboardEvent', {
    key: '', code: '', location: 0, repeat: false, isComposing: false, charCode: 0, keyCode: 0, ...mods,
  });
  KeyboardEvent.prototype.getModifierState = MouseEvent.prototype.getModifierState;
  const InputEvent = subclass(UIEvent, 'InputEvent', { data: null, inputType: '', isComposing: false, dataTransfer: null });
  const FocusEvent = subclass(UIEvent, 'FocusEvent', { relatedTarget: null });
  const SubmitEvent = subclass(Event, 'SubmitEvent', { submitter: null });
  const ProgressEvent = subclass(Event, 'ProgressEvent', { lengthComputable: false, loaded: 0, total: 0 });
  const PageTransitionEvent = subclass(Event, 'PageTransitionEvent', { persisted: false });
  const ErrorEvent = subclass(Event, 'ErrorEvent', { message: '', filename: '', lineno: 0, colno: 0, error: undefined });

  // fire dispatches a trusted event the platform itself raises.
  // The event is built as its constructor would build it, without running
  // the chain of subclass constructors: a base Event given the subclass's
  // prototype and each level's init members (user events are PointerEvents,
  // four classes deep).
  function fire(t, type, init, C) {
    if (typeof C === 'string') C = C === 'FocusEvent' ? FocusEvent : PageTransitionEvent;
    const ev = C && C !== Event && !fills.has(C) ? new C(type, init) : new Event(type, init), s = stateOf(ev);
    if (C && C !== Event && fills.has(C)) {
      Object.setPrototypeOf(ev, C.prototype);
      for (let K = C; K !== Event; ) {
        const f = fills.get(K);
        f.fill(s, init);
        K = f.Base;
      }
    }
    s.trusted = true;
    return dispatch(t, ev);
  }

  const signals = new WeakMap(); // AbortSignal -> {aborted, reason}
  const abortError = () => domError('AbortError', 'signal is aborted without reason');
  function signalAbort(s, reason) {
    const i = signals.get(s);
    if (i.aborted) return;
    i.aborted = true;
    i.reason = reason === undefined ? abortError() : reason;
    fire(s, 'abort');
  }
  class AbortSignal extends EventTarget {
    constructor(key) {
      if (key !== signals) throw new TypeError("Failed to construct 'AbortSignal': Illegal constructor");
      super();
      signals.set(this, { aborted: false, reason: undefined, onabort: null });
    }
    get aborted() { return signals.get(this).aborted; }
    get reason() { return signals.get(this).reason; }
    get onabort() { return signals.get(this).onabort; }
    set onabort(f) { signals.get(this).onabort = typeof f === 'function' ? f : null; }
    throwIfAborted() { const i = signals.get(this); if (i.aborted) throw i.reason; }
    static abort(reason) { const s = new AbortSignal(signals); signalAbort(s, reason); return s; }
    static timeout(ms) {
      const s = new AbortSignal(signals);
      host.setTimeout(() => signalAbort(s, domError('TimeoutError', 'signal timed out')), ms);
      return s;
    }
    static any(list) {
      const s = new AbortSignal(signals);
      for (const o of list) {
        if (o.aborted) { signalAbort(s, o.reason); return s; }
      }
      for (const o of list) o.addEventListener('abort', () => signalAbort(s, o.reason));
      return s;
    }
  }
  class AbortController {
    constructor() { signals.set(this, new AbortSignal(signals)); }
    get signal() { return signals.get(this); }
    abort(reason) { signalAbort(signals.get(this), reason); }
  }

  // click runs element.click(): legacy-pre-activation (checkbox and radio
  // flip first and flip back if the click is cancelled), the dispatch, then
  // the activation behaviour of the nearest activatable element.
  const clicking = new Set(); // only while a click runs: no weak refs needed
  function click(el) {
    if (clicking.has(el)) return;
    if (host.disabled(el)) return;
    clicking.add(el);
    try {
      const act = activationTarget(el);
      let undo = null;
      if (act && act.localName === 'input' && (act.type === 'checkbox' || act.type === 'radio')) {
        const old = act.checked, group = act.type === 'radio' ? host.radioGroup(act) : [];
        const was = group.find((r) => r.checked);
        act.checked = act.type === 'checkbox' ? !old : true;
        undo = () => { if (was) was.checked = true; act.checked = old; };
        if (act.type === 'radio' && old) undo = null;
      }
      const ok = fire(el, 'click', { bubbles: true, cancelable: true, composed: true, view: win, detail: 1 }, PointerEvent);
      if (!ok) { if (undo) undo(); return; }
      if (!act) return;
      const tag = act.localName, type = tag === 'input' || tag === 'button' ? act.type : '';
      if (undo) {
        fire(act, 'input', { bubbles: true, composed: true });
        fire(act, 'change', { bubbles: true });
      } else if ((type === 'submit' || type === 'image') && act.form) {
        act.form.requestSubmit(act);
      } else if (type === 'reset' && act.form) {
        act.form.reset();
      } else if (tag === 'label') {
        const c = act.control;
        if (c && c !== el && !c.contains(el)) click(c);
      } else if (tag === 'summary' && act.parentNode && act.parentNode.localName === 'details') {
        const d = act.parentNode;
        d.open = !d.open;
      }
    } finally {
      clicking.delete(el);
    }
  }
  function activationTarget(el) {
    for (let n = el; n && n.nodeType === 1; n = n.parentNode) {
      const tag = n.localName;
      if (tag === 'input' || tag === 'button' || tag === 'label' || tag === 'summary' || (tag === 'a' && n.hasAttribute('href'))) return n;
    }
    return null;
  }

  // requestSubmit validates first, as browsers do (novalidate and
  // formnovalidate opt out): invalid fires at each failing control and the
  // form is not submitted.
  function requestSubmit(form, submitter) {
    if (!form.noValidate && !(submitter && submitter.formNoValidate) && !form.checkValidity()) return;
    if (fire(form, 'submit', { bubbles: true, cancelable: true, submitter: submitter || null }, SubmitEvent)) host.submitted(form);
  }

  // user runs an event a person caused in a live page (DOM.DispatchUser):
  // the control's new state (o.value, o.checked), then a trusted event of
  // the class, bubbles and cancelable a browser gives the type, then the
  // default action. For a click o.checked is the state the browser shows
  // after it, so the toggle below lands there unless a listener cancels.
  const mouseTypes = new Set(['mousedown', 'mouseup', 'mousemove', 'mouseover', 'mouseout', 'mouseenter', 'mouseleave', 'dblclick']);
  const pointerTypes = new Set(['click', 'auxclick', 'contextmenu', 'pointerdown', 'pointerup', 'pointermove', 'pointerover',
    'pointerout', 'pointerenter', 'pointerleave', 'pointercancel', 'gotpointercapture', 'lostpointercapture']);
  const keyTypes = new Set(['keydown', 'keyup', 'keypress']);
  const noBubble = new Set(['mouseenter', 'mouseleave', 'pointerenter', 'pointerleave', 'focus', 'blur', 'load', 'scroll',
    'toggle', 'invalid', 'close', 'cancel', 'gotpointercapture', 'lostpointercapture', 'scrollend']);
  const cancelable = new Set(['click', 'dblclick', 'auxclick', 'contextmenu', 'mousedown', 'mouseup', 'mousemove', 'mouseover',
    'mouseout', 'pointerdown', 'pointerup', 'pointermove', 'pointerover', 'pointerout', 'wheel', 'keydown', 'keyup', 'keypress',
    'beforeinput', 'submit', 'reset', 'invalid', 'cancel', 'copy', 'cut', 'paste', 'dragstart', 'drag', 'dragenter', 'dragover',
    'drop', 'touchstart', 'touchmove', 'touchend', 'selectstart']);
  const keyCodes = { Enter: 13, Escape: 27, Tab: 9, Backspace: 8, ' ': 32, ArrowLeft: 37, ArrowUp: 38, ArrowRight: 39,
    ArrowDown: 40, Delete: 46, Home: 36, End: 35, PageUp: 33, PageDown: 34, Shift: 16, Control: 17, Alt: 18, Meta: 91 };
  function keyInit(key) {
    let keyCode = keyCodes[key] || 0, code = key === ' ' ? 'Space' : key in keyCodes ? key : '';
    if (key.length === 1 && /[a-z]/i.test(key)) { keyCode = key.toUpperCase().charCodeAt(0); code = 'Key' + key.toUpperCase(); }
    else if (key.length === 1 && /[0-9]/.test(key)) { keyCode = key.charCodeAt(0); code = 'Digit' + key; }
    return { key, code, keyCode, which: keyCode };
  }
  const blocksImplicit = new Set(['text', 'search', 'email', 'url', 'tel', 'password', 'date', 'month', 'week', 'time',
    'datetime-local', 'number']);
  // implicitSubmit is Enter in a text field (HTML §4.10.21.2): a click at
  // the form's default button, or with none the form submits itself when
  // this is its only such field.
  function implicitSubmit(t) {
    if (t.localName !== 'input' || !blocksImplicit.has(t.type) || !t.form) return;
    const form = t.form, els = Array.from(form.elements);
    const def = els.find((e) => (e.localName === 'button' || e.localName === 'input') && e.type === 'submit');
    if (def) { if (!host.disabled(def)) click(def); return; }
    if (els.filter((e) => e.localName === 'input' && blocksImplicit.has(e.type)).length > 1) return;
    requestSubmit(form, null);
  }
  function editOf(old, now) {
    if (old === now) return { inputType: 'insertText', data: null };
    if (now.startsWith(old)) return { inputType: 'insertText', data: now.slice(old.length) };
    if (old.startsWith(now)) return { inputType: 'deleteContentBackward', data: null };
    return { inputType: 'insertReplacementText', data: null };
  }
  function user(t, type, o) {
    const tag = t.localName, toggles = tag === 'input' && (t.type === 'checkbox' || t.type === 'radio');
    let old = null;
    if (o.value !== undefined && (tag === 'textarea' || tag === 'select' || (tag === 'input' && !toggles))) {
      old = t.value;
      t.value = o.value;
    }
    switch (type) {
      case 'click':
        if (o.checked !== undefined && toggles && t.type === 'checkbox') t.checked = !o.checked;
        click(t);
        return;
      case 'submit': {
        const form = host.isForm(t) ? t : t.form || t.closest('form');
        const submitter = form && form !== t && (t.localName === 'button' || t.localName === 'input') && t.type === 'submit' ? t : null;
        if (fire(form || t, 'submit', { bubbles: true, cancelable: true, submitter }, SubmitEvent) && form) host.submitted(form);
        return;
      }
      case 'focus': case 'focusin':
        t.focus();
        return;
      case 'blur': case 'focusout':
        t.blur();
        return;
    }
    if (o.checked !== undefined && toggles) t.checked = o.checked;
    const init = { bubbles: !noBubble.has(type), cancelable: cancelable.has(type), composed: true };
    let C = Event;
    if (keyTypes.has(type)) {
      C = KeyboardEvent;
      Object.assign(init, keyInit(o.key), { view: win });
      if (type === 'keypress') init.charCode = init.keyCode;
    } else if (pointerTypes.has(type)) {
      C = PointerEvent;
      Object.assign(init, { view: win, detail: type === 'contextmenu' ? 0 : 1, isPrimary: true, pointerType: 'mouse' });
    } else if (mouseTypes.has(type)) {
      C = MouseEvent;
      Object.assign(init, { view: win, detail: type === 'dblclick' ? 2 : 0 });
    } else if (type === 'wheel') {
      C = WheelEvent;
      init.view = win;
    } else if ((type === 'input' || type === 'beforeinput') && !toggles && tag !== 'select') {
      C = InputEvent;
      Object.assign(init, { view: win }, editOf(old === null ? '' : old, old === null ? '' : String(t.value)));
    } else if (type === 'change' || type === 'input') {
      init.composed = type === 'input';
    }
    const ok = fire(t, type, init, C);
    if (ok && type === 'keydown' && o.key === 'Enter') implicitSubmit(t);
  }

  // FormData: the form's entry list at construction, then a plain list.
  const entries = new WeakMap();
  const fdList = (fd) => { const l = entries.get(fd); if (!l) throw new TypeError('Illegal invocation'); return l; };
  const fdValue = (v) => (typeof v === 'string' ? v : v != null && typeof v === 'object' && typeof v.text === 'function' && 'size' in v ? v : String(v));
  class FormData {
    constructor(form, submitter) {
      if (form !== undefined && !host.isForm(form)) throw new TypeError("Failed to construct 'FormData': parameter 1 is not of type 'HTMLFormElement'.");
      entries.set(this, form === undefined ? [] : host.formEntries(form, submitter === undefined ? null : submitter));
    }
    append(name, value) { need(arguments, 2, "execute 'append' on 'FormData'"); fdList(this).push([String(name), fdValue(value)]); }
    set(name, value) {
      need(arguments, 2, "execute 'set' on 'FormData'");
      const l = fdList(this); name = String(name);
      const i = l.findIndex((e) => e[0] === name);
      const kept = l.filter((e, j) => e[0] !== name || j === i);
      if (i < 0) kept.push([name, fdValue(value)]); else kept[kept.findIndex((e) => e[0] === name)] = [name, fdValue(value)];
      l.length = 0; l.push(...kept);
    }
    get(name) { const e = fdList(this).find((e) => e[0] === String(name)); return e ? e[1] : null; }
    getAll(name) { return fdList(this).filter((e) => e[0] === String(name)).map((e) => e[1]); }
    has(name) { return fdList(this).some((e) => e[0] === String(name)); }
    delete(name) { const l = fdList(this); const kept = l.filter((e) => e[0] !== String(name)); l.length = 0; l.push(...kept); }
    *entries() { for (const e of fdList(this).slice()) yield [e[0], e[1]]; }
    *keys() { for (const e of fdList(this).slice()) yield e[0]; }
    *values() { for (const e of fdList(this).slice()) yield e[1]; }
    forEach(cb, thisArg) { for (const [k, v] of this.entries()) cb.call(thisArg, v, k, this); }
    [Symbol.iterator]() { return this.entries(); }
    get [Symbol.toStringTag]() { return 'FormData'; }
  }

  // canvas.getContext('2d'): a server render has no paint, so drawing
  // changes nothing (as it changes nothing in the page's HTML); the context
  // keeps its state so scripts that read it back carry on.
  const contexts = new WeakMap();
  function getContext(canvas, kind) {
    if (String(kind) !== '2d') return null;
    let ctx = contexts.get(canvas);
    if (ctx) return ctx;
    host.notice('a canvas was drawn on; a server render has no paint, so it stays blank');
    const gradient = () => ({ addColorStop() {} });
    let dash = [];
    const stack = [];
    const stateKeys = ['fillStyle', 'strokeStyle', 'lineWidth', 'lineCap', 'lineJoin', 'miterLimit', 'font', 'textAlign',
      'textBaseline', 'direction', 'globalAlpha', 'globalCompositeOperation', 'shadowBlur', 'shadowColor', 'shadowOffsetX',
      'shadowOffsetY', 'lineDashOffset', 'imageSmoothingEnabled', 'filter', 'letterSpacing'];
    ctx = {
      canvas, fillStyle: '#000000', strokeStyle: '#000000', lineWidth: 1, lineCap: 'butt', lineJoin: 'miter', miterLimit: 10,
      font: '10px sans-serif', textAlign: 'start', textBaseline: 'alphabetic', direction: 'inherit', globalAlpha: 1,
      globalCompositeOperation: 'source-over', shadowBlur: 0, shadowColor: 'rgba(0, 0, 0, 0)', shadowOffsetX: 0, shadowOffsetY: 0,
      lineDashOffset: 0, imageSmoothingEnabled: true, filter: 'none', letterSpacing: '0px',
      save() { const s = {}; for (const k of stateKeys) s[k] = this[k]; stack.push(s); },
      restore() { const s = stack.pop(); if (s) Object.assign(this, s); },
      setLineDash(d) { dash = Array.from(d); }, getLineDash() { return dash.slice(); },
      measureText(t) { return { width: 0, actualBoundingBoxAscent: 0, actualBoundingBoxDescent: 0, actualBoundingBoxLeft: 0, actualBoundingBoxRight: 0, fontBoundingBoxAscent: 0, fontBoundingBoxDescent: 0 }; },
      createLinearGradient: gradient, createRadialGradient: gradient, createConicGradient: gradient,
      createPattern() { return null; },
      getImageData(x, y, w, h) { return { width: w, height: h, data: new Uint8ClampedArray(Math.max(0, w * h * 4)) }; },
      createImageData(w, h) { return { width: w, height: h, data: new Uint8ClampedArray(Math.max(0, w * h * 4)) }; },
      isPointInPath() { return false; }, isPointInStroke() { return false; },
      getTransform() { return { a: 1, b: 0, c: 0, d: 1, e: 0, f: 0 }; },
    };
    for (const k of ['fillRect', 'strokeRect', 'clearRect', 'beginPath', 'closePath', 'moveTo', 'lineTo', 'arc', 'arcTo',
      'bezierCurveTo', 'quadraticCurveTo', 'rect', 'roundRect', 'ellipse', 'fill', 'stroke', 'clip', 'translate', 'rotate',
      'scale', 'transform', 'setTransform', 'resetTransform', 'fillText', 'strokeText', 'drawImage', 'putImageData', 'reset']) {
      ctx[k] = function () {};
    }
    contexts.set(canvas, ctx);
    return ctx;
  }

  return {
    FormData, getContext,
    addEventListener, removeEventListener, dispatchEvent, EventTarget, Event, CustomEvent, UIEvent, MouseEvent,
    PointerEvent, WheelEvent, KeyboardEvent, InputEvent, FocusEvent, SubmitEvent, ProgressEvent, ErrorEvent, PageTransitionEvent,
    AbortController, AbortSignal, click, fire, requestSubmit, user,
    counts: () => Object.entries(counts).filter(([, n]) => n > 0),
  };
});
