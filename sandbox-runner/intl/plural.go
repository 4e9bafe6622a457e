package intl

import (
	"strconv"
	"strings"
)

// pluralOperands are CLDR's n i v w f t e for one formatted number.
type pluralOperands struct {
	n       float64
	i       string // integer digits
	v, w    int
	f, t    string // fraction digits, with and without trailing zeros
	e       int
	integer bool // n has no fraction
}

// operandsOf reads the operands from the digits a number is shown with.
func operandsOf(ip, fp string, e int) pluralOperands {
	ip = strings.TrimLeft(ip, "0")
	t := strings.TrimRight(fp, "0")
	n, _ := strconv.ParseFloat(orZero(ip)+"."+fp+"0", 64)
	return pluralOperands{n: n, i: orZero(ip), v: len(fp), w: len(t), f: orZero(fp), t: orZero(t), e: e, integer: t == ""}
}

func orZero(s string) string {
	if s == "" {
		return "0"
	}
	return s
}

// modOf is the decimal digit string s modulo m.
func modOf(s string, m int64) int64 {
	var r int64
	for _, c := range s {
		r = (r*10 + int64(c-'0')) % m
	}
	return r
}

type pluralRel struct {
	op     byte // n i v w f t e
	mod    int64
	negate bool
	ranges [][2]int64
}

type pluralRule struct {
	cat string
	or  [][]pluralRel // or of ands
}

func parsePluralRules(rules map[string]string) []pluralRule {
	var out []pluralRule
	for _, cat := range []string{"zero", "one", "two", "few", "many"} {
		src, ok := rules["pluralRule-count-"+cat]
		if !ok {
			continue
		}
		if i := strings.Index(src, "@"); i >= 0 {
			src = src[:i]
		}
		r := pluralRule{cat: cat}
		for _, and := range strings.Split(src, " or ") {
			var rels []pluralRel
			for _, c := range strings.Split(and, " and ") {
				c = strings.TrimSpace(c)
				var rel pluralRel
				rel.op = c[0]
				lhs, rhs, neg := c, "", false
				if a, b, ok := strings.Cut(c, "!="); ok {
					lhs, rhs, neg = a, b, true
				} else if a, b, ok := strings.Cut(c, "="); ok {
					lhs, rhs = a, b
				}
				rel.negate = neg
				if _, m, ok := strings.Cut(lhs, "%"); ok {
					rel.mod, _ = strconv.ParseInt(strings.TrimSpace(m), 10, 64)
				}
				for _, rg := range strings.Split(strings.TrimSpace(rhs), ",") {
					lo, hi, isRange := strings.Cut(rg, "..")
					a, _ := strconv.ParseInt(strings.TrimSpace(lo), 10, 64)
					b := a
					if isRange {
						b, _ = strconv.ParseInt(strings.TrimSpace(hi), 10, 64)
					}
					rel.ranges = append(rel.ranges, [2]int64{a, b})
				}
				rels = append(rels, rel)
			}
			r.or = append(r.or, rels)
		}
		out = append(out, r)
	}
	return out
}

func (rel pluralRel) holds(o pluralOperands) bool {
	var val int64
	exact := true
	switch rel.op {
	case 'n':
		if !o.integer {
			exact = false
		}
		val = modOrAll(o.i, rel.mod)
	case 'i':
		val = modOrAll(o.i, rel.mod)
	case 'v':
		val = int64(o.v)
	case 'w':
		val = int64(o.w)
	case 'f':
		val = modOrAll(o.f, rel.mod)
	case 't':
		val = modOrAll(o.t, rel.mod)
	case 'e', 'c':
		val = int64(o.e)
	}
	if (rel.op == 'v' || rel.op == 'w' || rel.op == 'e' || rel.op == 'c') && rel.mod > 0 {
		val %= rel.mod
	}
	in := false
	if exact {
		for _, r := range rel.ranges {
			if val >= r[0] && val <= r[1] {
				in = true
				break
			}
		}
	}
	return in != rel.negate
}

func modOrAll(s string, m int64) int64 {
	if m > 0 {
		return modOf(s, m)
	}
	if len(s) > 18 {
		return 1 << 62
	}
	v, _ := strconv.ParseInt(s, 10, 64)
	return v
}

func selectPlural(rules []pluralRule, o pluralOperands) string {
	for _, r := range rules {
		for _, and := range r.or {
			ok := true
			for _, rel := range and {
				if !rel.holds(o) {
					ok = false
					break
				}
			}
			if ok {
				return r.cat
			}
		}
	}
	return "other"
}

// pluralCategories lists a rule set's categories in CLDR order, "other" last.
func pluralCategories(rules []pluralRule) []string {
	var out []string
	for _, r := range rules {
		out = append(out, r.cat)
	}
	return append(out, "other")
}
