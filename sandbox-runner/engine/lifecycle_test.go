package engine

import (
	"reflect"
	"strings"
	"testing"
)

func TestLifecycle(t *testing.T) {
	tests := []struct {
		name       string
		b          Block
		html, logs string // logs: messages joined by "|"
	}{
		{"DOMContentLoaded wrapper renders", Block{HTML: `<div id="app"></div>`,
			JavaScript: `document.addEventListener('DOMContentLoaded', () => { document.getElementById('app').textContent = 'ready' })`},
			`<div id="app">ready</div>`, ""},
		{"window load and onload", Block{HTML: `<p></p>`,
			JavaScript: `window.addEventListener('load', () => console.log('load listener')); window.onload = () => console.log('onload')`},
			`<p></p>`, "onload|load listener"},
		{"browser order", Block{HTML: `<p></p>`, JavaScript: `
			console.log('script', document.readyState);
			document.onreadystatechange = () => console.log('rsc', document.readyState);
			document.addEventListener('DOMContentLoaded', () => { console.log('DCL', document.readyState); Promise.resolve().then(() => console.log('micro after DCL')) });
			window.addEventListener('DOMContentLoaded', e => console.log('DCL at window', e.target === document));
			window.addEventListener('load', () => console.log('load', document.readyState));
			setTimeout(() => console.log('timer'), 0);
			requestAnimationFrame(ts => console.log('frame', ts.toFixed(3)));
			Promise.resolve().then(() => console.log('micro'));`},
			`<p></p>`, "script loading|micro|rsc interactive|DCL interactive|DCL at window true|micro after DCL|rsc complete|load complete|timer|frame 16.667"},
		{"inline scripts run in document order before the block's script", Block{
			HTML:       `<!DOCTYPE html><html><head><style>.a{color:red}</style><script>var order = ['head']</script></head><body><div id="x"></div><script>order.push('body')</script></body></html>`,
			JavaScript: `order.push('block'); document.getElementById('x').textContent = order.join()`},
			`<div id="x">head,body,block</div><script>order.push('body')</script>`, ""},
		{"body onload attribute", Block{HTML: `<body onload="document.body.firstElementChild.textContent = 'loaded'"><p></p></body>`},
			`<p>loaded</p>`, ""},
		{"data and json script blocks are skipped", Block{HTML: `<script type="application/json" id="d">{"a":1}</script><p></p>`,
			JavaScript: `document.querySelector('p').textContent = JSON.parse(document.getElementById('d').textContent).a`},
			`<script type="application/json" id="d">{"a":1}</script><p>1</p>`, ""},
		{"requestAnimationFrame loop on the virtual clock", Block{HTML: `<p></p>`, JavaScript: `
			let n = 0, first; function step(ts) { first ??= ts; if (++n < 60) requestAnimationFrame(step); else document.querySelector('p').textContent = n + ':' + Math.round(ts - first) }
			requestAnimationFrame(step); const id = requestAnimationFrame(() => console.log('cancelled')); cancelAnimationFrame(id)`},
			`<p>60:983</p>`, ""},
		{"named access by id", Block{HTML: `<div id="chart"></div>`, JavaScript: `chart.textContent = typeof chart + (window.chart === document.getElementById('chart'))`},
			`<div id="chart">objecttrue</div>`, ""},
		{"microtasks drain between tasks", Block{HTML: `<p></p>`, JavaScript: `
			setTimeout(() => { console.log('t1'); queueMicrotask(() => console.log('m1')) }, 0);
			setTimeout(() => console.log('t2'), 0);`},
			`<p></p>`, "t1|m1|t2"},
		{"document.write and currentScript during loading", Block{HTML: `<div id="a"></div><script>document.write('<p>' + document.currentScript.tagName + '</p>')</script><div id="b"></div>`,
			JavaScript: `document.write('<i>end</i>'); console.log(String(document.currentScript))`},
			`<div id="a"></div><script>document.write('<p>' + document.currentScript.tagName + '</p>')</script><p>SCRIPT</p><div id="b"></div><i>end</i>`, "null"},
		{"an inline script sees the document parsed up to it", Block{
			HTML:       `<!DOCTYPE html><html><head><script>var seen = [String(document.body), String(document.getElementById('x'))]</script></head><body><p id="x">x</p><script>seen.push(document.getElementById('x').id, String(document.getElementById('y'))); document.body.appendChild(document.createElement('hr'))</script><p id="y">y</p></body></html>`,
			JavaScript: `console.log(seen.join(), String(document.getElementById('y').id))`},
			`<p id="x">x</p><script>seen.push(document.getElementById('x').id, String(document.getElementById('y'))); document.body.appendChild(document.createElement('hr'))</script><hr><p id="y">y</p>`, "null,null,x,null y"},
		{"dialog close fires from a task", Block{HTML: `<dialog open>d</dialog>`,
			JavaScript: `const d = document.querySelector('dialog'); d.close('ok'); d.addEventListener('close', () => console.log('closed with', d.returnValue))`},
			`<dialog>d</dialog>`, "closed with ok"},
		{"pageshow after load", Block{HTML: `<p></p>`, JavaScript: `addEventListener('pageshow', e => console.log('pageshow', e.persisted, document.readyState)); onload = () => console.log('load')`},
			`<p></p>`, "load|pageshow false complete"},
		{"click listeners wait but element.click() dispatches", Block{HTML: `<button id="b">0</button>`,
			JavaScript: `b.addEventListener('click', () => b.textContent = +b.textContent + 1); document.addEventListener('DOMContentLoaded', () => b.click())`},
			`<button id="b">1</button>`, ""},
		{"style element at the start stays in body", Block{HTML: `<style>p{margin:0}</style><p>x</p>`},
			`<style>p{margin:0}</style><p>x</p>`, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := execute(t, tt.b, Options{})
			if r.Error != nil {
				t.Fatalf("error: %+v", r.Error)
			}
			if r.HTML != tt.html {
				t.Errorf("HTML = %q, want %q", r.HTML, tt.html)
			}
			var got []string
			for _, l := range r.Logs {
				got = append(got, l.Message)
			}
			if strings.Join(got, "|") != tt.logs {
				t.Errorf("logs = %q, want %q", strings.Join(got, "|"), tt.logs)
			}
		})
	}
}

