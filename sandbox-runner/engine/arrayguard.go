package engine

import (
	"regexp"
	"strings"
)

// goja's native Array methods loop up to length without checking the
// interrupt, so on a sparse array (or array-like) of length 2**32-1 they run
// far past the deadline: join, indexOf, fill, forEach on holes, concat ...
// A script whose source can make such a length (hugeLengthRisk) gets those
// methods wrapped: below lengthGuardLimit they call the native method as
// before; above it they run it on a forwarding Proxy, whose traps are
// JavaScript, so every element access passes the interrupt check and the
// deadline stops it. Same results, only slower, and only for lengths no dense
// array reaches within the runner's heap. Other blocks never load the guard,
// and a block that does wraps only the methods its source names (join and
// toString always: string conversion calls them).
const arrayGuardSrc = `(() => {
	const AP = Array.prototype, LIMIT = 2 ** 24;
	let h_;
	const h = () => h_ || (h_ = {
		get: (t, k, r) => Reflect.get(t, k, r), set: (t, k, v, r) => Reflect.set(t, k, v, r),
		has: (t, k) => Reflect.has(t, k), deleteProperty: (t, k) => Reflect.deleteProperty(t, k),
		defineProperty: (t, k, d) => Reflect.defineProperty(t, k, d),
		getOwnPropertyDescriptor: (t, k) => Reflect.getOwnPropertyDescriptor(t, k),
	});
	const huge = o => o !== null && o !== undefined && (typeof o === 'object' || typeof o === 'function') && o.length > LIMIT;
	const wrap = (obj, name, receiver) => {
		const d = Object.getOwnPropertyDescriptor(obj, name);
		if (!d || !d.configurable || typeof d.value !== 'function') return; // e.g. the locale methods (intl.go), fixed
		const orig = d.value;
		const f = receiver
			? { [name](...args) { if (!huge(this)) return orig.apply(this, args); const p = new Proxy(this, h()); const r = orig.apply(p, args); return r === p ? this : r; } }[name]
			: { [name](items, ...rest) { return orig.call(this, huge(items) ? new Proxy(items, h()) : items, ...rest); } }[name];
		Object.defineProperty(obj, name, { value: f, writable: true, enumerable: false, configurable: true });
	};
	for (const name of NAMES) wrap(AP, name, true);
	if (FROM) wrap(Array, 'from', false);
})();
`

// hugeLengthRisk: the source names length and a way to make a number of
// 2**24 or more: a long or exponent literal, **, Math.pow, shifts, the
// Number limits, a product of two literals of four digits or more, or a
// value that comes from outside the source (DATA, getData, fetch, storage),
// which the source cannot vouch for.
var hugeLengthRisk = regexp.MustCompile(`\d{8}|\d[eE]\+?(?:[89]|\d\d)|\*\*|Math\.pow|<<|>>>|0[xX][0-9a-fA-F]{7}|MAX_SAFE_INTEGER|MAX_VALUE|Infinity|\d{4}\s*\*\s*\d{4}|\bDATA\b|getData|fetch|localStorage|sessionStorage`)

func needsArrayGuard(src string) bool {
	return (strings.Contains(src, "length") || strings.Contains(src, "Array(")) && hugeLengthRisk.MatchString(src)
}

// guardedMethods are the Array.prototype methods that loop natively.
var guardedMethods = []string{"concat", "copyWithin", "every", "fill", "filter", "find", "findIndex", "findLast",
	"findLastIndex", "flat", "flatMap", "forEach", "includes", "indexOf", "lastIndexOf", "map", "reduce",
	"reduceRight", "reverse", "slice", "some", "sort", "splice", "toLocaleString", "toReversed", "toSorted",
	"toSpliced", "with"}

// arrayGuard is the guard for src, wrapping the methods src names.
func arrayGuard(src string) string {
	names := []string{"'join'", "'toString'"}
	for _, m := range guardedMethods {
		if strings.Contains(src, m) {
			names = append(names, "'"+m+"'")
		}
	}
	from := "false"
	if strings.Contains(src, "from") {
		from = "true"
	}
	return strings.NewReplacer("NAMES", "["+strings.Join(names, ", ")+"]", "FROM", from).Replace(arrayGuardSrc)
}
