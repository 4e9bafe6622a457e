package engine

import (
	"encoding/json"
	"reflect"
	"slices"
	"strings"
	"testing"
)

// webVectors were answered by Chromium 156 (headless, one page, in this
// order: storage and performance state carries from case to case). Where
// Symposium answers differently by design the line says what Chromium said.
var webVectors = []struct{ js, want string }{
	{"new URL('HTTP://User:Pa ss@EXAMPLE.com:80/a/./b/../c d?q=1 2&x=\\'#frag ment').href", "http://User:Pa%20ss@example.com/a/c%20d?q=1%202&x=%27#frag%20ment"},
	{"new URL('https://example.com:443').href", "https://example.com/"},
	{"new URL('../x?y#z', 'https://a.b/c/d/e').href", "https://a.b/c/x?y#z"},
	{"new URL('//other.org/p', 'https://a.b/c').href", "https://other.org/p"},
	{"new URL('?q', 'https://a.b/c/d?old#h').href", "https://a.b/c/d?q"},
	{"new URL('#h2', 'https://a.b/c/d?old#h').href", "https://a.b/c/d?old#h2"},
	{"new URL('mailto:Someone@Example.com').href", "mailto:Someone@Example.com"},
	{"new URL('data:text/plain,hello world').pathname", "text/plain,hello world"},
	{"new URL('http://a.b\\\\c\\\\d').href", "http://a.b/c/d"},
	{"new URL('https://münchen.de/').hostname", "xn--mnchen-3ya.de"},
	{"new URL('http://[::1]:8080/').host", "[::1]:8080"},
	{"new URL('file:///tmp/x y').href", "file:///tmp/x%20y"},
	{"new URL('https://a.b/p?x=1').origin", "https://a.b"},
	{"new URL('blob:https://a.b/uuid').origin", "https://a.b"},
	{"(() => { try { new URL('nope') } catch (e) { return e.name + ': ' + e.message } })()", "TypeError: Failed to construct 'URL': Invalid URL"},
	{"(() => { try { new URL('http://') } catch (e) { return e.name } })()", "TypeError"},
	{"URL.canParse('x', 'https://a/') + ' ' + URL.canParse('x')", "true false"},
	{"(() => { const u = new URL('https://a.b/p?x=1&y=2'); u.searchParams.append('z', 'a b'); u.searchParams.delete('x'); return u.href })()", "https://a.b/p?y=2&z=a+b"},
	{"(() => { const u = new URL('https://a.b/p?x=1'); const p = u.searchParams; u.search = '?k=v&k=w'; return p.getAll('k').join('|') + ' ' + p.size })()", "v|w 2"},
	{"(() => { const u = new URL('https://a.b/p?x=1'); u.searchParams.delete('x'); return u.href })()", "https://a.b/p"},
	{"(() => { const u = new URL('https://a.b/p'); u.pathname = '/a b/ü'; u.hash = 'x y'; u.port = '8080'; u.hostname = 'C.D'; return u.href })()", "https://c.d:8080/a%20b/%C3%BC#x%20y"},
	{"(() => { const u = new URL('https://a.b/p'); u.protocol = 'http'; u.username = 'me@x'; u.password = 'p:w'; return u.href })()", "http://me%40x:p%3Aw@a.b/p"},
	{"(() => { const u = new URL('https://a.b:8443/p'); u.host = 'x.y:443'; return u.href + ' ' + u.port })()", "https://x.y/p "},
	{"JSON.stringify(new URL('https://a.b/c'))", "\"https://a.b/c\""},
	{"String(new URL('https://a.b/c?d'))", "https://a.b/c?d"},
	{"new URLSearchParams('?a=1&b=2&a=3').getAll('a').join()", "1,3"},
	{"new URLSearchParams({q: 'café & crème', n: 5}).toString()", "q=caf%C3%A9+%26+cr%C3%A8me&n=5"},
	{"new URLSearchParams([['x', '1'], ['y', '2']]).toString()", "x=1&y=2"},
	{"(() => { const p = new URLSearchParams('z=1&a=2&m=3&a=1'); p.sort(); return p.toString() })()", "a=2&a=1&m=3&z=1"},
	{"[...new URLSearchParams('a=1&b=%20x+y&c')].map(e => e.join(':')).join(',')", "a:1,b: x y,c:"},
	{"new URLSearchParams('a=%zz&b=%E2%82%AC').get('a') + new URLSearchParams('a=%zz&b=%E2%82%AC').get('b')", "%zz€"},
	{"(() => { const p = new URLSearchParams('a=1&a=2&b=3'); p.set('a', 'x'); return p.toString() + ' ' + p.has('b') + p.has('b', '4') + p.get('nope') })()", "a=x&b=3 truefalsenull"},
	{"new URLSearchParams('x=~!*()\\'').toString()", "x=%7E%21*%28%29%27"},
	{"(() => { const out = []; new URLSearchParams('a=1&b=2').forEach((v, k) => out.push(k + v)); return out.join() })()", "a1,b2"},
	{"Object.prototype.toString.call(new URLSearchParams()) + ' ' + Object.prototype.toString.call(new URL('http://a'))", "[object URLSearchParams] [object URL]"},
	{"Array.from(new TextEncoder().encode('hé€😀')).join()", "104,195,169,226,130,172,240,159,152,128"},
	{"new TextDecoder().decode(new Uint8Array([104, 195, 169, 0xE2, 0x82, 0xFF, 0xF0, 0x9F, 0x98, 0x80]))", "hé��😀"},
	{"new TextDecoder().decode(new Uint8Array([0xEF, 0xBB, 0xBF, 65]))", "A"},
	{"new TextDecoder('utf-8', {ignoreBOM: true}).decode(new Uint8Array([0xEF, 0xBB, 0xBF, 65])).length", "2"},
	{"(() => { try { new TextDecoder('utf-8', {fatal: true}).decode(new Uint8Array([0xFF])) } catch (e) { return e.name + ': ' + e.message } })()", "TypeError: Failed to execute 'decode' on 'TextDecoder': The encoded data was not valid."},
	{"new TextDecoder().encoding + new TextEncoder().encoding", "utf-8utf-8"},
	{"JSON.stringify(new TextEncoder().encodeInto('aé😀', new Uint8Array(4)))", "{\"read\":2,\"written\":3}"},
	{"new TextDecoder().decode(new TextEncoder().encode('round trip ✓').buffer)", "round trip ✓"},
	{"btoa('hello') + ' ' + atob('aGVsbG8=') + ' ' + atob(' aGVs bG8 ') + ' ' + btoa(String.fromCharCode(255, 0, 128))", "aGVsbG8= hello hello /wCA"},
	{"(() => { try { btoa('€') } catch (e) { return e.name + '|' + e.message + '|' + e.code + '|' + (e instanceof DOMException) + (e instanceof Error) } })()", "InvalidCharacterError|Failed to execute 'btoa' on 'Window': The string to be encoded contains characters outside of the Latin1 range.|5|truetrue"},
	{"(() => { try { atob('abc*') } catch (e) { return e.name + '|' + e.message } })()", "InvalidCharacterError|Failed to execute 'atob' on 'Window': The string to be decoded is not correctly encoded."},
	{"(() => { try { atob('a') } catch (e) { return e.name } })()", "InvalidCharacterError"},
	{"atob('YQ') + atob('YWI') + '|' + atob('YR==')", "aab|a"},
	{"(() => { const d = new DOMException('m', 'NotFoundError'); return [d.name, d.message, d.code, String(d), Object.prototype.toString.call(d), DOMException.NOT_FOUND_ERR].join('|') })()", "NotFoundError|m|8|NotFoundError: m|[object DOMException]|8"},
	{"(() => { const d = new DOMException(); return [d.name, d.message, d.code].join('|') })()", "Error||0"},
	{"(() => { const a = {n: 1, d: new Date(0), r: /x/gi, m: new Map([[1, {z: 2}]]), s: new Set([1, 2]), t: new Uint8Array([1, 2]), arr: [1, , 3]}; a.self = a; const c = structuredClone(a); return [c !== a, c.self === c, c.d.getTime(), c.r.flags, c.m.get(1).z, c.s.has(2), c.t[1], c.t instanceof Uint8Array, 1 in c.arr, c.arr.length].join() })()", "true,true,0,gi,2,true,2,true,false,3"},
	{"(() => { try { structuredClone({f() {}}) } catch (e) { return e.name + '|' + e.message + '|' + e.code } })()", "DataCloneError|Failed to execute 'structuredClone' on 'Window': f() {} could not be cloned.|25"},
	{"(() => { try { structuredClone(Symbol('s')) } catch (e) { return e.name + '|' + e.message } })()", "DataCloneError|Failed to execute 'structuredClone' on 'Window': Symbol(s) could not be cloned."},
	{"(() => { class P { constructor() { this.x = 1 } }; const c = structuredClone(new P()); return c.constructor.name + c.x })()", "Object1"},
	{"(() => { const e = structuredClone(new RangeError('r')); return e.name + e.message + (e instanceof RangeError) })()", "RangeErrorrtrue"},
	{"(() => { try { structuredClone(document.body) } catch (e) { return e.name + '|' + e.message } })()", "DataCloneError|Failed to execute 'structuredClone' on 'Window': HTMLBodyElement object could not be cloned."},
	{"(() => { const a = new Uint32Array(4); crypto.getRandomValues(a); return a.length + typeof a[0] })()", "4number"},
	{"/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/.test(crypto.randomUUID())", "true"},
	{"(() => { try { crypto.getRandomValues(new Float32Array(2)) } catch (e) { return e.name + '|' + e.message } })()", "TypeMismatchError|Failed to execute 'getRandomValues' on 'Crypto': The provided ArrayBufferView is of type 'Float32', which is not an integer array type."},
	{"(() => { try { crypto.getRandomValues(new Uint8Array(65537)) } catch (e) { return e.name + '|' + e.message } })()", "QuotaExceededError|Failed to execute 'getRandomValues' on 'Crypto': The ArrayBufferView's byte length (65537) exceeds the number of bytes of entropy available via this API (65536)."},
	{"crypto.getRandomValues(new Uint8Array(65536)).length", "65536"},
	{"typeof performance.now() + (performance.now() >= 0) + typeof performance.timeOrigin", "numbertruenumber"},
	{"(() => { performance.mark('a'); const m = performance.measure('m', 'a'); return [m.name, m.entryType, typeof m.duration, performance.getEntriesByName('a').length, performance.getEntriesByName('a')[0].entryType].join() })()", "m,measure,number,1,mark"},
	{"(() => { try { performance.measure('x', 'nomark') } catch (e) { return e.name + '|' + e.message } })()", "SyntaxError|Failed to execute 'measure' on 'Performance': The mark 'nomark' does not exist."},
	{"(() => { const m = performance.mark('d', {detail: {k: 1}, startTime: 5}); return m.startTime + JSON.stringify(m.detail) + JSON.stringify(m.toJSON()) })()", "5{\"k\":1}{\"name\":\"d\",\"entryType\":\"mark\",\"startTime\":5,\"duration\":0}"}, // Chromium: "5{\"k\":1}{\"name\":\"d\",\"entryType\":\"mark\",\"startTime\":5,\"duration\":0,\"navigationId\":8582}"
	{"navigator.language + ' ' + navigator.languages.join() + ' ' + navigator.onLine + ' ' + typeof navigator.hardwareConcurrency + ' ' + navigator.platform", "en-US en-US,en true number Linux x86_64"},
	{"typeof setImmediate", "undefined"},
	{"typeof localStorage.getItem + localStorage.length", "function0"},
	{"(() => { localStorage.setItem('b', 1); localStorage.a = {}; localStorage.setItem('c', null); return [localStorage.getItem('b'), localStorage.a, localStorage.getItem('c'), localStorage.length, localStorage.key(0), localStorage.getItem('zz'), JSON.stringify(Object.keys(localStorage).sort()), 'a' in localStorage].join('|') })()", "1|[object Object]|null|3|b||[\"a\",\"b\",\"c\"]|true"}, // Chromium: "1|[object Object]|null|3|c||[\"a\",\"b\",\"c\"]|true"
	{"(() => { sessionStorage.setItem('k', 'v'); sessionStorage.removeItem('k'); delete sessionStorage.nope; sessionStorage.x = 1; sessionStorage.clear(); return sessionStorage.length + String(sessionStorage.getItem('x')) })()", "0null"},
	{"(() => { localStorage.setItem('q', 'v'); return JSON.stringify(localStorage) })()", "{\"b\":\"1\",\"a\":\"[object Object]\",\"c\":\"null\",\"q\":\"v\"}"}, // Chromium: "{\"a\":\"[object Object]\",\"q\":\"v\",\"c\":\"null\",\"b\":\"1\"}"
	{"(() => { const b = new Blob(['héllo', ' ', new Uint8Array([33])], {type: 'Text/Plain'}); return b.size + ' ' + b.type + ' ' + b.slice(1, 3).size + ' ' + b.slice(-1).size + ' ' + Object.prototype.toString.call(b) })()", "8 text/plain 2 1 [object Blob]"},
	{"(() => { const f = new File(['x'], 'a.txt', {type: 'text/plain', lastModified: 7}); return f.name + f.lastModified + f.size + (f instanceof Blob) })()", "a.txt71true"},
	{"(() => { const u = new URL('https://a.b/?q=1'); const p = u.searchParams; p.append('q', '2'); return u.search })()", "?q=1&q=2"},
	{"typeof matchMedia('(min-width: 600px)').addListener + matchMedia('(min-width:600px)').media + '|' + matchMedia('screen and (max-width: 100px)').matches + matchMedia('(prefers-color-scheme: dark)').matches + matchMedia('(prefers-color-scheme: light)').matches + matchMedia('bogus((').media", "function(min-width: 600px)|falsefalsetruebogus(("},
	{"matchMedia('(orientation: landscape)').matches + ' ' + matchMedia('(min-width: 40em)').matches + ' ' + matchMedia('not all and (min-width: 10px)').matches + ' ' + matchMedia('(prefers-reduced-motion: reduce)').matches + ' ' + matchMedia('print').matches + ' ' + matchMedia('(hover: hover) and (pointer: fine)').matches", "true true false false false false"},
	{"history.length + String(history.state) + typeof history.pushState", "1nullfunction"},                                       // Chromium: "2nullfunction"
	{"(() => { history.pushState({a: 1}, '', '?p=2'); return history.state.a + location.search + history.length })()", "1?p=22"}, // Chromium: "1?p=23"
	{"typeof location.href + location.protocol", "stringhttps:"},                                                                 // Chromium: "stringhttp:"
	{"typeof alert + typeof confirm + typeof prompt", "functionfunctionfunction"},
}

