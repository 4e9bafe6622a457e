package engine

import (
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"regexp"
	"strings"

	"github.com/dop251/goja"
	"github.com/dop251/goja/parser"
	"github.com/evanw/esbuild/pkg/api"
	hlru "github.com/hashicorp/golang-lru/v2"
)

const scriptName = "block.js"

// programs caches compiled scripts by source hash: goja programs are not tied
// to a runtime, so re-running a block skips parsing, lowering and compiling.
var programs, _ = hlru.New[[sha256.Size]byte, *goja.Program](256)

// lowered lists the syntax goja cannot parse (probed against the goja this
// module pins); esbuild rewrites only these and keeps everything else as
// written, so the program goja runs stays close to the author's.
var lowered = map[string]bool{
	"async-generator": false,
	"for-await":       false,
	"decorators":      false,
	"using":           false,
	"import-meta":     false,
}

// privateLowered is lowered plus class private members. goja keeps
// #private members in ordinary objects only, and a custom element's this is
// a DOM node (a goja dynamic object), so a script whose classes extend an
// HTML element and use #private members gets them lowered to WeakMaps.
var privateLowered = func() map[string]bool {
	m := map[string]bool{"class-private-field": false, "class-private-method": false, "class-private-accessor": false,
		"class-private-static-field": false, "class-private-static-method": false, "class-private-static-accessor": false,
		"class-private-brand-check": false}
	for k, v := range lowered {
		m[k] = v
	}
	return m
}()

var (
	privateMember  = regexp.MustCompile(`#[A-Za-z_$]`)
	extendsElement = regexp.MustCompile(`extends\s+HTML\w*Element`)
)

// privateOnNodes reports whether src may put #private members on DOM nodes
// (a false positive, e.g. a colour '#fff', only costs a lowering).
func privateOnNodes(src string) bool {
	return strings.Contains(src, "Element") && extendsElement.MatchString(src) && privateMember.MatchString(src)
}

// asyncWrap runs a script that uses top-level await as an async function
// body. The opening stands on its own line; lowerSource takes that line out
// of the source map again, so positions stay the author's.
const asyncWrap = "(async () => {\n"

func compile(src string) (*goja.Program, error) {
	key := sha256.Sum256([]byte(src))
	if p, ok := programs.Get(key); ok {
		return p, nil
	}
	// The cheap check is goja itself: most blocks compile as written and
	// never reach esbuild. Source maps named in the author's script are
	// ignored (goja would read a file path from disk).
	var (
		p   *goja.Program
		err error
	)
	if banner := builtinsFor(src); banner != "" || privateOnNodes(src) {
		// The additions run first; esbuild's source map keeps the author's
		// positions below them.
		p, err = lowerWith(src, banner)
	} else if p, err = compileJS(src, parser.WithDisableSourceMaps); err != nil {
		if lp, lerr := lower(src); lerr == nil {
			p, err = lp, nil
		} // else goja's syntax error, at the author's position
	}
	if err != nil {
		return nil, err
	}
	programs.Add(key, p)
	return p, nil
}

