package engine

import (
	"reflect"
	"strings"
	"testing"
)

// The console's text is what DevTools shows for a collapsed message; the
// fidelity suite renders Chromium's side the same way from CDP.
func TestConsoleDevTools(t *testing.T) {
	tests := []struct {
		name, js string
		want     []LogEntry
	}{
		{"objects and arrays", `console.log({a: 1, b: 'x', c: [1, 2], d: {e: 1}, f() {}, g: null, h: undefined})`,
			logs("log:{a: 1, b: 'x', c: Array(2), d: {…}, f: ƒ, …}")},
		{"array lengths", `console.log([], [1], [1, 2], [[1, 2, 3]], [{}])`, logs("log:[] [1] (2) [1, 2] [Array(3)] [{…}]")},
		{"array holes", `console.log([undefined, null, , 4], [1, , , , 5], new Array(3), [, 'a'], [ , ])`,
			logs("log:(4) [undefined, null, empty, 4] (5) [1, empty × 3, 5] (3) [empty × 3] (2) [empty, 'a'] [empty]")},
		{"arrays of objects", `console.log([{id: 1, name: 'a'}, {id: 2, name: 'b'}])`, logs("log:(2) [{…}, {…}]")},
		{"Map and Set", `console.log(new Map([['a', 1], ['b', {x: 1}]]), new Set([1, 'two']), new Map())`,
			logs("log:Map(2) {'a' => 1, 'b' => {…}} Set(2) {1, 'two'} Map(0) {}")},
		{"class instance, nested class", `class Point { constructor() { this.x = 1; this.y = 2 } }; console.log(new Point(), {p: new Point()})`,
			logs("log:Point {x: 1, y: 2} {p: Point}")},
		{"quotes and keys", `console.log({"it's": "a'b", 'two words': 'x"y\'z', $ok: 1, 2: 'n'})`,
			logs("log:{'2': 'n', \"it's\": \"a'b\", 'two words': `x\"y'z`, $ok: 1}")},
		{"typed arrays", `console.log(new Uint8Array([1, 2, 3]), new Float64Array(1))`, logs("log:Uint8Array(3) [1, 2, 3] Float64Array [0]")},
		{"errors", `console.log(new RangeError('r'), {e: new Error('in')})`, logs("log:RangeError: r {e: Error: in}")},
		{"DOM nodes", `const d = document.createElement('div'); d.id = 'app'; d.className = 'card big'; document.body.append(d);
			console.log(d, [d], document.body, document.createTextNode('t'), document.querySelectorAll('div, p'))`,
			logs("log:div#app.card.big [div#app.card.big] body #text NodeList(2) [p#a, div#app.card.big]")},
		{"primitives", `console.log(1.5, -0, NaN, 1e21, 1e-7, 10n, Symbol('s'), true, null, undefined)`,
			logs("log:1.5 -0 NaN 1e+21 1e-7 10n Symbol(s) true null undefined")},
		{"substitutions", `console.log('%s|%d|%i|%f|%o|%O|%c|%%|%x', 'str', '12', 7.9, 2.5, [1], {a: 1}, 'color: red')`,
			logs("log:str|NaN|7|2.5|[1]|{a: 1}||%|%x")},
		{"extra arguments after a format", `console.log('a %s', 'b', 'c', {d: 1})`, logs("log:a b c {d: 1}")},
		{"more than five names, more than 100 items", `console.log({a: 1, b: 2, c: 3, d: 4, e: 5, f: 6}, Array(101).fill(0).length)`,
			logs("log:{a: 1, b: 2, c: 3, d: 4, e: 5, …} 101")},
		{"assert", `console.assert(true, 'no'); console.assert(false, 'x is %d', 5); console.assert(0)`,
			logs("error:Assertion failed: x is 5", "error:Assertion failed: console.assert")},
		{"count", `console.count(); console.count('k'); console.count(); console.countReset(); console.count(); console.countReset('nope')`,
			logs("log:default: 1", "log:k: 1", "log:default: 2", "log:default: 1", "warn:Count for 'nope' does not exist")},
		{"group", `console.group('G'); console.log('in'); console.groupCollapsed(); console.groupEnd(); console.groupEnd(); console.group()`,
			logs("log:G", "log:in", "log:console.groupCollapsed", "log:console.group")},
		{"dir", `console.dir({a: 1}); console.dir([1, 2, 3]); console.dir(document.body); console.dir('s', 1)`,
			logs("log:Object", "log:Array(3)", "log:body", "log:s 1")},
		{"table and trace", `console.table([{a: 1}]); console.trace(); console.trace('here', 1)`,
			logs("log:[{…}]", "log:console.trace", "log:here 1")},
		{"timers", `console.time('t'); console.time('t'); console.timeEnd('nope'); setTimeout(() => { console.timeLog('t', 'mid'); console.timeEnd('t') }, 250)`,
			logs("warn:Timer 't' already exists", "warn:Timer 'nope' does not exist", "log:t: 250 ms mid", "log:t: 250 ms")},
		{"Promise", `console.log(new Promise(() => {}))`, logs("log:Promise {'[[PromiseState]]': 'pending'}")},
		{"Date", `console.log(new Date(Date.UTC(2024, 0, 15, 9, 30)), [new Date(0)])`,
			logs("log:Mon Jan 15 2024 09:30:00 GMT+0000 (Coordinated Universal Time) [Thu Jan 01 1970 00:00:00 GMT+0000 (Coordinated Universal Time)]")},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := execute(t, Block{HTML: `<p id="a">x</p>`, JavaScript: tt.js}, Options{})
			if r.Error != nil {
				t.Fatalf("error: %+v", r.Error)
			}
			if !reflect.DeepEqual(r.Logs, tt.want) {
				t.Errorf("logs = %q\nwant   %q", r.Logs, tt.want)
			}
		})
	}
}

func TestConsoleMembersAreLazyAndReplaceable(t *testing.T) {
	r := execute(t, Block{JavaScript: `console.table = (x) => console.log('mine', x); console.table(1);
		console.log(Object.keys(console).includes('timeEnd'), typeof console.groupCollapsed)`}, Options{})
	if want := logs("log:mine 1", "log:true function"); !reflect.DeepEqual(r.Logs, want) {
		t.Errorf("logs = %q, want %q", r.Logs, want)
	}
}

func TestFormatNumber(t *testing.T) {
	a, b := 0.1, 0.2
	for in, want := range map[float64]string{a + b: "0.30000000000000004", 1e21: "1e+21", 123e-20: "1.23e-18", 100: "100", 0.000001: "0.000001"} {
		if got := formatNumber(in); got != want {
			t.Errorf("formatNumber(%v) = %q, want %q", in, got, want)
		}
	}
	if !strings.HasPrefix(jsLiteral("a'b\"c"), "`") {
		t.Error("a string with both quotes is quoted with backticks")
	}
}