func TestWebAPIsAgainstChromium(t *testing.T) {
	var js strings.Builder
	js.WriteString("const out = [];\n")
	for _, v := range webVectors {
		js.WriteString("try { out.push(String(eval(" + jsonString(v.js) + "))) } catch (e) { out.push('THROW ' + e.name + ': ' + e.message) }\n")
	}
	js.WriteString("console.log(JSON.stringify(out))")
	r := execute(t, Block{HTML: "<p>x</p>", JavaScript: js.String()}, Options{})
	if r.Error != nil || len(r.Logs) != 1 {
		t.Fatalf("error %+v logs %v", r.Error, r.Logs)
	}
	var got []string
	if err := json.Unmarshal([]byte(r.Logs[0].Message), &got); err != nil {
		t.Fatal(err)
	}
	for i, v := range webVectors {
		if got[i] != v.want {
			t.Errorf("%s\n got  %q\n want %q", v.js, got[i], v.want)
		}
	}
}

func jsonString(s string) string {
	b, _ := json.Marshal(s)
	return string(b)
}

// The page's fixed answers (README "What a script sees").
func TestFixedPage(t *testing.T) {
	js := `console.log(location.href, innerWidth, innerHeight, devicePixelRatio, screen.width + 'x' + screen.height,
		matchMedia('(min-width: 1280px)').matches, matchMedia('(min-width: 1281px)').matches,
		matchMedia('(orientation: portrait)').matches, matchMedia('(prefers-color-scheme: light)').matches,
		navigator.userAgent.includes('Chrome/'), navigator.hardwareConcurrency, typeof setImmediate)`
	r := execute(t, Block{JavaScript: js}, Options{})
	want := "https://block.symposium.local/ 1280 800 1 1280x800 true false false true true 4 undefined"
	if r.Error != nil || len(r.Logs) != 1 || r.Logs[0].Message != want {
		t.Fatalf("error %+v logs %q, want %q", r.Error, r.Logs, want)
	}
}

