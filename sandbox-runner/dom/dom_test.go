package dom

import (
	"errors"
	"strings"
	"testing"

	"github.com/dop251/goja"
)

// run executes js against a DOM parsed from src and returns the script's
// completion value (as a string) and the resulting body.innerHTML.
func run(t *testing.T, src, js string) (string, string) {
	t.Helper()
	rt := goja.New()
	d, err := New(rt, src)
	if err != nil {
		t.Fatal(err)
	}
	if err := rt.Set("document", d.Document()); err != nil {
		t.Fatal(err)
	}
	v, err := rt.RunString(js)
	if err != nil {
		t.Fatalf("script failed: %v", err)
	}
	body, err := d.BodyHTML(0)
	if err != nil {
		t.Fatal(err)
	}
	return v.String(), body
}

func TestDOM(t *testing.T) {
	tests := []struct {
		name, html, js string
		want, body     string
	}{
		{"getElementById", `<p id="a">x</p>`, `document.getElementById('a').textContent`, "x", `<p id="a">x</p>`},
		{"getElementById missing", ``, `String(document.getElementById('nope'))`, "null", ``},
		{"identity", `<p id="a"></p>`, `document.getElementById('a') === document.querySelector('#a') && document.body.firstChild === document.getElementById('a')`, "true", `<p id="a"></p>`},
		{"querySelector", `<ul><li>a</li><li class="b">b</li></ul>`, `document.querySelector('li.b').textContent`, "b", `<ul><li>a</li><li class="b">b</li></ul>`},
		{"querySelectorAll length index forEach item", `<i>1</i><i>2</i><i>3</i>`,
			`const l = document.querySelectorAll('i'); let s = ''; l.forEach((e, i) => s += i + e.textContent); s + l.length + l[1].textContent + l.item(2).textContent + l.item(9)`,
			"011223323null", `<i>1</i><i>2</i><i>3</i>`},
		{"querySelectorAll is static", `<i></i>`, `const l = document.querySelectorAll('i'); document.body.append(document.createElement('i')); l.length`, "1", `<i></i><i></i>`},
		{"invalid selector throws SyntaxError", ``, `try { document.querySelector('!!') } catch (e) { e.name }`, "SyntaxError", ``},
		{"element querySelector scoped", `<div id="a"><b>in</b></div><b>out</b>`, `document.getElementById('a').querySelectorAll('b').length`, "1", `<div id="a"><b>in</b></div><b>out</b>`},
		{"createElement and appendChild", ``, `const d = document.createElement('DIV'); d.id = 'n'; document.body.appendChild(d) === d && d.tagName + d.nodeName`, "DIVDIV", `<div id="n"></div>`},
		{"createTextNode escapes", ``, `document.body.appendChild(document.createTextNode('<b>&')).nodeType`, "3", `&lt;b&gt;&amp;`},
		{"fragment appends its children", ``, `const f = document.createDocumentFragment(); f.appendChild(document.createElement('a')); f.append('t', document.createElement('b')); document.body.appendChild(f); f.childNodes.length + ':' + f.nodeType`, "0:11", `<a></a>t<b></b>`},
		{"body head documentElement", `<title>T</title><p>x</p>`, `document.body.tagName + document.head.tagName + document.documentElement.tagName`, "BODYHEADHTML", `<title>T</title><p>x</p>`},
		{"title get", `<title>  Hello   World </title>`, `document.title`, "Hello World", `<title>  Hello   World </title>`},
		{"title set creates", ``, `document.title = 'New'; document.head.innerHTML`, "<title>New</title>", ``},
		{"full document", `<!DOCTYPE html><html><head><title>D</title></head><body><main>m</main></body></html>`, `document.title + document.body.children.length`, "D1", `<main>m</main>`},
		{"id className", `<p></p>`, `const p = document.querySelector('p'); p.id = 'i'; p.className = 'a b'; p.id + '|' + p.className`, "i|a b", `<p id="i" class="a b"></p>`},
		{"classList", `<p class="a b"></p>`,
			`const c = document.querySelector('p').classList; c.add('c', 'a'); c.remove('b'); const t1 = c.toggle('d'); const t2 = c.toggle('a'); c.toggle('e', false); [c.contains('c'), c.contains('b'), c.length, c.item(0), c.item(5), c[1], t1, t2].join()`,
			"true,false,2,c,,d,true,false", `<p class="c d"></p>`},
		{"attributes", `<p></p>`,
			`const p = document.querySelector('p'); p.setAttribute('Title', 't'); p.setAttribute('data-x', 1); p.removeAttribute('data-x'); [p.getAttribute('title'), p.hasAttribute('title'), p.hasAttribute('data-x'), p.getAttribute('none')].join()`,
			"t,true,false,", `<p title="t"></p>`},
		{"toggleAttribute", `<input>`, `const i = document.querySelector('input'); i.toggleAttribute('disabled') + ',' + i.disabled`, "true,true", `<input disabled="">`},
		{"dataset", `<p data-user-id="7"></p>`,
			`const p = document.querySelector('p'); p.dataset.fooBar = 'x'; const had = p.dataset.userId; delete p.dataset.userId; had + Object.keys(p.dataset).join()`,
			"7fooBar", `<p data-foo-bar="x"></p>`},
		{"style writes", `<p style="margin: 0"></p>`,
			`const s = document.querySelector('p').style; s.color = 'red'; s.backgroundColor = 'blue'; s.margin = ''; s.color + '|' + s.cssText + '|' + s.fontSize + '|' + s.length`,
			"red|color: red; background-color: blue;||2", `<p style="color: red; background-color: blue;"></p>`},
		{"style cssText and setProperty", `<p></p>`,
			`const s = document.querySelector('p').style; s.cssText = 'width:1px;height:2px'; s.setProperty('--gap', '3px'); s.removeProperty('width'); s.getPropertyValue('height')`,
			"2px", `<p style="height: 2px; --gap: 3px;"></p>`},
		{"textContent get/set", `<div><b>a</b>b<!--c--></div>`,
			`const d = document.querySelector('div'); const before = d.textContent; d.textContent = '<x>'; before + d.childNodes.length`,
			"ab1", `<div>&lt;x&gt;</div>`},
		{"innerText alias", `<p>a<b>b</b></p>`, `const p = document.querySelector('p'); const t = p.innerText; p.innerText = 'z'; t`, "ab", `<p>z</p>`},
		{"innerHTML get/set parses fragments", `<div></div>`,
			`const d = document.querySelector('div'); d.innerHTML = '<span class="s">x</span><em>y</em>'; d.querySelector('.s').textContent + d.children.length + d.innerHTML`,
			`x2<span class="s">x</span><em>y</em>`, `<div><span class="s">x</span><em>y</em></div>`},
		{"innerHTML table context", `<table><tbody id="tb"></tbody></table>`,
			`document.getElementById('tb').innerHTML = '<tr><td>1</td></tr>'; document.querySelectorAll('td').length`, "1",
			`<table><tbody id="tb"><tr><td>1</td></tr></tbody></table>`},
		{"outerHTML get/set", `<div><p id="p">x</p></div>`,
			`const p = document.getElementById('p'); const o = p.outerHTML; p.outerHTML = '<h2>a</h2><h3>b</h3>'; o + String(p.parentNode)`,
			`<p id="p">x</p>null`, `<div><h2>a</h2><h3>b</h3></div>`},
		{"value", `<input value="a"><textarea>t</textarea>`,
			`const i = document.querySelector('input'), t = document.querySelector('textarea'); const v = i.value + t.value; i.value = 'b'; t.value = 'u'; v`,
			"at", `<input value="a"><textarea>t</textarea>`},
		{"append prepend strings", `<p>m</p>`, `const p = document.querySelector('p'); p.append('z', document.createElement('i')); p.prepend('a'); p.childNodes.length`, "4", `<p>amz<i></i></p>`},
		{"insertBefore", `<ul><li id="b">b</li></ul>`,
			`const a = document.createElement('li'); a.textContent = 'a'; const ul = document.querySelector('ul'); ul.insertBefore(a, document.getElementById('b')); ul.insertBefore(document.createElement('hr'), null); ul.children.length`,
			"3", `<ul><li>a</li><li id="b">b</li><hr></ul>`},
		{"insertBefore wrong ref throws NotFoundError", `<p></p><i></i>`,
			`try { document.body.firstChild.insertBefore(document.createElement('b'), document.querySelector('i')) } catch (e) { e.name }`, "NotFoundError", `<p></p><i></i>`},
		{"replaceChild", `<p><a></a></p>`,
			`const p = document.querySelector('p'); const old = p.replaceChild(document.createElement('b'), p.firstChild); old.tagName + String(old.parentNode)`,
			"Anull", `<p><b></b></p>`},
		{"removeChild and remove", `<p><a></a><b></b></p>`,
			`const p = document.querySelector('p'); p.removeChild(p.firstChild); document.querySelector('b').remove(); p.childNodes.length`, "0", `<p></p>`},
		{"moving detaches first", `<div id="a"><i>x</i></div><div id="b"></div>`,
			`document.getElementById('b').appendChild(document.querySelector('i')); document.getElementById('a').children.length`, "0",
			`<div id="a"></div><div id="b"><i>x</i></div>`},
		{"cycle throws HierarchyRequestError", `<div><p></p></div>`,
			`try { document.querySelector('p').appendChild(document.querySelector('div')) } catch (e) { e.name }`, "HierarchyRequestError", `<div><p></p></div>`},
		{"cloneNode deep and shallow", `<p class="c"><b>x</b></p>`,
			`const p = document.querySelector('p'); const d = p.cloneNode(true), s = p.cloneNode(false); document.body.append(d, s); (d !== p) + d.outerHTML + s.outerHTML`,
			`true<p class="c"><b>x</b></p><p class="c"></p>`, `<p class="c"><b>x</b></p><p class="c"><b>x</b></p><p class="c"></p>`},
		{"children and childNodes are live", `<ul>text<li>1</li></ul>`,
			`const ul = document.querySelector('ul'); const c = ul.children, n = ul.childNodes; const b = c.length + '/' + n.length; ul.appendChild(document.createElement('li')); b + ' ' + c.length + '/' + n.length + ' ' + (c === ul.children)`,
			"1/2 2/3 true", `<ul>text<li>1</li><li></li></ul>`},
		{"childNodes forEach and spread", `<p>a<b></b>c</p>`,
			`const out = []; document.querySelector('p').childNodes.forEach(n => out.push(n.nodeName)); out.join() + [...document.querySelector('p').children].length`,
			"#text,B,#text1", `<p>a<b></b>c</p>`},
		{"parents", `<div><p>t</p></div>`,
			`const p = document.querySelector('p'); [p.parentNode.tagName, p.parentElement.tagName, p.firstChild.parentNode === p, String(document.documentElement.parentElement), document.documentElement.parentNode.nodeName].join()`,
			"DIV,DIV,true,null,#document", `<div><p>t</p></div>`},
		{"siblings", `<a></a>x<b></b>y<i></i>`,
			`const b = document.querySelector('b'); [b.nextSibling.nodeValue, b.previousSibling.data, b.nextElementSibling.tagName, b.previousElementSibling.tagName, document.body.firstChild.tagName, document.body.lastChild.tagName, document.body.firstElementChild.tagName, document.body.lastElementChild.tagName, String(document.querySelector('i').nextElementSibling)].join()`,
			"y,x,I,A,A,I,A,I,null", `<a></a>x<b></b>y<i></i>`},
		{"text node data", `<p>old</p>`,
			`const t = document.querySelector('p').firstChild; t.data = 'new'; t.nodeValue + t.nodeType + t.length + t.nodeName`, "new33#text", `<p>new</p>`},
		{"matches closest contains", `<div class="o"><p><b id="x"></b></p></div>`,
			`const b = document.getElementById('x'); [b.matches('div b'), b.matches('p > i'), b.closest('.o').tagName, String(b.closest('section')), document.querySelector('div').contains(b), b.contains(document.body), document.body.contains(null)].join()`,
			"true,false,DIV,null,true,false,false", `<div class="o"><p><b id="x"></b></p></div>`},
		{"event listeners removed", `<button>b</button>`,
			`const btn = document.querySelector('button'); let n = 0; const f = () => n++; btn.addEventListener('click', f); btn.removeEventListener('click', f); const e = document.createEvent('Event'); e.initEvent('click', true, true); btn.dispatchEvent(e) + ',' + n`,
			"true,0", `<button>b</button>`},
		{"before after replaceWith", `<p id="p"></p>`,
			`const p = document.getElementById('p'); p.before('a'); p.after(document.createElement('i'), 'z'); document.createElement('x').after('ignored'); document.querySelector('i').replaceWith('r'); document.body.childNodes.length`,
			"4", `a<p id="p"></p>rz`},
		{"insertAdjacentHTML", `<p id="p">m</p>`,
			`const p = document.getElementById('p'); p.insertAdjacentHTML('beforebegin', '<a></a>'); p.insertAdjacentHTML('afterbegin', '<b></b>'); p.insertAdjacentHTML('beforeend', '<i></i>'); p.insertAdjacentHTML('afterend', '<u></u>'); document.body.children.length`,
			"3", `<a></a><p id="p"><b></b>m<i></i></p><u></u>`},
		{"expando properties", `<p></p>`, `const p = document.querySelector('p'); p.myData = {a: 1}; document.querySelector('p').myData.a + Object.keys(p).join()`, "1myData", `<p></p>`},
		{"nodeType nodeName", `<p></p><!--c-->`, `[document.nodeType, document.nodeName, document.body.nodeType, document.body.lastChild.nodeType, document.body.lastChild.nodeName, document.createDocumentFragment().nodeName].join()`,
			"9,#document,1,8,#comment,#document-fragment", `<p></p><!--c-->`},
		{"getElementsByTagName and ClassName", `<p class="a b"></p><p class="a"></p><i class="b"></i>`,
			`document.getElementsByTagName('p').length + ',' + document.getElementsByClassName('a b').length + ',' + document.body.getElementsByTagName('*').length`,
			"2,1,3", `<p class="a b"></p><p class="a"></p><i class="b"></i>`},
		{"illegal invocation", `<p></p>`, `try { document.querySelector('p').appendChild.call({}, null) } catch (e) { e instanceof TypeError }`, "true", `<p></p>`},
		{"appendChild non-node throws TypeError", ``, `try { document.body.appendChild('x') } catch (e) { e instanceof TypeError }`, "true", ``},
		{"raw text children stay raw", `<div><style>a > b {}</style></div>`, `document.querySelector('style').innerHTML`, "a > b {}", `<div><style>a > b {}</style></div>`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, body := run(t, tt.html, tt.js)
			if got != tt.want {
				t.Errorf("value = %q, want %q", got, tt.want)
			}
			if body != tt.body {
				t.Errorf("body = %q, want %q", body, tt.body)
			}
		})
	}
}

