package dom

import (
	"strings"
	"testing"

	"github.com/dop251/goja"
)

// runWin is run with a window: the global object carries the event and
// window globals, as the engine installs them.
func runWin(t *testing.T, src, js string) (string, string, []string) {
	t.Helper()
	rt := goja.New()
	d, err := New(rt, src)
	if err != nil {
		t.Fatal(err)
	}
	h := &testHost{}
	d.SetHooks(Hooks{
		Window: rt.GlobalObject(),
		Host:   h,
		CSS:    ".card { color: #333; padding: 4px 8px } #main .card { font-weight: 700 } :root { --accent: #7c3aed }",
	})
	_ = rt.Set("document", d.Document())
	_ = rt.Set("window", rt.GlobalObject())
	for _, name := range append(EventGlobals, WindowGlobals()...) {
		name := name
		_ = rt.GlobalObject().DefineAccessorProperty(name, rt.ToValue(func() goja.Value {
			if strings.HasPrefix(name, "Event") || strings.HasSuffix(name, "Event") || strings.HasPrefix(name, "Abort") ||
				strings.HasSuffix(name, "EventListener") || name == "dispatchEvent" || name == "EventTarget" {
				return d.EventGlobal(name)
			}
			return d.WindowGlobal(name)
		}), nil, goja.FLAG_TRUE, goja.FLAG_TRUE)
	}
	v, err := rt.RunString(js)
	if err != nil {
		t.Fatalf("script failed: %v", err)
	}
	if len(h.thrown) > 0 {
		t.Fatalf("listener threw: %v", h.thrown)
	}
	body, err := d.BodyHTML(0)
	if err != nil {
		t.Fatal(err)
	}
	return v.String(), body, h.notices
}

// testHost records what the DOM reports; URLs resolve against https://x.test/.
type testHost struct{ notices, thrown []string }

func (h *testHost) Now() float64                      { return 0 }
func (h *testHost) SetTimeout(goja.Callable, float64) {}
func (h *testHost) Report(v goja.Value)               { h.thrown = append(h.thrown, v.String()) }
func (h *testHost) Notice(m string)                   { h.notices = append(h.notices, m) }
func (h *testHost) ResolveURL(ref string) string {
	if strings.Contains(ref, "://") {
		return ref
	}
	return "https://x.test/" + strings.TrimPrefix(ref, "/")
}