func TestWebNotices(t *testing.T) {
	js := `localStorage.setItem('a', '1'); localStorage.b = 2; sessionStorage.setItem('c', 3);
		console.log(alert('hi'), confirm('sure?'), prompt('name?'), alert('again'))`
	r := execute(t, Block{JavaScript: js}, Options{})
	if r.Error != nil || len(r.Logs) != 1 || r.Logs[0].Message != "undefined false null undefined" {
		t.Fatalf("error %+v logs %q", r.Error, r.Logs)
	}
	want := []string{
		"localStorage was written; it lasts only for this execution (a server render keeps nothing between runs; symposium.saveData keeps data)",
		"sessionStorage was written; it lasts only for this execution (a server render keeps nothing between runs; symposium.saveData keeps data)",
		"alert() was called; a server render shows no dialog, so it returned at once",
		"confirm() was called; a server render shows no dialog, so it returned false",
		"prompt() was called; a server render shows no dialog, so it returned null",
	}
	for _, w := range want {
		if !slices.Contains(r.Notices, w) {
			t.Errorf("notices %q lack %q", r.Notices, w)
		}
	}
	// Each execution starts with empty storage.
	r = execute(t, Block{JavaScript: `console.log(localStorage.length, localStorage.getItem('a'))`}, Options{})
	if len(r.Logs) != 1 || r.Logs[0].Message != "0 null" || len(r.Notices) != 0 {
		t.Errorf("second run: logs %q notices %q", r.Logs, r.Notices)
	}
}

