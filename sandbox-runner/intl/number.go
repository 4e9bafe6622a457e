package intl

import (
	"math/big"
	"slices"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"
)

// Part is one piece of formatToParts output.
type Part struct {
	Type, Value string
	Source      string // formatRangeToParts only
}

// Join concatenates parts' values.
func Join(ps []Part) string {
	var b strings.Builder
	for _, p := range ps {
		b.WriteString(p.Value)
	}
	return b.String()
}

// NumberFormat is a resolved Intl.NumberFormat.
type NumberFormat struct {
	loc                                            Locale
	nu                                             string
	digits                                         []rune
	num                                            obj
	sym                                            obj
	Style, Currency, CurrencyDisplay, CurrencySign string
	Unit, UnitDisplay                              string
	Notation, CompactDisplay, SignDisplay          string
	UseGrouping                                    string // "auto", "always", "min2" or "false"
	RoundingMode, RoundingPriority, TrailingZero   string
	RoundingIncrement                              int
	MinInt, MinFrac, MaxFrac, MinSig, MaxSig       int
	roundingType                                   string // fractionDigits, significantDigits, morePrecision, lessPrecision
	rules                                          []pluralRule
}

var sanctionedUnits = []string{"acre", "bit", "byte", "celsius", "centimeter", "day", "degree", "fahrenheit", "fluid-ounce", "foot",
	"gallon", "gigabit", "gigabyte", "gram", "hectare", "hour", "inch", "kilobit", "kilobyte", "kilogram", "kilometer",
	"liter", "megabit", "megabyte", "meter", "microsecond", "mile", "mile-scandinavian", "milliliter", "millimeter",
	"millisecond", "minute", "month", "nanosecond", "ounce", "percent", "petabyte", "pound", "second", "stone",
	"terabit", "terabyte", "week", "yard", "year"}

func validUnit(u string) bool {
	if slices.Contains(sanctionedUnits, u) {
		return true
	}
	a, b, ok := strings.Cut(u, "-per-")
	return ok && slices.Contains(sanctionedUnits, a) && slices.Contains(sanctionedUnits, b)
}

const nfName = "Intl.NumberFormat"

