package dom

import (
	"reflect"
	"strings"
	"testing"

	"github.com/dop251/goja"
)

// Each case was checked against Chromium 156 (the answers are what it says).
var customCases = []struct{ name, html, js, want, body string }{
	{"upgrade order: constructor, observed attributes, connected; per element in tree order", `<x-a id="one" b="2" a="1"></x-a><x-a id="two"></x-a>`, `
			const log = [];
			class A extends HTMLElement {
				static observedAttributes = ['a', 'b'];
				constructor() { super(); log.push('ctor ' + this.id); }
				connectedCallback() { log.push('connected ' + this.id); this.innerHTML = '<i>' + this.id + '</i>'; }
				attributeChangedCallback(n, o, v) { log.push(n + ':' + o + '>' + v); }
			}
			customElements.define('x-a', A);
			log.join('|')`,
		"ctor one|b:null>2|a:null>1|connected one|ctor two|connected two",
		`<x-a id="one" b="2" a="1"><i>one</i></x-a><x-a id="two"><i>two</i></x-a>`},
	{"class members win over DOM members; setters run", `<x-t title="t0"></x-t>`, `
			customElements.define('x-t', class extends HTMLElement {
				get title() { return 'class title'; }
				set value(v) { this.setAttribute('data-v', v * 2); }
				get value() { return Number(this.dataset.v) / 2; }
			});
			const el = document.querySelector('x-t');
			el.value = 21;
			[el.title, el.value, el.getAttribute('title')].join()`,
		"class title,21,t0", `<x-t title="t0" data-v="42"></x-t>`},
	{"instanceof a subclass follows its prototype", `<x-i></x-i><div></div>`, `
			class I extends HTMLElement {}
			customElements.define('x-i', I);
			[document.querySelector('x-i') instanceof I, document.querySelector('div') instanceof I,
			 document.querySelector('div') instanceof HTMLElement, document.querySelector('x-i') instanceof HTMLElement].join()`,
		"true,false,true,true", `<x-i></x-i><div></div>`},
	{"createElement and new run the constructor at once; connected on insertion", ``, `
			const log = [];
			class C extends HTMLElement { constructor() { super(); log.push('ctor'); } connectedCallback() { log.push('connected'); } disconnectedCallback() { log.push('gone'); } }
			customElements.define('x-c', C);
			const a = document.createElement('x-c'); log.push('created');
			document.body.append(a, new C());
			a.remove();
			document.body.firstChild.remove();
			log.join()`,
		"ctor,created,ctor,connected,connected,gone,gone", ``},
	{"a callback's own DOM calls run their reactions first", ``, `
			const log = [];
			customElements.define('x-inner', class extends HTMLElement { connectedCallback() { log.push('inner'); } });
			customElements.define('x-outer', class extends HTMLElement { connectedCallback() { this.innerHTML = '<x-inner></x-inner>'; log.push('outer'); } });
			document.body.innerHTML = '<x-outer></x-outer><x-outer></x-outer>';
			log.join()`,
		"inner,outer,inner,outer", `<x-outer><x-inner></x-inner></x-outer><x-outer><x-inner></x-inner></x-outer>`},
	{"shadow roots stay out of innerHTML; their elements are connected", `<x-s>light</x-s>`, `
			const log = [];
			customElements.define('x-leaf', class extends HTMLElement { connectedCallback() { log.push('leaf ' + this.isConnected); } });
			customElements.define('x-s', class extends HTMLElement {
				constructor() { super(); this.attachShadow({mode: 'open'}).innerHTML = '<b>shadow</b><x-leaf></x-leaf>'; }
			});
			const s = document.querySelector('x-s').shadowRoot;
			[log.join(), s.innerHTML, s.mode, s.host.localName, s.querySelector('b').getRootNode() === s, document.body.innerHTML.includes('shadow')].join('|')`,
		"leaf true|<b>shadow</b><x-leaf></x-leaf>|open|x-s|true|false", `<x-s>light</x-s>`},
	{"clones in the document upgrade at once; a template's contents do not", `<x-c id="a"></x-c><template><x-c id="t"></x-c></template>`, `
			const log = [];
			class C extends HTMLElement { constructor() { super(); log.push('ctor ' + this.id + ' ' + this.isConnected); } connectedCallback() { log.push('conn ' + this.id); } }
			customElements.define('x-c', C);
			const c1 = document.getElementById('a').cloneNode(); log.push('cloned ' + (c1 instanceof C));
			const c2 = document.querySelector('template').content.cloneNode(true); log.push('tcloned ' + (c2.firstChild instanceof C));
			const c3 = document.importNode(document.querySelector('template').content, true); log.push('imported ' + (c3.firstChild instanceof C));
			document.body.append(c2); log.push('appended');
			log.join('|')`,
		"ctor a true|conn a|ctor a false|cloned true|tcloned false|ctor t false|imported true|ctor t true|conn t|appended",
		`<x-c id="a"></x-c><template><x-c id="t"></x-c></template><x-c id="t"></x-c>`},
	{"whenDefined, get, getName", ``, `
			const out = [];
			const p = customElements.whenDefined('x-w');
			p.then(c => out.push('resolved'));
			class W extends HTMLElement {}
			out.push(String(customElements.get('x-w')));
			customElements.define('x-w', W);
			out.push(customElements.get('x-w') === W, customElements.getName(W), p === customElements.whenDefined('x-w'));
			out.join()`,
		"undefined,true,x-w,false", ``},
	{"define's errors", ``, `
			const err = f => { try { f(); return 'no error'; } catch (e) { return e.name + ': ' + e.message; } };
			class D extends HTMLElement {}
			customElements.define('x-d', D);
			[err(() => customElements.define('nodash', class extends HTMLElement {})),
			 err(() => customElements.define('x-d', class extends HTMLElement {})),
			 err(() => customElements.define('x-e', D)),
			 err(() => customElements.define('x-f', () => {})),
			 err(() => new (class extends HTMLElement {})())].join('\n')`,
		"SyntaxError: Failed to execute 'define' on 'CustomElementRegistry': \"nodash\" is not a valid custom element name\n" +
			"NotSupportedError: Failed to execute 'define' on 'CustomElementRegistry': the name \"x-d\" has already been used with this registry\n" +
			"NotSupportedError: Failed to execute 'define' on 'CustomElementRegistry': this constructor has already been used with this registry\n" +
			"TypeError: Failed to execute 'define' on 'CustomElementRegistry': constructor argument is not a constructor\n" +
			"TypeError: Failed to construct 'HTMLElement': Illegal constructor", ``},
}