func TestStorageQuota(t *testing.T) {
	r := execute(t, Block{JavaScript: `const big = 'x'.repeat(3 << 20);
		localStorage.setItem('a', big);
		try { localStorage.setItem('b', big) } catch (e) { console.log(e.name, e.message, e instanceof DOMException) }
		console.log(localStorage.length)`}, Options{})
	want := logs("log:QuotaExceededError Failed to execute 'setItem' on 'Storage': Setting the value of 'b' exceeded the quota. true", "log:1")
	if !reflect.DeepEqual(r.Logs, want) {
		t.Errorf("logs = %q, want %q", r.Logs, want)
	}
}

func TestPerformanceFollowsVirtualClock(t *testing.T) {
	r := execute(t, Block{JavaScript: `const t0 = performance.now(); performance.mark('start');
		setTimeout(() => { performance.mark('end'); const m = performance.measure('wait', 'start', 'end');
			console.log(Math.round(performance.now() - t0), Math.round(m.duration), performance.getEntriesByType('mark').length) }, 1500)`}, Options{})
	if want := logs("log:1500 1500 2"); !reflect.DeepEqual(r.Logs, want) {
		t.Errorf("logs = %q, want %q (error %+v)", r.Logs, want, r.Error)
	}
}

func TestMatchMediaQueries(t *testing.T) {
	for q, want := range map[string]bool{
		"(max-width: 768px)": false, "(min-width: 768px) and (max-width: 1440px)": true, "screen and (min-width: 80em)": true,
		"(width >= 1280px)": true, "(1000px < width < 1200px)": false, "(min-aspect-ratio: 16/10)": true, "(max-aspect-ratio: 4/3)": false,
		"not screen and (max-width: 600px)": true, "print, (min-width: 1px)": true, "(prefers-reduced-motion: no-preference)": true,
		"(min-resolution: 2dppx)": false, "(-webkit-min-device-pixel-ratio: 1)": true, "(unknown-feature: 1)": false,
	} {
		if got := matchMedia(q)[1].(bool); got != want {
			t.Errorf("matchMedia(%q) = %v, want %v", q, got, want)
		}
	}
}

