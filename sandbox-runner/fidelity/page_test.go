package fidelity

import (
	"regexp"
)

// harnessAttr marks the harness's own script elements, which remove
// themselves as they start; the final read removes any left (a script with a
// syntax error never runs).
const harnessAttr = "data-fidelity-harness"

var (
	wholePage = regexp.MustCompile(`(?is)^\s*(<!--.*?-->\s*)*(<!doctype|<html)`)
	headClose = regexp.MustCompile(`(?i)</head\s*>`)
	bodyOpen  = regexp.MustCompile(`(?i)<body[\s>]`)
	bodyClose = regexp.MustCompile(`(?i)</body\s*>`)
	htmlClose = regexp.MustCompile(`(?i)</html\s*>`)
	useStrict = regexp.MustCompile(`^\s*(//[^\n]*\n\s*)*(['"])use strict['"];?`)
)

// isWholePage reports whether the block's html is a pasted document.
func isWholePage(html string) bool { return wholePage.MatchString(html) }

// prelude runs before any script of the page (Page.addScriptToEvaluateOnNewDocument,
// so it is no element): it empties the storage the previous block of the tab
// left, defines DATA, as Symposium does before the block's first script, and
// keeps account of the timers and animation frames pending (wrapping the
// native functions, which still do the work), so the harness knows how far to
// run virtual time and when the page has settled. It changes nothing else a
// block can see.
func prelude(b block) string {
	data := "null"
	if len(b.Data) > 0 {
		data = string(b.Data)
	}
	return `if (window === window.top) { localStorage.clear(); sessionStorage.clear(); }
var DATA = ` + data + `;
(() => {
  if (window !== window.top) return;
  const raf = window.requestAnimationFrame.bind(window), caf = window.cancelAnimationFrame.bind(window);
  const st = window.setTimeout, ct = window.clearTimeout, si = window.setInterval, ci = window.clearInterval;
  const frames = new Set(), due = new Map();
  let ran = 0;
  window.requestAnimationFrame = function requestAnimationFrame(cb) {
    const id = raf(ts => { frames.delete(id); ran++; cb(ts); });
    frames.add(id);
    return id;
  };
  window.cancelAnimationFrame = function cancelAnimationFrame(id) { frames.delete(id); caf(id); };
  window.setTimeout = function setTimeout(fn, ms, ...args) {
    if (typeof fn !== 'function') return st(fn, ms, ...args);
    const id = st(function () { due.delete(id); return fn.apply(this, arguments); }, ms, ...args);
    due.set(id, performance.now() + Math.max(0, +ms || 0));
    return id;
  };
  window.setInterval = function setInterval(fn, ms, ...args) {
    if (typeof fn !== 'function') return si(fn, ms, ...args);
    const d = Math.max(0, +ms || 0);
    const id = si(function () { due.set(id, performance.now() + d); return fn.apply(this, arguments); }, ms, ...args);
    due.set(id, performance.now() + d);
    return id;
  };
  window.clearTimeout = function clearTimeout(id) { due.delete(id); ct(id); };
  window.clearInterval = function clearInterval(id) { due.delete(id); ci(id); };
  Object.defineProperty(window, '__fidelityState', { value: () => {
    let next = -1;
    const now = performance.now();
    for (const t of due.values()) next = next < 0 ? Math.max(0, t - now) : Math.min(next, Math.max(0, t - now));
    return { ready: document.readyState, frames: frames.size, ran, next };
  } });
})();`
}

// pageFor builds the document Chromium loads for b. See doc.go.
func pageFor(b block) string {
	remove := "document.currentScript.remove();"
	js := b.JS
	if m := useStrict.FindStringIndex(js); m != nil { // keep the directive a directive
		js = js[:m[1]] + remove + js[m[1]:]
	} else {
		js = remove + js
	}
	scripts := `<script ` + harnessAttr + `>` + js + `</script>`
	style := `<style>` + b.CSS + `</style>`
	if !isWholePage(b.HTML) {
		return `<!DOCTYPE html><html><head><meta charset="utf-8">` + style + `</head><body>` + b.HTML + scripts + `</body></html>`
	}
	h := b.HTML
	switch {
	case headClose.MatchString(h):
		i := headClose.FindStringIndex(h)[0]
		h = h[:i] + style + h[i:]
	case bodyOpen.MatchString(h):
		i := bodyOpen.FindStringIndex(h)[0]
		h = h[:i] + style + h[i:]
	}
	if locs := bodyClose.FindAllStringIndex(h, -1); len(locs) > 0 {
		i := locs[len(locs)-1][0]
		return h[:i] + scripts + h[i:]
	}
	if locs := htmlClose.FindAllStringIndex(h, -1); len(locs) > 0 {
		i := locs[len(locs)-1][0]
		return h[:i] + scripts + h[i:]
	}
	return h + scripts
}