func TestWebFidelity(t *testing.T) {
	tests := []struct {
		name, html, js string
		want, body     string
	}{
		// serialisation
		{"void elements and escaping", `<p title='a<b>"c"&amp;'>x"y'&lt;&nbsp;</p><br/><img src=a.png>`, `document.body.innerHTML`,
			`<p title="a&lt;b&gt;&quot;c&quot;&amp;">x"y'&lt;&nbsp;</p><br><img src="a.png">`, `<p title="a&lt;b&gt;&quot;c&quot;&amp;">x"y'&lt;&nbsp;</p><br><img src="a.png">`},
		{"pre keeps no added newline", "<pre>\ny</pre><textarea>\nx</textarea>", `document.body.innerHTML`, "<pre>y</pre><textarea>x</textarea>", "<pre>y</pre><textarea>x</textarea>"},
		{"parsed svg keeps camelCase", `<svg viewbox="0 0 1 1"><lineargradient id="g"></lineargradient><circle r="1"/><a xlink:href="#x"></a></svg>`, `document.querySelector('svg').getAttribute('viewBox')`,
			"0 0 1 1", `<svg viewBox="0 0 1 1"><linearGradient id="g"></linearGradient><circle r="1"></circle><a xlink:href="#x"></a></svg>`},
		{"createElementNS svg", ``, `const NS = 'http://www.w3.org/2000/svg'; const s = document.createElementNS(NS, 'svg'); s.setAttribute('viewBox', '0 0 10 10'); const g = document.createElementNS(NS, 'linearGradient'); s.appendChild(g); s.appendChild(document.createElementNS(NS, 'rect')); document.body.appendChild(s); [s.tagName, g.tagName, s.namespaceURI, s instanceof SVGElement, s instanceof HTMLElement].join()`,
			"svg,linearGradient,http://www.w3.org/2000/svg,true,false", `<svg viewBox="0 0 10 10"><linearGradient></linearGradient><rect></rect></svg>`},
		{"template content", `<template id="t"><li class="i">x</li></template><ul></ul>`, `const t = document.getElementById('t'); const c = t.content.cloneNode(true); c.querySelector('.i').textContent = 'y'; document.querySelector('ul').appendChild(c); [t.childNodes.length, t.content.nodeType, document.querySelectorAll('.i').length, t.innerHTML].join()`,
			`0,11,1,<li class="i">x</li>`, `<template id="t"><li class="i">x</li></template><ul><li class="i">y</li></ul>`},
		{"template innerHTML fills content", `<template></template>`, `const t = document.querySelector('template'); t.innerHTML = '<b>1</b>'; t.content.firstChild.tagName + t.childNodes.length`, "B0", `<template><b>1</b></template>`},
		{"formatting elements keep attribute order", `<a href="x" class="c" aria-current="page">a</a><b title="t" class="k">b</b>`,
			`document.body.insertAdjacentHTML('beforeend', '<a href="?p=7" aria-current="page">7</a>'); document.querySelector('a').outerHTML`,
			`<a href="x" class="c" aria-current="page">a</a>`, `<a href="x" class="c" aria-current="page">a</a><b title="t" class="k">b</b><a href="?p=7" aria-current="page">7</a>`},
		{"foreign elements match type selectors", `<div id="c"></div>`,
			`c = document.getElementById('c'); c.innerHTML = '<svg><foreignObject width="1"><div xmlns="http://www.w3.org/1999/xhtml">x</div></foreignObject><clipPath id="p"></clipPath></svg>'; const fo = document.querySelector('foreignObject'); [fo.tagName, fo.localName, fo.firstElementChild.tagName, fo.firstElementChild.namespaceURI, document.getElementsByTagName('clipPath').length].join()`,
			"foreignObject,foreignObject,DIV,http://www.w3.org/1999/xhtml,1", `<div id="c"><svg><foreignObject width="1"><div xmlns="http://www.w3.org/1999/xhtml">x</div></foreignObject><clipPath id="p"></clipPath></svg></div>`},
		{"innerText line breaks", `<p></p>`, `document.querySelector('p').innerText = 'a\nb'; document.querySelector('p').childNodes.length`, "3", `<p>a<br>b</p>`},
		{"CSSOM-made style attribute comes after later attributes", `<div class="tip"></div>`,
			`const d = document.querySelector('div'); d.style.left = '5px'; d.dataset.w = 'z'; d.id = 'q'; ''`, "", `<div class="tip" data-w="z" id="q" style="left: 5px;"></div>`},
		{"collections as Chromium types them", `<ul><li>a</li></ul>`,
			`const ul = document.querySelector('ul'); [typeof ul.children.forEach, typeof ul.childNodes.forEach, Object.prototype.toString.call(ul.childNodes), Object.prototype.toString.call(ul.children), [...ul.children].length].join()`,
			"undefined,function,[object NodeList],[object HTMLCollection],1", `<ul><li>a</li></ul>`},
		{"invalid style values are ignored", `<p></p>`,
			`const s = document.querySelector('p').style; s.width = '50'; s.color = 'blu'; s.height = 'abc'; s.margin = '0 auto'; s.setProperty('color', 'red', 'important'); s.getPropertyPriority('color') + '|' + s.cssText`,
			"important|margin: 0px auto; color: red !important;", `<p style="margin: 0px auto; color: red !important;"></p>`},
		{"other elements' properties are expandos", `<div></div>`,
			`const d = document.querySelector('div'); d.value = 5; d.type = 't'; d.width = 3; d.open = true; [d.value, d.type, d.width, d.open, d.href].join()`,
			"5,t,3,true,", `<div></div>`},
		{"a URL parts", `<a href="https://ex.com:8080/p/q?x=1#frag">l</a>`, `const a = document.querySelector('a'); [a.protocol, a.host, a.hostname, a.port, a.pathname, a.search, a.hash, a.origin].join('|')`,
			"https:|ex.com:8080|ex.com|8080|/p/q|?x=1|#frag|https://ex.com:8080", `<a href="https://ex.com:8080/p/q?x=1#frag">l</a>`},
		{"canvas 2d context draws nothing", `<canvas width="100" height="50"></canvas>`,
			`const cv = document.querySelector('canvas'); const ctx = cv.getContext('2d'); ctx.fillStyle = 'red'; ctx.save(); ctx.fillStyle = 'blue'; ctx.restore(); ctx.fillRect(0, 0, 10, 10); ctx.beginPath(); ctx.arc(1, 1, 1, 0, 7); ctx.fill();
			 [ctx.fillStyle, ctx.canvas === cv, cv.getContext('2d') === ctx, cv.getContext('webgl'), cv.width, cv.height, ctx.measureText('abc').width].join()`,
			"red,true,true,,100,50,0", `<canvas width="100" height="50"></canvas>`},
		{"focus moves with events", `<input id="i"><button id="b">b</button>`,
			`const log = []; const i = document.getElementById('i'); i.addEventListener('focus', () => log.push('focus')); i.addEventListener('focusin', () => log.push('focusin')); i.addEventListener('blur', e => log.push('blur:' + e.relatedTarget.id));
			 i.focus(); log.push(document.activeElement.id, document.hasFocus()); document.getElementById('b').focus(); log.push(document.activeElement.id); log.join(' ')`,
			"focus focusin i true blur:b b", `<input id="i"><button id="b">b</button>`},
		{"dialog show close returnValue", `<dialog><p>x</p></dialog>`,
			`const d = document.querySelector('dialog'); d.show(); const o = d.open; const rv0 = d.returnValue; d.close('ok'); [o, JSON.stringify(rv0), d.returnValue, d.open].join()`,
			`true,"",ok,false`, `<dialog><p>x</p></dialog>`},
		// events
		{"capture target bubble order", `<div id="o"><p id="i">x</p></div>`,
			`const log = []; const o = document.getElementById('o'), i = document.getElementById('i');
			 o.addEventListener('x', e => log.push('oc' + e.eventPhase), true); o.addEventListener('x', e => log.push('ob' + e.eventPhase));
			 i.addEventListener('x', e => log.push('i' + e.eventPhase)); document.addEventListener('x', () => log.push('doc')); window.addEventListener('x', e => log.push('win:' + (e.target === i) + (e.currentTarget === window)));
			 const r = i.dispatchEvent(new Event('x', {bubbles: true})); log.join(' ') + ' ' + r`,
			"oc1 i2 ob3 doc win:truetrue true", `<div id="o"><p id="i">x</p></div>`},
		{"stopPropagation and stopImmediatePropagation", `<div><p>x</p></div>`,
			`const log = []; const p = document.querySelector('p'); p.addEventListener('x', e => { log.push(1); e.stopImmediatePropagation() }); p.addEventListener('x', () => log.push(2)); document.querySelector('div').addEventListener('x', () => log.push(3));
			 p.dispatchEvent(new Event('x', {bubbles: true})); log.join()`, "1", `<div><p>x</p></div>`},
		{"once passive signal", `<p></p>`,
			`const p = document.querySelector('p'); let n = 0, m = 0, k = 0; p.addEventListener('x', () => n++, {once: true}); const ac = new AbortController(); p.addEventListener('x', () => m++, {signal: ac.signal});
			 p.addEventListener('x', e => { e.preventDefault(); k = e.defaultPrevented }, {passive: true});
			 p.dispatchEvent(new Event('x', {cancelable: true})); ac.abort(); p.dispatchEvent(new Event('x')); [n, m, k, ac.signal.aborted, ac.signal.reason.name].join()`,
			"1,1,false,true,AbortError", `<p></p>`},
		{"preventDefault and CustomEvent detail", `<p></p>`,
			`const p = document.querySelector('p'); let d; p.addEventListener('save', e => { d = e.detail.id; e.preventDefault() }); const r = p.dispatchEvent(new CustomEvent('save', {detail: {id: 7}, cancelable: true})); d + ',' + r + ',' + (new CustomEvent('a') instanceof Event)`,
			"7,false,true", `<p></p>`},
		{"event subclasses", ``, `const k = new KeyboardEvent('keydown', {key: 'Enter', ctrlKey: true}); const m = new MouseEvent('click', {clientX: 3}); [k.key, k.ctrlKey, k.shiftKey, m.clientX, m.button, m instanceof UIEvent, k.type, new InputEvent('input', {data: 'a'}).data].join()`,
			"Enter,true,false,3,0,true,keydown,a", ``},
		{"click toggles checkbox and fires change", `<input type="checkbox" id="c">`,
			`const c = document.getElementById('c'); const log = []; c.addEventListener('click', () => log.push('click:' + c.checked)); c.addEventListener('change', () => log.push('change')); c.click(); log.join() + ',' + c.checked + ',' + c.hasAttribute('checked')`,
			"click:true,change,true,false", `<input type="checkbox" id="c">`},
		{"click cancelled reverts checkbox", `<input type="checkbox">`,
			`const c = document.querySelector('input'); c.onclick = e => e.preventDefault(); c.click(); c.checked`, "false", `<input type="checkbox">`},
		{"onclick attribute and property", `<button onclick="this.textContent = 'hit:' + event.type">b</button>`,
			`const b = document.querySelector('button'); b.click(); const t = typeof b.onclick; b.onclick = null; t`, "function", `<button onclick="this.textContent = 'hit:' + event.type">hit:click</button>`},
		{"submit button fires submit", `<form><input name="q" value="v"><button>go</button></form>`,
			`let got; document.querySelector('form').addEventListener('submit', e => { e.preventDefault(); got = new FormData(e.target).get('q') + (e.submitter === document.querySelector('button')) }); document.querySelector('button').click(); got`,
			"vtrue", `<form><input name="q" value="v"><button>go</button></form>`},
		{"label click forwards to control", `<label for="r">x</label><input type="radio" id="r" name="g"><input type="radio" id="s" name="g" checked>`,
			`document.querySelector('label').click(); [document.getElementById('r').checked, document.getElementById('s').checked].join()`, "true,false", `<label for="r">x</label><input type="radio" id="r" name="g"><input type="radio" id="s" name="g" checked="">`},
		// forms
		{"value does not touch attribute", `<input value="a">`,
			`const i = document.querySelector('input'); i.value = 'b'; const v = i.value + i.defaultValue + i.getAttribute('value'); i.defaultValue = 'c'; v + i.value`, "baab", `<input value="c">`},
		{"checked property vs defaultChecked", `<input type="checkbox" checked>`,
			`const i = document.querySelector('input'); i.checked = false; const v = [i.checked, i.defaultChecked].join(); i.defaultChecked = false; v`, "false,true", `<input type="checkbox">`},
		{"select options selectedIndex value", `<select><option>a</option><option value="2" selected>b</option><option>c</option></select>`,
			`const s = document.querySelector('select'); const v = [s.value, s.selectedIndex, s.options.length, s.options[0].text]; s.value = 'c'; v.concat([s.selectedIndex, s.options[1].selected, s.options[2].selected]).join()`,
			"2,1,3,a,2,false,true", `<select><option>a</option><option value="2" selected="">b</option><option>c</option></select>`},
		{"select add Option", `<select></select>`, `const s = document.querySelector('select'); s.add(new Option('One', '1')); s.add(new Option('Two', '2', false, true)); s.value + s.length`,
			"22", `<select><option value="1">One</option><option value="2">Two</option></select>`},
		{"textarea value", `<textarea>t</textarea>`, `const t = document.querySelector('textarea'); t.value = 'u'; t.value + t.defaultValue`, "ut", `<textarea>t</textarea>`},
		{"form elements and named controls", `<form id="f"><input name="bill" value="9"><select name="s"><option>o</option></select><input type="checkbox" name="c" value="yes" checked></form><input form="f" name="ext" value="e">`,
			`const f = document.forms[0]; [f.elements.length, f.bill.value, f.elements.s.value, f.elements['ext'].value, [...new FormData(f)].map(e => e.join('=')).join('&')].join()`,
			"4,9,o,e,bill=9&s=o&c=yes&ext=e", `<form id="f"><input name="bill" value="9"><select name="s"><option>o</option></select><input type="checkbox" name="c" value="yes" checked=""></form><input form="f" name="ext" value="e">`},
		// reflection
		{"reflected attributes", `<img src="/a.png" width="40"><a href="x">l</a><input><button>b</button><div tabindex="2"></div>`,
			`const img = document.querySelector('img'), a = document.querySelector('a'), i = document.querySelector('input');
			 img.alt = 'A'; img.height = 20; i.type = 'EMAIL'; i.required = true; i.placeholder = 'p'; a.target = '_blank';
			 [img.src, img.width, img.height, img.loading, a.href, i.type, document.querySelector('button').type, document.querySelector('div').tabIndex, i.tabIndex, a.tabIndex, img.tabIndex, i.maxLength].join()`,
			"https://x.test/a.png,40,20,auto,https://x.test/x,email,submit,2,0,0,-1,-1", `<img src="/a.png" width="40" alt="A" height="20"><a href="x" target="_blank">l</a><input type="EMAIL" required="" placeholder="p"><button>b</button><div tabindex="2"></div>`},
		{"hidden htmlFor dataset", `<label></label>`, `const l = document.querySelector('label'); l.htmlFor = 'x'; l.hidden = true; l.dir = 'rtl'; l.lang = 'fr'; l.title = 't'; l.hidden + l.dir`, "truertl", `<label for="x" hidden="" dir="rtl" lang="fr" title="t"></label>`},
		// tables
		{"table APIs", `<table id="t"></table>`,
			`const t = document.getElementById('t'); const h = t.createTHead().insertRow(); h.insertCell().textContent = 'H'; for (let i = 0; i < 2; i++) { const r = t.insertRow(); r.insertCell().textContent = i; r.insertCell(0).textContent = 'c' + i; }
			 t.deleteRow(1); [t.rows.length, t.tBodies.length, t.rows[1].cells.length, t.rows[1].rowIndex, t.rows[1].cells[1].cellIndex].join()`,
			"2,0,2,1,1", `<table id="t"><thead><tr><td>H</td></tr><tr><td>c1</td><td>1</td></tr></thead></table>`},
		{"table insertRow creates tbody", `<table></table>`, `const t = document.querySelector('table'); t.insertRow().insertCell().textContent = 'a'; t.insertRow(0).insertCell().textContent = 'b'; t.rows.length`, "2",
			`<table><tbody><tr><td>b</td></tr><tr><td>a</td></tr></tbody></table>`},
		// live collections
		{"getElementsByClassName is live", `<p class="a"></p>`,
			`const l = document.getElementsByClassName('a'); const n0 = l.length; document.body.insertAdjacentHTML('beforeend', '<i class="a"></i>'); document.querySelector('p').className = 'b'; [n0, l.length, l[0].tagName, l.item(0).tagName, [...l].length].join()`,
			"1,1,I,I,1", `<p class="b"></p><i class="a"></i>`},
		// CSSOM
		{"style colours and numbers", `<div></div>`,
			`const s = document.querySelector('div').style; s.color = '#7c3aed'; s.width = '36.0px'; s.opacity = '.5'; s.margin = '0 0 0 0'; s.padding = '0'; s.border = '1px solid #FFF'; s.background = 'rgba(0,0,0,.5)'; s.height = '50'; s.transform = 'translate(10px,20px)'; s.fontFamily = "'Inter', 'Helvetica Neue', sans-serif"; s.setProperty('--gap', ' 4px'); s.cssText`,
			`color: rgb(124, 58, 237); width: 36px; opacity: 0.5; margin: 0px; padding: 0px; border: 1px solid rgb(255, 255, 255); background: rgba(0, 0, 0, 0.5); transform: translate(10px, 20px); font-family: Inter, "Helvetica Neue", sans-serif; --gap: 4px;`,
			`<div style="color: rgb(124, 58, 237); width: 36px; opacity: 0.5; margin: 0px; padding: 0px; border: 1px solid rgb(255, 255, 255); background: rgba(0, 0, 0, 0.5); transform: translate(10px, 20px); font-family: Inter, &quot;Helvetica Neue&quot;, sans-serif; --gap: 4px;"></div>`},
		{"style hsl and short hex alpha", `<p></p>`, `const s = document.querySelector('p').style; s.color = 'hsl(0, 100%, 50%)'; s.backgroundColor = '#0008'; s.color + '|' + s.backgroundColor`,
			"rgb(255, 0, 0)|rgba(0, 0, 0, 0.533)", `<p style="color: rgb(255, 0, 0); background-color: rgba(0, 0, 0, 0.533);"></p>`},
		{"getComputedStyle cascade", `<div id="main"><div class="card" style="color: red"><span>x</span></div></div>`,
			`const c = document.querySelector('.card'); const cs = getComputedStyle(c); [cs.color, cs.fontWeight, cs.paddingLeft, cs.getPropertyValue('padding-top'), getComputedStyle(c.firstChild).color, cs.display, getComputedStyle(document.documentElement).getPropertyValue('--accent').trim()].join('|')`,
			"rgb(255, 0, 0)|700|8px|4px|rgb(255, 0, 0)|block|#7c3aed", `<div id="main"><div class="card" style="color: red"><span>x</span></div></div>`},
		// tree
		{"tree methods", `<div id="a"><p id="b"></p></div><i id="c"></i>`,
			`const a = document.getElementById('a'), b = document.getElementById('b'), c = document.getElementById('c');
			 [a.compareDocumentPosition(b), b.compareDocumentPosition(a), a.compareDocumentPosition(c), c.compareDocumentPosition(a), b.getRootNode() === document, document.createElement('x').isConnected, b.isConnected, a.getBoundingClientRect().width, a.offsetWidth].join()`,
			"20,10,4,2,true,false,true,0,0", `<div id="a"><p id="b"></p></div><i id="c"></i>`},
		{"createRange createContextualFragment", `<ul></ul>`, `document.querySelector('ul').append(document.createRange().createContextualFragment('<li>1</li><li>2</li>')); document.querySelector('ul').children.length`, "2", `<ul><li>1</li><li>2</li></ul>`},
		{"DOMParser", ``, `const doc = new DOMParser().parseFromString('<p class="z">hi</p>', 'text/html'); doc.querySelector('.z').textContent + (doc === document)`, "hifalse", ``},
		{"document collections", `<form></form><img><a href="#">x</a><a>y</a>`, `[document.forms.length, document.images.length, document.links.length, document.readyState].join()`, "1,1,1,complete", `<form></form><img><a href="#">x</a><a>y</a>`},
		{"details summary toggles", `<details><summary>s</summary>b</details>`, `document.querySelector('summary').click(); document.querySelector('details').open`, "true", `<details open=""><summary>s</summary>b</details>`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, body, _ := runWin(t, tt.html, tt.js)
			if got != tt.want {
				t.Errorf("value = %q, want %q", got, tt.want)
			}
			if body != tt.body {
				t.Errorf("body = %q, want %q", body, tt.body)
			}
		})
	}
}

func TestListenerNotices(t *testing.T) {
	rt := goja.New()
	d, err := New(rt, `<button>a</button><button onclick="x()">b</button>`)
	if err != nil {
		t.Fatal(err)
	}
	d.SetHooks(Hooks{Window: rt.GlobalObject()})
	_ = rt.Set("document", d.Document())
	if _, err := rt.RunString(`document.querySelectorAll('button').forEach(b => b.addEventListener('click', () => {})); document.querySelector('button').oninput = () => {}; document.addEventListener('DOMContentLoaded', () => {})`); err != nil {
		t.Fatal(err)
	}
	got := strings.Join(d.ListenerNotices(), "\n")
	want := "2 click listeners were registered; a server render fires no user events\n1 input listener was registered; a server render fires no user events"
	if got != want {
		t.Errorf("notices = %q, want %q", got, want)
	}
}