// builtins goja lacks (ES2024 and later), added to a program that names
// them, so no other block pays for them.
var builtins = []struct{ name, src string }{
	{"groupBy", `(() => {
	const group = (items, key, make, add) => { const out = make(); let i = 0; for (const v of items) add(out, key(v, i++), v); return out; };
	const def = (o, k, v) => { if (!(k in o)) Object.defineProperty(o, k, { value: v, writable: true, configurable: true }); };
	def(Object, 'groupBy', function groupBy(items, key) { return group(items, key, () => Object.create(null), (o, k, v) => { k = typeof k === 'symbol' ? k : String(k); (o[k] || (o[k] = [])).push(v); }); });
	def(Map, 'groupBy', function groupBy(items, key) { return group(items, key, () => new Map(), (m, k, v) => { if (!m.has(k)) m.set(k, []); m.get(k).push(v); }); });
})();`},
	{"withResolvers", `if (!Promise.withResolvers) Object.defineProperty(Promise, 'withResolvers', { value: function withResolvers() {
	let resolve, reject; const promise = new this((a, b) => { resolve = a; reject = b; }); return { promise, resolve, reject };
}, writable: true, configurable: true });`},
	{"fromAsync", `if (!Array.fromAsync) Object.defineProperty(Array, 'fromAsync', { value: async function fromAsync(items, map, thisArg) {
	const out = []; let i = 0;
	if (items[Symbol.asyncIterator]) { const it = items[Symbol.asyncIterator](); for (let r = await it.next(); !r.done; r = await it.next()) out.push(map ? await map.call(thisArg, r.value, i++) : r.value); }
	else for (const v of (items[Symbol.iterator] ? items : Array.from(items))) { const x = await v; out.push(map ? await map.call(thisArg, x, i++) : x); }
	return out;
}, writable: true, configurable: true });`},
	{"WellFormed", `(() => {
	const lone = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?:[^\uD800-\uDBFF]|^)[\uDC00-\uDFFF]/;
	const def = (k, v) => { if (!String.prototype[k]) Object.defineProperty(String.prototype, k, { value: v, writable: true, configurable: true }); };
	def('isWellFormed', function isWellFormed() { return !lone.test(String(this)); });
	def('toWellFormed', function toWellFormed() { return String(this).replace(/[\uD800-\uDBFF](?![\uDC00-\uDFFF])|([^\uD800-\uDBFF]|^)[\uDC00-\uDFFF]/g, (m, p) => p === undefined ? '\uFFFD' : p + '\uFFFD'); });
})();`},
}

// builtinsFor is the code of the additions src names, or "".
func builtinsFor(src string) string {
	var b strings.Builder
	if needsArrayGuard(src) { // arrayguard.go
		b.WriteString(arrayGuard(src))
	}
	for _, x := range builtins {
		if strings.Contains(src, x.name) {
			b.WriteString(x.src)
			b.WriteByte('\n')
		}
	}
	return b.String()
}

func compileJS(src string, opt parser.Option) (*goja.Program, error) {
	ast, err := goja.Parse(scriptName, src, opt)
	if err != nil {
		return nil, err
	}
	return goja.CompileAST(ast, false)
}

// lower rewrites src with esbuild (in memory: Transform opens no file) and
// compiles the result with the inline source map esbuild wrote, which leads
// positions in stacks back to the author's line and column.
func lower(src string) (*goja.Program, error) { return lowerWith(src, "") }

// lowerWith lowers src with banner (code that runs first) above it.
func lowerWith(src, banner string) (*goja.Program, error) {
	out, err := transform(src, false, banner)
	if err != nil {
		return nil, err
	}
	p, err := compileJS(out, inlineMapOnly)
	if err != nil && strings.Contains(src, "await") {
		// Top-level await: esbuild keeps it (no target lowers it) and goja does
		// not parse it; run the script as an async function body.
		if out, err = transform(src, true, banner); err != nil {
			return nil, err
		}
		p, err = compileJS(out, inlineMapOnly)
	}
	return p, err
}

// inlineMapOnly reads only the data: source map esbuild appends.
var inlineMapOnly = parser.WithSourceMapLoader(func(string) ([]byte, error) {
	return nil, errNoSourceMapFile
})

var errNoSourceMapFile = errors.New("source maps are read inline only")

func supported(src string) map[string]bool {
	if privateOnNodes(src) {
		return privateLowered
	}
	return lowered
}

func transform(src string, wrap bool, banner string) (string, error) {
	in := src
	if wrap {
		in = asyncWrap + src + "\n})()"
	}
	r := api.Transform(in, api.TransformOptions{
		Loader:     api.LoaderJS,
		Target:     api.ESNext,
		Supported:  supported(src),
		Sourcefile: scriptName,
		Sourcemap:  api.SourceMapExternal,
		LogLevel:   api.LogLevelSilent,
		Charset:    api.CharsetUTF8,
		Banner:     banner,
	})
	if len(r.Errors) > 0 {
		return "", fmt.Errorf("esbuild: %s", r.Errors[0].Text)
	}
	lineDelta := 0
	if wrap {
		lineDelta = -1
	}
	sm, err := adjustMap(r.Map, lineDelta)
	if err != nil {
		return "", err
	}
	return string(r.Code) + "//# sourceMappingURL=data:application/json;base64," +
		base64.StdEncoding.EncodeToString(sm) + "\n", nil
}