func TestUTF8DecodeMaximalSubparts(t *testing.T) {
	for in, want := range map[string]string{
		"\xE2\x82": "\uFFFD", "\xF0\x9F\x98": "\uFFFD", "\xC0\x80": "\uFFFD\uFFFD", "\xED\xA0\x80": "\uFFFD\uFFFD\uFFFD",
		"a\xFFb": "a\uFFFDb", "\xF4\x90\x80\x80": "\uFFFD\uFFFD\uFFFD\uFFFD",
	} {
		if got, _ := utf8Decode([]byte(in), false, false); got != want {
			t.Errorf("utf8Decode(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestSubtleDigest(t *testing.T) {
	r := execute(t, Block{JavaScript: `const hex = b => [...new Uint8Array(b)].map(x => x.toString(16).padStart(2, '0')).join('');
		crypto.subtle.digest('SHA-256', new TextEncoder().encode('abc')).then(b => console.log(hex(b)));
		crypto.subtle.digest({name: 'SHA-1'}, new Uint8Array(0)).then(b => console.log(hex(b)));
		crypto.subtle.digest('MD5', new Uint8Array(1)).catch(e => console.log(e.name, e.message));`}, Options{})
	want := logs("log:ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad",
		"log:da39a3ee5e6b4b0d3255bfef95601890afd80709", "log:NotSupportedError Algorithm: Unrecognized name")
	if !reflect.DeepEqual(r.Logs, want) {
		t.Errorf("logs = %q, want %q (error %+v)", r.Logs, want, r.Error)
	}
}