func TestBodyHTMLLimit(t *testing.T) {
	d, err := New(goja.New(), "<p>"+strings.Repeat("x", 100)+"</p>")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := d.BodyHTML(50); !errors.Is(err, ErrTooLarge) {
		t.Fatalf("BodyHTML(50) error = %v, want ErrTooLarge", err)
	}
	if s, err := d.BodyHTML(200); err != nil || len(s) != 107 {
		t.Fatalf("BodyHTML(200) = %d bytes, %v", len(s), err)
	}
}

func TestDescribe(t *testing.T) {
	rt := goja.New()
	d, err := New(rt, `<p id="a">x</p>`)
	if err != nil {
		t.Fatal(err)
	}
	_ = rt.Set("document", d.Document())
	for js, want := range map[string]string{
		`document.getElementById('a')`:            `<p id="a">x</p>`,
		`document.getElementById('a').firstChild`: `"x"`,
		`document`:                       `#document`,
		`document.querySelectorAll('p')`: `NodeList(1)`,
	} {
		v, err := rt.RunString(js)
		if err != nil {
			t.Fatal(err)
		}
		if got, ok := d.Describe(v); !ok || got != want {
			t.Errorf("Describe(%s) = %q, %v; want %q", js, got, ok, want)
		}
	}
	if _, ok := d.Describe(rt.ToValue(1)); ok {
		t.Error("Describe(1) claimed a DOM value")
	}
}