func TestLifecycleCSSAndNotices(t *testing.T) {
	r := execute(t, Block{
		HTML:       `<!DOCTYPE html><html><head><style>.a { color: red }</style><script src="https://cdn.example/lib.js"></script></head><body><button id="b">b</button></body></html>`,
		CSS:        `.b { color: blue }`,
		JavaScript: `const s = document.createElement('style'); s.textContent = '.c{}'; document.head.appendChild(s); b.addEventListener('click', () => {}); b.addEventListener('click', () => {}, true)`,
	}, Options{})
	if r.Error != nil {
		t.Fatalf("error: %+v", r.Error)
	}
	if want := ".a { color: red }\n.c{}\n.b { color: blue }"; r.CSS != want {
		t.Errorf("CSS = %q, want %q", r.CSS, want)
	}
	want := []string{
		`<script src="https://cdn.example/lib.js"> was not loaded: a server render runs inline scripts only`,
		"2 click listeners were registered; a server render fires no user events",
	}
	if !reflect.DeepEqual(r.Notices, want) {
		t.Errorf("notices = %q, want %q", r.Notices, want)
	}
}

func TestLifecycleErrors(t *testing.T) {
	r := execute(t, Block{HTML: `<p>x</p>`, JavaScript: `
		document.addEventListener('DOMContentLoaded', () => { throw new TypeError('in listener') });
		document.addEventListener('DOMContentLoaded', () => { document.querySelector('p').textContent = 'second ran' });
		window.addEventListener('load', () => { document.querySelector('p').textContent += ', load ran' })`}, Options{})
	// As in a browser the exception is reported (the console shows it) and
	// the page carries on: the next listener and the load event still run.
	if r.Error != nil {
		t.Fatalf("error = %+v, want none", r.Error)
	}
	if want := logs("error:Uncaught TypeError: in listener"); !reflect.DeepEqual(r.Logs, want) {
		t.Errorf("logs = %q, want %q", r.Logs, want)
	}
	if r.HTML != `<p>second ran, load ran</p>` {
		t.Errorf("HTML = %q", r.HTML)
	}
}