func TestCustomElements(t *testing.T) {
	for _, tt := range customCases {
		t.Run(tt.name, func(t *testing.T) {
			got, body, _ := runWin(t, tt.html, tt.js)
			if got != tt.want {
				t.Errorf("got  %q\nwant %q", got, tt.want)
			}
			if body != tt.body {
				t.Errorf("body %q\nwant %q", body, tt.body)
			}
		})
	}
}

// A constructor that throws is reported, as browsers report it, and the
// operation that upgraded the element goes on.
func TestCustomElementConstructorThrows(t *testing.T) {
	rt := goja.New()
	d, err := New(rt, `<x-bad>fallback</x-bad>`)
	if err != nil {
		t.Fatal(err)
	}
	h := &testHost{}
	d.SetHooks(Hooks{Window: rt.GlobalObject(), Host: h})
	_ = rt.Set("document", d.Document())
	_ = rt.Set("HTMLElement", d.WindowGlobal("HTMLElement"))
	_ = rt.Set("customElements", d.WindowGlobal("customElements"))
	v, err := rt.RunString(`
		class Bad extends HTMLElement { constructor() { super(); throw new Error('no start'); } connectedCallback() { this.textContent = 'ran'; } }
		customElements.define('x-bad', Bad);
		document.body.append(document.body.firstChild.cloneNode(true));
		[document.querySelector('x-bad') instanceof Bad, document.querySelectorAll('x-bad')[1] instanceof Bad, document.body.innerHTML].join()`)
	if err != nil {
		t.Fatal(err)
	}
	if want := "true,true,<x-bad>fallback</x-bad><x-bad>fallback</x-bad>"; v.String() != want {
		t.Errorf("got %q, want %q", v, want)
	}
	if want := []string{"Error: no start", "Error: no start"}; !reflect.DeepEqual(h.thrown, want) {
		t.Errorf("reported %q, want %q", h.thrown, want)
	}
}

// A DOM without custom elements never builds the registry.
func TestNoComponentsCost(t *testing.T) {
	rt := goja.New()
	d, _ := New(rt, `<div id="a"></div>`)
	_ = rt.Set("document", d.Document())
	_ = rt.Set("HTMLElement", d.WindowGlobal("HTMLElement"))
	if _, err := rt.RunString(`const a = document.getElementById('a'); a.innerHTML = '<p>x</p>'; a.setAttribute('b', 1); a instanceof HTMLElement`); err != nil {
		t.Fatal(err)
	}
	if d.ce != nil {
		t.Error("a script without customElements or attachShadow built the components state")
	}
	if !strings.Contains(mustBody(t, d), "<p>x</p>") {
		t.Error("the script did not run")
	}
}

func mustBody(t *testing.T, d *DOM) string {
	t.Helper()
	b, err := d.BodyHTML(0)
	if err != nil {
		t.Fatal(err)
	}
	return b
}