// NewNumberFormat is InitializeNumberFormat.
func NewNumberFormat(locales []string, o Opts, def string) (*NumberFormat, error) {
	loc, err := Resolve(locales, def)
	if err != nil {
		return nil, err
	}
	nf := &NumberFormat{loc: loc}
	if _, err := getString(o, nfName, "localeMatcher", []string{"lookup", "best fit"}, "best fit"); err != nil {
		return nil, err
	}
	nu, _ := getString(o, nfName, "numberingSystem", nil, "")
	nf.num = section(loc.Data, "num")
	supplemental()
	nf.nu = gets(nf.num, "defaultNumberingSystem")
	for _, cand := range []string{nu, loc.Ext["nu"]} {
		if _, ok := supp.Digits[cand]; ok && cand != "" {
			nf.nu = cand
			break
		}
	}
	if nf.nu == "" {
		nf.nu = "latn"
	}
	nf.digits = []rune(supp.Digits[nf.nu])
	nf.sym = getm(nf.num, "symbols-numberSystem-"+nf.nu)
	for _, id := range supp.Locales {
		if nf.sym != nil {
			break
		}
		// a numbering system foreign to the locale (en-u-nu-arab) takes its
		// symbols from a locale that uses it natively, as ICU's root does
		nf.sym = getm(section(id, "num"), "symbols-numberSystem-"+nf.nu)
	}
	if nf.sym == nil {
		nf.sym = getm(nf.num, "symbols-numberSystem-latn")
	}
	if nf.Style, err = getString(o, nfName, "style", []string{"decimal", "percent", "currency", "unit"}, "decimal"); err != nil {
		return nil, err
	}
	cur, hasCur := o.String("currency")
	if hasCur {
		if len(cur) != 3 || strings.IndexFunc(cur, func(r rune) bool { return !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z') }) >= 0 {
			return nil, rangeErr("Invalid currency code : %s", cur)
		}
		cur = strings.ToUpper(cur)
	}
	if nf.CurrencyDisplay, err = getString(o, nfName, "currencyDisplay", []string{"code", "symbol", "narrowSymbol", "name"}, "symbol"); err != nil {
		return nil, err
	}
	if nf.CurrencySign, err = getString(o, nfName, "currencySign", []string{"standard", "accounting"}, "standard"); err != nil {
		return nil, err
	}
	unit, hasUnit := o.String("unit")
	if hasUnit && !validUnit(unit) {
		return nil, rangeErr("Invalid unit argument for Intl.NumberFormat() '%s'", unit)
	}
	if nf.UnitDisplay, err = getString(o, nfName, "unitDisplay", []string{"short", "narrow", "long"}, "short"); err != nil {
		return nil, err
	}
	switch nf.Style {
	case "currency":
		if !hasCur {
			return nil, typeErr("Currency code is required with currency style.")
		}
		nf.Currency = cur
	case "unit":
		if !hasUnit {
			return nil, typeErr("Invalid unit argument for Intl.NumberFormat() '%s'", "")
		}
		nf.Unit = unit
	}
	if nf.Notation, err = getString(o, nfName, "notation", []string{"standard", "scientific", "engineering", "compact"}, "standard"); err != nil {
		return nil, err
	}
	mnfdDef, mxfdDef := 0, 3
	if nf.Style == "currency" && nf.Notation == "standard" {
		mnfdDef = currencyDigits(nf.Currency)
		mxfdDef = mnfdDef
	} else if nf.Style == "percent" {
		mxfdDef = 0
	}
	if err := nf.digitOptions(o, mnfdDef, mxfdDef); err != nil {
		return nil, err
	}
	if nf.CompactDisplay, err = getString(o, nfName, "compactDisplay", []string{"short", "long"}, "short"); err != nil {
		return nil, err
	}
	defGrouping := "auto"
	if nf.Notation == "compact" {
		defGrouping = "min2"
	}
	nf.UseGrouping = defGrouping
	if v, ok := o.Value("useGrouping"); ok {
		switch x := v.(type) {
		case bool:
			nf.UseGrouping = map[bool]string{true: "always", false: "false"}[x]
		default:
			s, _ := o.String("useGrouping")
			switch {
			case !truthy(v):
				nf.UseGrouping = "false"
			case s == "true" || s == "false":
			case s == "min2" || s == "auto" || s == "always":
				nf.UseGrouping = s
			default:
				return nil, rangeErr("Value %s out of range for %s options property useGrouping", s, nfName)
			}
		}
	}
	if nf.SignDisplay, err = getString(o, nfName, "signDisplay", []string{"auto", "never", "always", "exceptZero", "negative"}, "auto"); err != nil {
		return nil, err
	}
	nf.rules = plurals(loc.pluralKey(), false)
	return nf, nil
}

func truthy(v any) bool {
	switch x := v.(type) {
	case nil:
		return false
	case bool:
		return x
	case float64:
		return x != 0 && x == x
	case int64:
		return x != 0
	case string:
		return x != ""
	}
	return true
}

func currencyDigits(c string) int {
	f := fractions()[c]
	if f == nil {
		f = fractions()["DEFAULT"]
	}
	n, err := strconv.Atoi(f["_digits"])
	if err != nil {
		return 2
	}
	return n
}

var roundingIncrements = []int{1, 2, 5, 10, 20, 25, 50, 100, 200, 250, 500, 1000, 2000, 2500, 5000}

// digitOptions is SetNumberFormatDigitOptions (ES2023).
func (nf *NumberFormat) digitOptions(o Opts, mnfdDef, mxfdDef int) error {
	var err error
	if nf.MinInt, _, err = getNumber(o, "minimumIntegerDigits", 1, 21, 1); err != nil {
		return err
	}
	mnfdV, hasMnfd := o.Number("minimumFractionDigits")
	mxfdV, hasMxfd := o.Number("maximumFractionDigits")
	mnsdV, hasMnsd := o.Number("minimumSignificantDigits")
	mxsdV, hasMxsd := o.Number("maximumSignificantDigits")
	if nf.RoundingIncrement, _, err = getNumber(o, "roundingIncrement", 1, 5000, 1); err != nil {
		return err
	}
	if !slices.Contains(roundingIncrements, nf.RoundingIncrement) {
		return rangeErr("roundingIncrement value is out of range.")
	}
	if nf.RoundingMode, err = getString(o, nfName, "roundingMode", []string{"ceil", "floor", "expand", "trunc", "halfCeil", "halfFloor", "halfExpand", "halfTrunc", "halfEven"}, "halfExpand"); err != nil {
		return err
	}
	if nf.RoundingPriority, err = getString(o, nfName, "roundingPriority", []string{"auto", "morePrecision", "lessPrecision"}, "auto"); err != nil {
		return err
	}
	if nf.TrailingZero, err = getString(o, nfName, "trailingZeroDisplay", []string{"auto", "stripIfInteger"}, "auto"); err != nil {
		return err
	}
	if nf.RoundingIncrement != 1 {
		mxfdDef = mnfdDef
	}
	def := func(name string, v float64, has bool, lo, hi, d int) (int, error) {
		if !has {
			return d, nil
		}
		if v != v || v < float64(lo) || v > float64(hi) {
			return 0, rangeErr("%s value is out of range.", name)
		}
		return int(v), nil
	}
	hasSd, hasFd := hasMnsd || hasMxsd, hasMnfd || hasMxfd
	needSd, needFd := true, true
	if nf.RoundingPriority == "auto" {
		needSd = hasSd
		if needSd || !hasFd && nf.Notation == "compact" {
			needFd = false
		}
	}
	if needSd {
		if hasSd {
			if nf.MinSig, err = def("minimumSignificantDigits", mnsdV, hasMnsd, 1, 21, 1); err != nil {
				return err
			}
			if nf.MaxSig, err = def("maximumSignificantDigits", mxsdV, hasMxsd, nf.MinSig, 21, 21); err != nil {
				return err
			}
		} else {
			nf.MinSig, nf.MaxSig = 1, 21
		}
	}
	if needFd {
		if hasFd {
			if nf.MinFrac, err = def("minimumFractionDigits", mnfdV, hasMnfd, 0, 100, -1); err != nil {
				return err
			}
			if nf.MaxFrac, err = def("maximumFractionDigits", mxfdV, hasMxfd, 0, 100, -1); err != nil {
				return err
			}
			switch {
			case nf.MinFrac < 0:
				nf.MinFrac = min(mnfdDef, nf.MaxFrac)
			case nf.MaxFrac < 0:
				nf.MaxFrac = max(mxfdDef, nf.MinFrac)
			case nf.MinFrac > nf.MaxFrac:
				return rangeErr("maximumFractionDigits value is out of range.")
			}
		} else {
			nf.MinFrac, nf.MaxFrac = mnfdDef, mxfdDef
		}
	}
	switch {
	case !needSd && !needFd:
		nf.MinFrac, nf.MaxFrac, nf.MinSig, nf.MaxSig = 0, 0, 1, 2
		nf.roundingType = "morePrecision"
		nf.RoundingPriority = "morePrecision"
	case nf.RoundingPriority == "auto" && needSd:
		nf.roundingType = "significantDigits"
	case nf.RoundingPriority == "auto":
		nf.roundingType = "fractionDigits"
	default:
		nf.roundingType = nf.RoundingPriority
	}
	if nf.RoundingIncrement != 1 {
		if nf.roundingType != "fractionDigits" {
			return typeErr("Invalid roundingIncrement with significant digits")
		}
		if nf.MaxFrac != nf.MinFrac {
			return rangeErr("maximumFractionDigits value is out of range.")
		}
	}
	return nil
}

// Resolved is resolvedOptions() as ordered key/value pairs.
type Resolved []KV

// KV is one resolvedOptions entry; Value is string, int, bool or nil.
type KV struct {
	Key   string
	Value any
}

func (nf *NumberFormat) ResolvedOptions() Resolved {
	r := Resolved{{"locale", nf.loc.withExt("nu")}, {"numberingSystem", nf.nu}, {"style", nf.Style}}
	if nf.Style == "currency" {
		r = append(r, KV{"currency", nf.Currency}, KV{"currencyDisplay", nf.CurrencyDisplay}, KV{"currencySign", nf.CurrencySign})
	}
	if nf.Style == "unit" {
		r = append(r, KV{"unit", nf.Unit}, KV{"unitDisplay", nf.UnitDisplay})
	}
	r = append(r, KV{"minimumIntegerDigits", nf.MinInt})
	if nf.roundingType != "fractionDigits" {
		r = append(r, KV{"minimumSignificantDigits", nf.MinSig}, KV{"maximumSignificantDigits", nf.MaxSig})
	}
	if nf.roundingType != "significantDigits" {
		r = append(r, KV{"minimumFractionDigits", nf.MinFrac}, KV{"maximumFractionDigits", nf.MaxFrac})
	}
	var g any = nf.UseGrouping
	if nf.UseGrouping == "false" {
		g = false
	}
	r = append(r, KV{"useGrouping", g}, KV{"notation", nf.Notation})
	if nf.Notation == "compact" {
		r = append(r, KV{"compactDisplay", nf.CompactDisplay})
	}
	r = append(r, KV{"signDisplay", nf.SignDisplay}, KV{"roundingMode", nf.RoundingMode},
		KV{"roundingIncrement", nf.RoundingIncrement}, KV{"trailingZeroDisplay", nf.TrailingZero}, KV{"roundingPriority", nf.RoundingPriority})
	return r
}

// Number is a value to format: a double, a BigInt or an exact decimal string.
type Number struct {
	F   float64
	Big *big.Int
	Str *string
}

func (n Number) decimal() decimal {
	if n.Big != nil {
		return decFromBig(n.Big)
	}
	if n.Str != nil {
		if d, ok := decFromString(*n.Str); ok {
			return d
		}
		return decimal{nan: true}
	}
	return decFromFloat(n.F)
}

// IsNaN reports whether n is NaN.
func (n Number) IsNaN() bool { return n.decimal().nan }

func (nf *NumberFormat) Format(n Number) string { return Join(nf.FormatToParts(n)) }

func (nf *NumberFormat) FormatToParts(n Number) []Part {
	l := nf.layers(n.decimal())
	return l.flat()
}

// layers is a formatted number split the way ICU's range formatter sees it:
// outer (unit or currency name), middle (pattern affixes with sign,
// currency symbol, percent), inner (compact or exponent), the number.
type layers struct {
	outerPre, outerSuf, midPre, midSuf, innerPre, innerSuf, num []Part
}

func (l layers) flat() []Part {
	var out []Part
	for _, p := range [][]Part{l.outerPre, l.midPre, l.innerPre, l.num, l.innerSuf, l.midSuf, l.outerSuf} {
		out = append(out, p...)
	}
	return out
}

type affixTok struct{ kind, text string }

type numPattern struct {
	pre, suf, npre, nsuf []affixTok
	hasNeg               bool
	g1, g2, minInt       int
	zeros                int // compact: number of 0 digits
}

func parseAffix(s string) []affixTok {
	var out []affixTok
	quoted := false
	lit := func(r string) {
		if n := len(out); n > 0 && out[n-1].kind == "literal" {
			out[n-1].text += r
			return
		}
		out = append(out, affixTok{"literal", r})
	}
	rs := []rune(s)
	for i := 0; i < len(rs); i++ {
		r := rs[i]
		if r == '\'' {
			if i+1 < len(rs) && rs[i+1] == '\'' {
				lit("'")
				i++
				continue
			}
			quoted = !quoted
			continue
		}
		if quoted {
			lit(string(r))
			continue
		}
		switch r {
		case '¤':
			for i+1 < len(rs) && rs[i+1] == '¤' {
				i++
			}
			out = append(out, affixTok{"currency", ""})
		case '%':
			out = append(out, affixTok{"percentSign", ""})
		case '‰':
			out = append(out, affixTok{"perMille", ""})
		case '-':
			out = append(out, affixTok{"minusSign", ""})
		case '+':
			out = append(out, affixTok{"plusSign", ""})
		default:
			lit(string(r))
		}
	}
	return out
}

func splitPattern(p string) (pre, body, suf string) {
	quoted := false
	start, end := -1, -1
	for i, r := range p {
		if r == '\'' {
			quoted = !quoted
		}
		if quoted {
			continue
		}
		if strings.ContainsRune("#0123456789,.@E", r) {
			if start < 0 {
				start = i
			}
			end = i + utf8.RuneLen(r)
		} else if start >= 0 && end >= 0 {
			break
		}
	}
	if start < 0 {
		return p, "", ""
	}
	return p[:start], p[start:end], p[end:]
}

func parseNumPattern(p string) numPattern {
	pos, neg, hasNeg := strings.Cut(p, ";")
	var np numPattern
	pre, body, suf := splitPattern(pos)
	np.pre, np.suf = parseAffix(pre), parseAffix(suf)
	if hasNeg {
		npre, _, nsuf := splitPattern(neg)
		np.npre, np.nsuf, np.hasNeg = parseAffix(npre), parseAffix(nsuf), true
	}
	ip, _, _ := strings.Cut(body, ".")
	ip, _, _ = strings.Cut(ip, "E")
	np.zeros = strings.Count(ip, "0")
	np.minInt = np.zeros
	groups := strings.Split(ip, ",")
	if len(groups) > 1 {
		np.g1 = len(groups[len(groups)-1])
		np.g2 = np.g1
		if len(groups) > 2 {
			np.g2 = len(groups[len(groups)-2])
		}
	}
	return np
}

func (nf *NumberFormat) patternFor(kind string) string {
	ns := nf.nu
	p := gets(nf.num, kind+"-numberSystem-"+ns, "standard")
	if p == "" {
		ns = "latn"
		p = gets(nf.num, kind+"-numberSystem-latn", "standard")
	}
	if kind == "currencyFormats" && nf.CurrencySign == "accounting" {
		if a := gets(nf.num, kind+"-numberSystem-"+ns, "accounting"); a != "" {
			p = a
		}
	}
	return p
}

func (nf *NumberFormat) symbol(name string) string {
	if s := gets(nf.sym, name); s != "" {
		return s
	}
	return gets(nf.num, "symbols-numberSystem-latn", name)
}

func (nf *NumberFormat) translit(s string) string {
	if nf.nu == "latn" || len(nf.digits) != 10 {
		return s
	}
	var b strings.Builder
	for _, r := range s {
		if r >= '0' && r <= '9' {
			b.WriteRune(nf.digits[r-'0'])
		} else {
			b.WriteRune(r)
		}
	}
	return b.String()
}

// round applies the resolved rounding and returns the rounded value with the
// number of fraction digits it must show at least.
func (nf *NumberFormat) round(d decimal) (decimal, int) {
	sig := func() (decimal, int) {
		r := d.roundSig(nf.MaxSig, nf.RoundingMode)
		mf := nf.MinSig - 1
		if !r.isZero() {
			mf = nf.MinSig - (r.magnitude() + 1)
		}
		return r, max(mf, 0)
	}
	frac := func() (decimal, int) {
		if nf.RoundingIncrement != 1 {
			return roundIncrement(d, nf.MaxFrac, nf.RoundingIncrement, nf.RoundingMode), nf.MinFrac
		}
		return d.roundFrac(nf.MaxFrac, nf.RoundingMode), nf.MinFrac
	}
	var r decimal
	var mf int
	switch nf.roundingType {
	case "significantDigits":
		r, mf = sig()
	case "fractionDigits":
		r, mf = frac()
	default:
		sigMag := d.magnitude() + 1 - nf.MaxSig
		if d.isZero() {
			sigMag = 1 - nf.MaxSig
		}
		fracMag := -nf.MaxFrac
		useSig := sigMag <= fracMag
		if nf.roundingType == "lessPrecision" {
			useSig = sigMag >= fracMag
		}
		if useSig {
			r, mf = sig()
		} else {
			r, mf = frac()
		}
	}
	if nf.TrailingZero == "stripIfInteger" && r.exp >= len(r.digits) {
		mf = 0
	}
	return r, mf
}

// roundIncrement rounds d to a multiple of inc × 10^-maxFrac.
func roundIncrement(d decimal, maxFrac, inc int, mode string) decimal {
	// inc is 1, 2, 2.5 or 5 times a power of ten: dividing by it is
	// multiplying by a short decimal, so the rounding stays exact.
	ip, fp := d.split(1, 0)
	r, _ := new(big.Rat).SetString(ip + "." + fp + "0")
	unit := new(big.Rat).SetFrac(big.NewInt(int64(inc)), new(big.Int).Exp(big.NewInt(10), big.NewInt(int64(maxFrac)), nil))
	q := new(big.Rat).Quo(r, unit)
	qs := q.FloatString(40)
	qd, _ := decFromString(qs)
	qd = qd.roundAt(qd.exp, mode)
	qd.neg = d.neg
	qi, _ := qd.split(1, 0)
	qr, _ := new(big.Rat).SetString(qi)
	qr.Mul(qr, unit)
	out, _ := decFromString(qr.FloatString(maxFrac))
	out.neg = d.neg
	return out
}

func (nf *NumberFormat) minGrouping() int {
	switch nf.UseGrouping {
	case "false":
		return -1
	case "always":
		return 1
	case "min2":
		return 2
	}
	n, _ := strconv.Atoi(gets(nf.num, "minimumGroupingDigits"))
	return max(n, 1)
}

func (nf *NumberFormat) numberParts(ip, fp string, pat numPattern) []Part {
	var out []Part
	mg := nf.minGrouping()
	if mg > 0 && pat.g1 > 0 && len(ip) >= pat.g1+mg {
		var groups []string
		head := ip[:len(ip)-pat.g1]
		tail := ip[len(ip)-pat.g1:]
		for len(head) > pat.g2 {
			groups = append([]string{head[len(head)-pat.g2:]}, groups...)
			head = head[:len(head)-pat.g2]
		}
		groups = append([]string{head}, groups...)
		groups = append(groups, tail)
		sep := nf.symbol("group")
		if nf.Style == "currency" && gets(nf.sym, "currencyGroup") != "" {
			sep = gets(nf.sym, "currencyGroup") // de-AT: 1 234 but € 1.234
		}
		for i, g := range groups {
			if i > 0 {
				out = append(out, Part{Type: "group", Value: sep})
			}
			out = append(out, Part{Type: "integer", Value: nf.translit(g)})
		}
	} else {
		out = append(out, Part{Type: "integer", Value: nf.translit(ip)})
	}
	if fp != "" {
		dec := "decimal"
		if nf.Style == "currency" && gets(nf.sym, "currencyDecimal") != "" {
			dec = "currencyDecimal"
		}
		out = append(out, Part{Type: "decimal", Value: nf.symbol(dec)}, Part{Type: "fraction", Value: nf.translit(fp)})
	}
	return out
}

func (nf *NumberFormat) currencySymbol() string {
	c := getm(section(nf.loc.Data, "cur"), nf.Currency)
	switch nf.CurrencyDisplay {
	case "code":
		return nf.Currency
	case "narrowSymbol":
		if s := gets(c, "symbol-alt-narrow"); s != "" {
			return s
		}
	}
	if s := gets(c, "symbol"); s != "" {
		return s
	}
	return nf.Currency
}

func (nf *NumberFormat) affixParts(toks []affixTok, compact bool) []Part {
	var out []Part
	for _, t := range toks {
		switch t.kind {
		case "currency":
			out = append(out, Part{Type: "currency", Value: nf.currencySymbol()})
		case "percentSign":
			out = append(out, Part{Type: "percentSign", Value: nf.symbol("percentSign")})
		case "perMille":
			out = append(out, Part{Type: "percentSign", Value: nf.symbol("perMille")})
		case "minusSign":
			out = append(out, Part{Type: "minusSign", Value: nf.symbol("minusSign")})
		case "plusSign":
			out = append(out, Part{Type: "plusSign", Value: nf.symbol("plusSign")})
		default:
			if !compact {
				out = append(out, Part{Type: "literal", Value: t.text})
				continue
			}
			txt := t.text
			lead := len(txt) - len(strings.TrimLeftFunc(txt, unicode.IsSpace))
			trail := len(strings.TrimRightFunc(txt, unicode.IsSpace))
			if lead > 0 {
				out = append(out, Part{Type: "literal", Value: txt[:lead]})
			}
			if trail > lead {
				out = append(out, Part{Type: "compact", Value: txt[lead:trail]})
			}
			if trail < len(txt) && trail >= lead {
				out = append(out, Part{Type: "literal", Value: txt[max(trail, lead):]})
			}
		}
	}
	return out
}

// compactPattern finds CLDR's compact pattern for a magnitude.
func (nf *NumberFormat) compactPatterns() obj {
	c := section(nf.loc.Data, "compact")
	if nf.Style == "currency" {
		if m := getm(c, "currency-"+nf.nu); m != nil {
			return m
		}
		return getm(c, "currency-latn")
	}
	w := nf.CompactDisplay
	if m := getm(c, "decimal-"+nf.nu, w); m != nil {
		return m
	}
	return getm(c, "decimal-latn", w)
}

func compactFor(pats obj, mag int, cat string) (string, bool) {
	p, _, ok := compactKey(pats, mag, cat)
	return p, ok
}

// compactKey also returns the magnitude of the CLDR key the pattern is for.
func compactKey(pats obj, mag int, cat string) (string, int, bool) {
	if mag < 3 {
		return "", 0, false
	}
	for m := min(mag, 14); m >= 3; m-- {
		key := "1" + strings.Repeat("0", m)
		p := gets(pats, key+"-count-"+cat)
		if p == "" {
			p = gets(pats, key+"-count-other")
		}
		if p != "" {
			if p == "0" {
				return "", 0, false
			}
			return p, m, true
		}
	}
	return "", 0, false
}

func (nf *NumberFormat) plural(ip, fp string, e int) string {
	return selectPlural(nf.rules, operandsOf(ip, fp, e))
}

func (nf *NumberFormat) layers(d decimal) layers {
	var l layers
	neg := d.neg
	basePat := nf.patternFor("decimalFormats")
	switch nf.Style {
	case "percent":
		basePat = nf.patternFor("percentFormats")
	case "unit":
		// ICU formats the percent unit with the locale's percent pattern
		if nf.Unit == "percent" {
			basePat = nf.patternFor("percentFormats")
		}
	case "currency":
		if nf.CurrencyDisplay != "name" {
			basePat = nf.patternFor("currencyFormats")
		}
	}
	pat := parseNumPattern(basePat)
	var ip, fp string
	var innerSuf, innerPre []Part
	pluralE := 0
	switch {
	case d.nan:
		l.num = []Part{{Type: "nan", Value: nf.symbol("nan")}}
		neg = false
	case d.inf:
		l.num = []Part{{Type: "infinity", Value: nf.symbol("infinity")}}
		ip = "inf"
	default:
		if nf.Style == "percent" {
			d = d.shift(2)
		}
		switch nf.Notation {
		case "scientific", "engineering":
			exp := 0
			var r decimal
			var mf int
			for range 2 {
				mag := d.magnitude()
				if nf.Notation == "engineering" {
					mag = floorDiv(mag, 3) * 3
				}
				exp = mag
				r, mf = nf.round(d.shift(-exp))
				lim := 1
				if nf.Notation == "engineering" {
					lim = 3
				}
				if r.isZero() || r.magnitude() < lim {
					break
				}
				d = r.shift(exp)
			}
			if d.isZero() {
				exp = 0
			}
			ip, fp = r.split(nf.MinInt, mf)
			d = r
			es := strconv.Itoa(exp)
			innerSuf = []Part{{Type: "exponentSeparator", Value: nf.symbol("exponential")}}
			if exp < 0 {
				innerSuf = append(innerSuf, Part{Type: "exponentMinusSign", Value: nf.symbol("minusSign")})
				es = es[1:]
			}
			innerSuf = append(innerSuf, Part{Type: "exponentInteger", Value: nf.translit(es)})
		case "compact":
			pats := nf.compactPatterns()
			var r decimal
			var mf int
			var cp string
			for range 2 {
				mag := d.magnitude()
				p, pm, ok := compactKey(pats, mag, "other")
				if !ok {
					r, mf = nf.round(d)
					if !r.isZero() && r.magnitude() > mag {
						d = r
						continue
					}
					cp = ""
					pluralE = 0
					break
				}
				np := parseNumPattern(p)
				div := pm - (np.zeros - 1)
				r, mf = nf.round(d.shift(-div))
				if !r.isZero() && r.magnitude()+div > mag {
					d = r.shift(div)
					continue
				}
				pluralE = div
				cip, cfp := r.split(1, mf)
				cp, _ = compactFor(pats, mag, selectPlural(nf.rules, operandsOf(cip, cfp, div)))
				break
			}
			ip, fp = r.split(nf.MinInt, mf)
			d = r
			if cp != "" {
				cpat := parseNumPattern(cp)
				// the compact pattern replaces the standard one's affixes, keeping its grouping
				cpat.g1, cpat.g2 = pat.g1, pat.g2
				if nf.Style == "currency" {
					pat = cpat
				} else {
					innerPre, innerSuf = nf.affixParts(cpat.pre, true), nf.affixParts(cpat.suf, true)
				}
			}
		default:
			r, mf := nf.round(d)
			d = r
			ip, fp = r.split(nf.MinInt, mf)
		}
		if d.isZero() && !d.neg {
			neg = false
		}
		l.num = nf.numberParts(ip, fp, pat)
	}
	// sign
	zero := !d.nan && !d.inf && d.isZero()
	showMinus, showPlus := false, false
	switch nf.SignDisplay {
	case "auto":
		showMinus = neg
	case "always":
		showMinus, showPlus = neg, !neg
	case "exceptZero":
		showMinus, showPlus = neg && !zero, !neg && !zero
	case "negative":
		showMinus = neg && !zero
	}
	if d.nan && (nf.SignDisplay == "always") {
		showPlus = true
	}
	if d.nan && nf.SignDisplay == "exceptZero" {
		showPlus = false
	}
	pre, suf := pat.pre, pat.suf
	switch {
	case showMinus && pat.hasNeg:
		pre, suf = pat.npre, pat.nsuf
	case showMinus:
		pre = append([]affixTok{{kind: "minusSign"}}, pre...)
	case showPlus:
		pre = append([]affixTok{{kind: "plusSign"}}, pre...)
	}
	l.midPre, l.midSuf = nf.affixParts(pre, false), nf.affixParts(suf, false)
	l.innerPre, l.innerSuf = innerPre, innerSuf
	nf.currencySpacing(&l)
	if nf.Style == "currency" && nf.CurrencyDisplay == "name" || nf.Style == "unit" && nf.Unit != "percent" {
		cat := "other"
		if ip != "" && ip != "inf" {
			cat = nf.plural(ip, fp, pluralE)
		}
		nf.outer(&l, cat)
	}
	return l
}

func floorDiv(a, b int) int {
	q := a / b
	if a%b != 0 && (a < 0) != (b < 0) {
		q--
	}
	return q
}

func (nf *NumberFormat) currencySpacing(l *layers) {
	sp := getm(nf.num, "currencyFormats-numberSystem-"+nf.nu, "currencySpacing")
	if sp == nil {
		sp = getm(nf.num, "currencyFormats-numberSystem-latn", "currencySpacing")
	}
	ins := gets(sp, "beforeCurrency", "insertBetween")
	notSymbol := func(r rune) bool { return !unicode.IsSymbol(r) && !unicode.In(r, unicode.Z) }
	numFirst, numLast := firstRune(Join(l.innerPre)+Join(l.num)), lastRune(Join(l.num)+Join(l.innerSuf))
	if n := len(l.midPre); n > 0 && l.midPre[n-1].Type == "currency" && len(l.innerPre) == 0 {
		if notSymbol(lastRune(l.midPre[n-1].Value)) && unicode.IsDigit(numFirst) {
			l.midPre = append(l.midPre, Part{Type: "literal", Value: ins})
		}
	}
	if len(l.midSuf) > 0 && l.midSuf[0].Type == "currency" && len(l.innerSuf) == 0 {
		if notSymbol(firstRune(l.midSuf[0].Value)) && unicode.IsDigit(numLast) {
			l.midSuf = append([]Part{{Type: "literal", Value: gets(sp, "afterCurrency", "insertBetween")}}, l.midSuf...)
		}
	}
}

func firstRune(s string) rune { r, _ := utf8.DecodeRuneInString(s); return r }
func lastRune(s string) rune  { r, _ := utf8.DecodeLastRuneInString(s); return r }

// outer wraps the number in a unit or currency-name pattern.
func (nf *NumberFormat) outer(l *layers, cat string) {
	var pattern, name string
	if nf.Style == "currency" {
		c := getm(section(nf.loc.Data, "cur"), nf.Currency)
		name = gets(c, "displayName-count-"+cat)
		if name == "" {
			name = gets(c, "displayName-count-other")
		}
		if name == "" {
			name = gets(c, "displayName")
		}
		if name == "" {
			name = nf.Currency
		}
		cf := getm(nf.num, "currencyFormats-numberSystem-"+nf.nu)
		if cf == nil {
			cf = getm(nf.num, "currencyFormats-numberSystem-latn")
		}
		pattern = gets(cf, "unitPattern-count-"+cat)
		if pattern == "" {
			pattern = gets(cf, "unitPattern-count-other")
		}
		pre, suf := splitPlaceholder(pattern, "{0}")
		l.outerPre = nameParts(pre, "{1}", name, "currency")
		l.outerSuf = nameParts(suf, "{1}", name, "currency")
		return
	}
	pattern = nf.unitPattern(nf.Unit, cat)
	if !strings.Contains(pattern, "{0}") {
		// the word carries the number (Arabic "يومان", two days)
		l.midPre, l.midSuf, l.innerPre, l.innerSuf, l.num = nil, nil, nil, nil, nil
		l.outerPre = unitParts(pattern)
		return
	}
	pre, suf := splitPlaceholder(pattern, "{0}")
	l.outerPre, l.outerSuf = unitParts(pre), unitParts(suf)
}

func (nf *NumberFormat) unitPattern(unit, cat string) string {
	units := getm(section(nf.loc.Data, "unit"), nf.UnitDisplay)
	pick := func(u obj, cat string) string {
		if p := gets(u, "unitPattern-count-"+cat); p != "" {
			return p
		}
		return gets(u, "unitPattern-count-other")
	}
	if u := getm(units, unit); u != nil {
		return pick(u, cat)
	}
	a, b, _ := strings.Cut(unit, "-per-")
	num := pick(getm(units, a), cat)
	den := getm(units, b)
	if per := gets(den, "perUnitPattern"); per != "" {
		return strings.Replace(per, "{0}", num, 1)
	}
	dn := strings.TrimSpace(strings.Replace(pick(den, "one"), "{0}", "", 1))
	cp := gets(units, "per", "compoundUnitPattern")
	return strings.Replace(strings.Replace(cp, "{0}", num, 1), "{1}", dn, 1)
}

func splitPlaceholder(p, ph string) (string, string) {
	a, b, _ := strings.Cut(p, ph)
	return a, b
}

func unitParts(s string) []Part {
	if s == "" {
		return nil
	}
	var out []Part
	lead := len(s) - len(strings.TrimLeftFunc(s, unicode.IsSpace))
	trail := len(strings.TrimRightFunc(s, unicode.IsSpace))
	if lead > 0 {
		out = append(out, Part{Type: "literal", Value: s[:lead]})
	}
	if trail > lead {
		out = append(out, Part{Type: "unit", Value: s[lead:trail]})
	}
	if trail < len(s) && trail > lead {
		out = append(out, Part{Type: "literal", Value: s[trail:]})
	}
	return out
}

func nameParts(s, ph, name, typ string) []Part {
	if s == "" {
		return nil
	}
	a, b, ok := strings.Cut(s, ph)
	if !ok {
		return []Part{{Type: "literal", Value: s}}
	}
	var out []Part
	if a != "" {
		out = append(out, Part{Type: "literal", Value: a})
	}
	out = append(out, Part{Type: typ, Value: name})
	if b != "" {
		out = append(out, Part{Type: "literal", Value: b})
	}
	return out
}

// FormatRangeToParts is ICU's range formatting with collapse "auto" and the
// approximately fallback, as ECMA-402 asks.
func (nf *NumberFormat) FormatRangeToParts(x, y Number) []Part {
	l1, l2 := nf.layers(x.decimal()), nf.layers(y.decimal())
	if Join(l1.flat()) == Join(l2.flat()) {
		l := l1
		approx := Part{Type: "approximatelySign", Value: nf.symbol("approximatelySign")}
		l.midPre = append([]Part{approx}, l.midPre...)
		return tagSource(l.flat(), "shared")
	}
	eq := func(a, b []Part) bool { return Join(a) == Join(b) }
	cps := func(ps ...[]Part) int {
		n := 0
		for _, p := range ps {
			n += utf8.RuneCountInString(Join(p))
		}
		return n
	}
	collapseOuter := eq(l1.outerPre, l2.outerPre) && eq(l1.outerSuf, l2.outerSuf)
	collapseMid := collapseOuter && eq(l1.midPre, l2.midPre) && eq(l1.midSuf, l2.midSuf) && cps(l1.midPre, l1.midSuf) > 1
	repeat := cps(l1.innerPre, l1.innerSuf) > 0 || !collapseMid && cps(l1.midPre, l1.midSuf) > 0 ||
		!collapseOuter && cps(l1.outerPre, l1.outerSuf) > 0
	rp := gets(nf.num, "miscPatterns-numberSystem-"+nf.nu, "range")
	if rp == "" {
		rp = gets(nf.num, "miscPatterns-numberSystem-latn", "range")
	}
	_, mid, _ := strings.Cut(rp, "{0}")
	mid, _, _ = strings.Cut(mid, "{1}")
	if repeat && !strings.HasPrefix(mid, " ") && !strings.HasSuffix(mid, " ") {
		mid = " " + mid + " "
	}
	inner := func(l layers) []Part {
		var out []Part
		if !collapseMid {
			out = append(out, l.midPre...)
		}
		out = append(out, l.innerPre...)
		out = append(out, l.num...)
		out = append(out, l.innerSuf...)
		if !collapseMid {
			out = append(out, l.midSuf...)
		}
		return out
	}
	a, b := inner(l1), inner(l2)
	if !collapseOuter {
		a = append(append(append([]Part{}, l1.outerPre...), a...), l1.outerSuf...)
		b = append(append(append([]Part{}, l2.outerPre...), b...), l2.outerSuf...)
	}
	var out []Part
	if collapseOuter {
		out = append(out, tagSource(l1.outerPre, "shared")...)
	}
	if collapseMid {
		out = append(out, tagSource(l1.midPre, "shared")...)
	}
	out = append(out, tagSource(a, "startRange")...)
	out = append(out, Part{Type: "literal", Value: mid, Source: "shared"})
	out = append(out, tagSource(b, "endRange")...)
	if collapseMid {
		out = append(out, tagSource(l1.midSuf, "shared")...)
	}
	if collapseOuter {
		out = append(out, tagSource(l1.outerSuf, "shared")...)
	}
	return out
}

func tagSource(ps []Part, src string) []Part {
	out := make([]Part, len(ps))
	for i, p := range ps {
		p.Source = src
		out[i] = p
	}
	return out
}