// adjustMap fits esbuild's source map to goja's reading of it: goja looks
// segments up by 1-based column and prints the mapped column as found, where
// the format counts columns from 0, so every generated and original column
// moves one right. lineDelta moves original lines (the async wrapper's line).
// Generated columns restart on each line; original lines and columns are
// deltas from the previous segment, so only the first mapped segment of the
// whole map carries their shift.
func adjustMap(raw []byte, lineDelta int) ([]byte, error) {
	var m map[string]json.RawMessage
	if err := json.Unmarshal(raw, &m); err != nil {
		return nil, fmt.Errorf("source map: %w", err)
	}
	var mappings string
	if err := json.Unmarshal(m["mappings"], &mappings); err != nil {
		return nil, fmt.Errorf("source map mappings: %w", err)
	}
	lines := strings.Split(mappings, ";")
	sourceShifted := false
	for i, line := range lines {
		if line == "" {
			continue
		}
		segs := strings.Split(line, ",")
		for j, seg := range segs {
			fields, ok := decodeVLQ(seg)
			if !ok {
				return nil, fmt.Errorf("source map: bad segment %q", seg)
			}
			first := j == 0
			shiftSource := !sourceShifted && len(fields) >= 4
			if !first && !shiftSource {
				if sourceShifted {
					break
				}
				continue
			}
			if first {
				fields[0]++
			}
			if shiftSource {
				fields[2] += lineDelta
				fields[3]++
				sourceShifted = true
			}
			segs[j] = encodeVLQ(fields)
		}
		lines[i] = strings.Join(segs, ",")
	}
	enc, err := json.Marshal(strings.Join(lines, ";"))
	if err != nil {
		return nil, err
	}
	m["mappings"] = enc
	return json.Marshal(m)
}

const vlqChars = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"

func decodeVLQ(s string) ([]int, bool) {
	var out []int
	shift, v := 0, 0
	for i := 0; i < len(s); i++ {
		d := strings.IndexByte(vlqChars, s[i])
		if d < 0 {
			return nil, false
		}
		v += (d & 31) << shift
		if d&32 != 0 {
			shift += 5
			continue
		}
		n := v >> 1
		if v&1 != 0 {
			n = -n
		}
		out = append(out, n)
		shift, v = 0, 0
	}
	return out, shift == 0
}

func encodeVLQ(fields []int) string {
	var b strings.Builder
	for _, n := range fields {
		v := n << 1
		if n < 0 {
			v = -n<<1 | 1
		}
		for {
			d := v & 31
			v >>= 5
			if v > 0 {
				d |= 32
			}
			b.WriteByte(vlqChars[d])
			if v == 0 {
				break
			}
		}
	}
	return b.String()
}

// pcSuffix is goja's program counter after a position ("block.js:1:32(10)"),
// an engine internal no browser shows.
var pcSuffix = regexp.MustCompile(`(\.js:\d+:\d+)\(\d+\)`)

// internalFrame is a stack line inside the engine's own JavaScript (the web
// APIs' and the DOM's modules): browsers do not show their built-ins' code.
var internalFrame = regexp.MustCompile(`(?m)^\s*at [^\n]*\((?:[a-z]+\.js):\d+:\d+(?:\(\d+\))?\)\n?|^\s*at (?:[a-z]+\.js):\d+:\d+(?:\(\d+\))?\n?`)

// cleanPositions drops engine program counters and internal frames from a
// stack or message.
func cleanPositions(s string) string {
	if !strings.Contains(s, ".js:") {
		return s
	}
	s = internalFrame.ReplaceAllStringFunc(s, func(f string) string {
		if strings.Contains(f, scriptName+":") {
			return f
		}
		return ""
	})
	return pcSuffix.ReplaceAllString(s, "$1")
}

// cleanError drops program counters from a script error, if there is one.
func cleanError(e *ScriptError) {
	if e != nil {
		e.Message, e.Stack = cleanPositions(e.Message), cleanPositions(e.Stack)
	}
}
