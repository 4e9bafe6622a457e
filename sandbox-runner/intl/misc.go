package intl

import (
	"math"
	"slices"
	"strings"
	"unicode"

	"github.com/rivo/uniseg"
	"golang.org/x/text/collate"
	"golang.org/x/text/language"
	"golang.org/x/text/unicode/norm"
)

// PluralRules is Intl.PluralRules.
type PluralRules struct {
	loc   Locale
	Type  string
	nf    *NumberFormat
	rules []pluralRule
}

func NewPluralRules(locales []string, o Opts, def string) (*PluralRules, error) {
	loc, err := Resolve(locales, def)
	if err != nil {
		return nil, err
	}
	pr := &PluralRules{loc: loc}
	if _, err := getString(o, "Intl.PluralRules", "localeMatcher", []string{"lookup", "best fit"}, "best fit"); err != nil {
		return nil, err
	}
	if pr.Type, err = getString(o, "Intl.PluralRules", "type", []string{"cardinal", "ordinal"}, "cardinal"); err != nil {
		return nil, err
	}
	pr.nf = &NumberFormat{loc: loc, Style: "decimal", Notation: "standard", num: section(loc.Data, "num"), nu: "latn", UseGrouping: "false", SignDisplay: "auto"}
	if err := pr.nf.digitOptions(o, 0, 3); err != nil {
		return nil, err
	}
	pr.rules = plurals(loc.pluralKey(), pr.Type == "ordinal")
	return pr, nil
}

func (pr *PluralRules) Select(n float64) string {
	if math.IsNaN(n) || math.IsInf(n, 0) {
		return "other"
	}
	r, mf := pr.nf.round(decFromFloat(math.Abs(n)))
	ip, fp := r.split(1, mf)
	return selectPlural(pr.rules, operandsOf(ip, fp, 0))
}

func (pr *PluralRules) ResolvedOptions() Resolved {
	// V8 reports the locale of the plural data, which CLDR keys by language
	r := Resolved{{"locale", pr.loc.pluralKey()}, {"type", pr.Type}}
	for _, kv := range pr.nf.ResolvedOptions() {
		switch kv.Key {
		case "minimumIntegerDigits", "minimumFractionDigits", "maximumFractionDigits", "minimumSignificantDigits", "maximumSignificantDigits":
			r = append(r, kv)
		}
	}
	cats := pluralCategories(pr.rules)
	slices.Sort(cats[:len(cats)-1]) // V8 lists them alphabetically, "other" last
	return append(r, KV{"pluralCategories", cats})
}

// RelativeTimeFormat is Intl.RelativeTimeFormat.
type RelativeTimeFormat struct {
	loc          Locale
	Style, Num   string
	nf           *NumberFormat
	rel          obj
	numberingSys string
}

func NewRelativeTimeFormat(locales []string, o Opts, def string) (*RelativeTimeFormat, error) {
	const n = "Intl.RelativeTimeFormat"
	loc, err := Resolve(locales, def)
	if err != nil {
		return nil, err
	}
	r := &RelativeTimeFormat{loc: loc}
	if _, err := getString(o, n, "localeMatcher", []string{"lookup", "best fit"}, "best fit"); err != nil {
		return nil, err
	}
	nu, _ := o.String("numberingSystem")
	if r.Style, err = getString(o, n, "style", []string{"long", "short", "narrow"}, "long"); err != nil {
		return nil, err
	}
	if r.Num, err = getString(o, n, "numeric", []string{"always", "auto"}, "always"); err != nil {
		return nil, err
	}
	nopts := mapOpts{}
	if nu != "" {
		nopts["numberingSystem"] = nu
	}
	if r.nf, err = NewNumberFormat([]string{loc.withExt("nu")}, nopts, def); err != nil {
		return nil, err
	}
	r.rel = section(loc.Data, "rel")
	return r, nil
}

type mapOpts map[string]any

func (m mapOpts) String(k string) (string, bool) {
	v, ok := m[k]
	if !ok {
		return "", false
	}
	s, _ := v.(string)
	return s, true
}
func (m mapOpts) Number(k string) (float64, bool) { v, ok := m[k].(float64); return v, ok }
func (m mapOpts) Bool(k string) (bool, bool)      { v, ok := m[k].(bool); return v, ok }
func (m mapOpts) Value(k string) (any, bool)      { v, ok := m[k]; return v, ok }

var relUnits = []string{"second", "minute", "hour", "day", "week", "month", "quarter", "year"}

func (r *RelativeTimeFormat) FormatToParts(v float64, unit string) ([]Part, error) {
	u := strings.TrimSuffix(unit, "s")
	if !slices.Contains(relUnits, u) {
		return nil, rangeErr("Invalid unit argument for Intl.RelativeTimeFormat.prototype.format() '%s'", unit)
	}
	if math.IsNaN(v) || math.IsInf(v, 0) {
		return nil, rangeErr("Invalid time value")
	}
	key := u
	if r.Style != "long" {
		key += "-" + r.Style
	}
	f := getm(r.rel, key)
	if r.Num == "auto" && v == math.Trunc(v) && math.Abs(v) <= 3 {
		k := "relative-type-" + formatInt(int(v))
		if v == 0 && math.Signbit(v) {
			k = "relative-type-0"
		}
		if s := gets(f, k); s != "" {
			return []Part{{Type: "literal", Value: s}}, nil
		}
	}
	dir := "future"
	if v < 0 || v == 0 && math.Signbit(v) {
		dir = "past"
	}
	num := r.nf.FormatToParts(Number{F: math.Abs(v)})
	rd, mf := r.nf.round(decFromFloat(math.Abs(v)))
	ip, fp := rd.split(1, mf)
	cat := selectPlural(r.nf.rules, operandsOf(ip, fp, 0))
	pat := gets(f, "relativeTime-type-"+dir, "relativeTimePattern-count-"+cat)
	if pat == "" {
		pat = gets(f, "relativeTime-type-"+dir, "relativeTimePattern-count-other")
	}
	if !strings.Contains(pat, "{0}") {
		return []Part{{Type: "literal", Value: pat}}, nil
	}
	pre, suf := splitPlaceholder(pat, "{0}")
	var out []Part
	if pre != "" {
		out = append(out, Part{Type: "literal", Value: pre})
	}
	for _, p := range num {
		p.Source = u // unit, reported by the binding
		out = append(out, p)
	}
	if suf != "" {
		out = append(out, Part{Type: "literal", Value: suf})
	}
	return out, nil
}

func formatInt(i int) string {
	if i < 0 {
		return "-" + formatInt(-i)
	}
	return string(rune('0' + i))
}

func (r *RelativeTimeFormat) ResolvedOptions() Resolved {
	return Resolved{{"locale", r.loc.Tag}, {"style", r.Style}, {"numeric", r.Num}, {"numberingSystem", r.nf.nu}}
}

// ListFormat is Intl.ListFormat.
type ListFormat struct {
	loc         Locale
	Type, Style string
	pats        obj
}

func NewListFormat(locales []string, o Opts, def string) (*ListFormat, error) {
	const n = "Intl.ListFormat"
	loc, err := Resolve(locales, def)
	if err != nil {
		return nil, err
	}
	l := &ListFormat{loc: loc}
	if _, err := getString(o, n, "localeMatcher", []string{"lookup", "best fit"}, "best fit"); err != nil {
		return nil, err
	}
	if l.Type, err = getString(o, n, "type", []string{"conjunction", "disjunction", "unit"}, "conjunction"); err != nil {
		return nil, err
	}
	if l.Style, err = getString(o, n, "style", []string{"long", "short", "narrow"}, "long"); err != nil {
		return nil, err
	}
	key := "listPattern-type-" + map[string]string{"conjunction": "standard", "disjunction": "or", "unit": "unit"}[l.Type]
	if l.Style != "long" {
		key += "-" + l.Style
	}
	l.pats = getm(section(loc.Data, "list"), key)
	return l, nil
}

func (l *ListFormat) FormatToParts(items []string) []Part {
	el := func(s string) Part { return Part{Type: "element", Value: s} }
	switch len(items) {
	case 0:
		return nil
	case 1:
		return []Part{el(items[0])}
	case 2:
		return l.apply(gets(l.pats, "2"), []Part{el(items[0])}, []Part{el(items[1])})
	}
	acc := l.apply(gets(l.pats, "end"), []Part{el(items[len(items)-2])}, []Part{el(items[len(items)-1])})
	for i := len(items) - 3; i >= 0; i-- {
		p := gets(l.pats, "middle")
		if i == 0 {
			p = gets(l.pats, "start")
		}
		acc = l.apply(p, []Part{el(items[i])}, acc)
	}
	return l.fixSpanish(acc, items)
}

// fixSpanish: CLDR leaves the "y"→"e", "o"→"u" euphony to ICU's code for es
// (and similar for he); ICU applies it before words sounding i/o.
func (l *ListFormat) fixSpanish(ps []Part, items []string) []Part { return ps }

func (l *ListFormat) apply(p string, a, b []Part) []Part {
	x, rest, _ := strings.Cut(p, "{0}")
	mid, z, _ := strings.Cut(rest, "{1}")
	if l.loc.Lang == "es" && len(b) > 0 {
		first := strings.ToLower(b[0].Value)
		if strings.TrimSpace(mid) == "y" && (strings.HasPrefix(first, "i") || strings.HasPrefix(first, "hi")) && !strings.HasPrefix(first, "hie") {
			mid = strings.Replace(mid, "y", "e", 1)
		}
		if strings.TrimSpace(mid) == "o" && (strings.HasPrefix(first, "o") || strings.HasPrefix(first, "ho") || strings.HasPrefix(first, "8")) {
			mid = strings.Replace(mid, "o", "u", 1)
		}
	}
	var out []Part
	if x != "" {
		out = append(out, Part{Type: "literal", Value: x})
	}
	out = append(out, a...)
	out = append(out, Part{Type: "literal", Value: mid})
	out = append(out, b...)
	if z != "" {
		out = append(out, Part{Type: "literal", Value: z})
	}
	return out
}

func (l *ListFormat) ResolvedOptions() Resolved {
	return Resolved{{"locale", l.loc.Tag}, {"type", l.Type}, {"style", l.Style}}
}

// Collator is Intl.Collator over golang.org/x/text/collate.
type Collator struct {
	loc                           Locale
	Usage, Sensitivity, CaseFirst string
	IgnorePunctuation, Numeric    bool
	c                             *collate.Collator
}

func NewCollator(locales []string, o Opts, def string) (*Collator, error) {
	const n = "Intl.Collator"
	loc, err := Resolve(locales, def)
	if err != nil {
		return nil, err
	}
	c := &Collator{loc: loc}
	if c.Usage, err = getString(o, n, "usage", []string{"sort", "search"}, "sort"); err != nil {
		return nil, err
	}
	if _, err := getString(o, n, "localeMatcher", []string{"lookup", "best fit"}, "best fit"); err != nil {
		return nil, err
	}
	getString(o, n, "collation", nil, "")
	num, hasNum := o.Bool("numeric")
	if !hasNum {
		num = loc.Ext["kn"] == "true"
	}
	c.Numeric = num
	if c.CaseFirst, err = getString(o, n, "caseFirst", []string{"upper", "lower", "false"}, "false"); err != nil {
		return nil, err
	}
	if c.Sensitivity, err = getString(o, n, "sensitivity", []string{"base", "accent", "case", "variant"}, "variant"); err != nil {
		return nil, err
	}
	ip, _ := o.Bool("ignorePunctuation")
	c.IgnorePunctuation = ip
	var opts []collate.Option
	switch c.Sensitivity {
	case "base":
		opts = append(opts, collate.IgnoreCase, collate.IgnoreDiacritics, collate.IgnoreWidth)
	case "accent":
		opts = append(opts, collate.IgnoreCase, collate.IgnoreWidth)
	case "case":
		opts = append(opts, collate.IgnoreWidth)
	}
	if c.Numeric {
		opts = append(opts, collate.Numeric)
	}
	c.c = collate.New(language.Make(loc.Tag), opts...)
	return c, nil
}

func (c *Collator) Compare(a, b string) int {
	if c.IgnorePunctuation {
		a, b = stripPunct(a), stripPunct(b)
	}
	if c.Sensitivity == "case" {
		// x/text has no case level without accents: compare accent-free text
		a, b = stripMarks(a), stripMarks(b)
	}
	return c.c.CompareString(a, b)
}

func stripPunct(s string) string {
	return strings.Map(func(r rune) rune {
		if unicode.IsPunct(r) || unicode.IsSpace(r) {
			return -1
		}
		return r
	}, s)
}

func stripMarks(s string) string {
	return strings.Map(func(r rune) rune {
		if unicode.Is(unicode.Mn, r) {
			return -1
		}
		return r
	}, norm.NFD.String(s))
}

func (c *Collator) ResolvedOptions() Resolved {
	return Resolved{{"locale", c.loc.Tag}, {"usage", c.Usage}, {"sensitivity", c.Sensitivity},
		{"ignorePunctuation", c.IgnorePunctuation}, {"collation", "default"}, {"numeric", c.Numeric}, {"caseFirst", c.CaseFirst}}
}

// DisplayNames is Intl.DisplayNames.
type DisplayNames struct {
	loc                   Locale
	Style, Type, Fallback string
	LanguageDisplay       string
	names                 obj
}

func NewDisplayNames(locales []string, o Opts, def string) (*DisplayNames, error) {
	const n = "Intl.DisplayNames"
	loc, err := Resolve(locales, def)
	if err != nil {
		return nil, err
	}
	d := &DisplayNames{loc: loc}
	if _, err := getString(o, n, "localeMatcher", []string{"lookup", "best fit"}, "best fit"); err != nil {
		return nil, err
	}
	if d.Style, err = getString(o, n, "style", []string{"narrow", "short", "long"}, "long"); err != nil {
		return nil, err
	}
	if d.Type, err = getString(o, n, "type", []string{"language", "region", "script", "currency", "calendar", "dateTimeField"}, ""); err != nil {
		return nil, err
	}
	if d.Type == "" {
		return nil, typeErr("invalid_argument")
	}
	if d.Fallback, err = getString(o, n, "fallback", []string{"code", "none"}, "code"); err != nil {
		return nil, err
	}
	if d.LanguageDisplay, err = getString(o, n, "languageDisplay", []string{"dialect", "standard"}, "dialect"); err != nil {
		return nil, err
	}
	d.names = section(loc.Data, "names")
	return d, nil
}

// Of returns the display name; ok is false when there is none and the
// fallback is "none" (undefined).
func (d *DisplayNames) Of(code string) (string, bool, error) {
	alt := func(m obj, k string) string {
		if d.Style != "long" {
			if v := gets(m, k+"-alt-"+d.Style); v != "" {
				return v
			}
		}
		return gets(m, k)
	}
	var v string
	switch d.Type {
	case "region":
		if !validRegion(code) {
			return "", false, rangeErr("invalid_argument")
		}
		code = strings.ToUpper(code)
		v = alt(getm(d.names, "territories"), code)
	case "script":
		if len(code) != 4 {
			return "", false, rangeErr("invalid_argument")
		}
		code = strings.ToUpper(code[:1]) + strings.ToLower(code[1:])
		v = alt(getm(d.names, "scripts"), code)
	case "language":
		c, err := CanonicalizeLocale(code)
		if err != nil {
			return "", false, rangeErr("invalid_argument")
		}
		code = c
		langs := getm(d.names, "languages")
		if d.LanguageDisplay == "dialect" {
			v = alt(langs, code)
		}
		if v == "" {
			l := makeLocale(code)
			base := alt(langs, l.Lang)
			if base != "" && l.Region != "" {
				reg := alt(getm(d.names, "territories"), l.Region)
				if reg == "" {
					reg = l.Region
				}
				p := gets(d.names, "pattern", "localePattern")
				v = strings.Replace(strings.Replace(p, "{0}", base, 1), "{1}", reg, 1)
			} else if l.Region == "" {
				v = base
			}
		}
	case "currency":
		if len(code) != 3 {
			return "", false, rangeErr("invalid_argument")
		}
		code = strings.ToUpper(code)
		c := getm(section(d.loc.Data, "cur"), code)
		v = gets(c, "displayName")
	case "calendar":
		v = gets(d.names, "types", code)
		if code == "gregory" {
			v = gets(d.names, "types", "gregorian")
		}
	case "dateTimeField":
		k := map[string]string{"weekOfYear": "week", "dayPeriod": "dayperiod", "weekday": "weekday", "timeZoneName": "zone"}[code]
		if k == "" {
			k = code
		}
		if !slices.Contains([]string{"era", "year", "quarter", "month", "weekOfYear", "weekday", "day", "dayPeriod", "hour", "minute", "second", "timeZoneName"}, code) {
			return "", false, rangeErr("invalid_argument")
		}
		if d.Style != "long" {
			if s := gets(d.names, "fields", k+"-"+d.Style); s != "" {
				return s, true, nil
			}
		}
		v = gets(d.names, "fields", k)
	}
	if v == "" {
		if d.Fallback == "none" {
			return "", false, nil
		}
		return code, true, nil
	}
	return v, true, nil
}

func validRegion(s string) bool {
	if len(s) == 2 {
		return strings.IndexFunc(s, func(r rune) bool { return !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z') }) < 0
	}
	return len(s) == 3 && strings.IndexFunc(s, func(r rune) bool { return r < '0' || r > '9' }) < 0
}

func (d *DisplayNames) ResolvedOptions() Resolved {
	r := Resolved{{"locale", d.loc.Tag}, {"style", d.Style}, {"type", d.Type}, {"fallback", d.Fallback}}
	if d.Type == "language" {
		r = append(r, KV{"languageDisplay", d.LanguageDisplay})
	}
	return r
}

// Segmenter is Intl.Segmenter over rivo/uniseg (Unicode UAX #29).
type Segmenter struct {
	loc         Locale
	Granularity string
}

// Segment is one segment; WordLike is set for granularity "word".
type Segment struct {
	Segment  string
	Index    int // UTF-16 code unit index
	WordLike *bool
}

func NewSegmenter(locales []string, o Opts, def string) (*Segmenter, error) {
	loc, err := Resolve(locales, def)
	if err != nil {
		return nil, err
	}
	s := &Segmenter{loc: loc}
	if _, err := getString(o, "Intl.Segmenter", "localeMatcher", []string{"lookup", "best fit"}, "best fit"); err != nil {
		return nil, err
	}
	if s.Granularity, err = getString(o, "Intl.Segmenter", "granularity", []string{"grapheme", "word", "sentence"}, "grapheme"); err != nil {
		return nil, err
	}
	return s, nil
}

func utf16Len(s string) int {
	n := 0
	for _, r := range s {
		if r >= 0x10000 {
			n += 2
		} else {
			n++
		}
	}
	return n
}

func (s *Segmenter) Segments(str string) []Segment {
	var out []Segment
	idx := 0
	add := func(seg string, wl *bool) {
		out = append(out, Segment{Segment: seg, Index: idx, WordLike: wl})
		idx += utf16Len(seg)
	}
	switch s.Granularity {
	case "grapheme":
		g := uniseg.NewGraphemes(str)
		for g.Next() {
			add(g.Str(), nil)
		}
	case "word":
		state := -1
		rest := str
		for len(rest) > 0 {
			var w string
			w, rest, state = uniseg.FirstWordInString(rest, state)
			wl := strings.IndexFunc(w, func(r rune) bool {
				return r >= '0' && r <= '9' || r > 0x7f && !isSpace(r) && r != 0x3000 && !strings.ContainsRune("、。！？「」，．", r) || r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z'
			}) >= 0
			add(w, &wl)
		}
	default:
		state := -1
		rest := str
		for len(rest) > 0 {
			var w string
			w, rest, state = uniseg.FirstSentenceInString(rest, state)
			add(w, nil)
		}
	}
	return out
}

func (s *Segmenter) ResolvedOptions() Resolved {
	return Resolved{{"locale", s.loc.Tag}, {"granularity", s.Granularity}}
}

// SupportedValuesOf is Intl.supportedValuesOf for the keys this package
// knows values of.
func SupportedValuesOf(key string) ([]string, error) {
	supplemental()
	switch key {
	case "calendar":
		return []string{"gregory"}, nil
	case "collation":
		return []string{"default"}, nil
	case "currency":
		var out []string
		for c := range section("en", "cur") {
			if len(c) == 3 {
				out = append(out, c)
			}
		}
		slices.Sort(out)
		return out, nil
	case "numberingSystem":
		var out []string
		for k := range supp.Digits {
			out = append(out, k)
		}
		slices.Sort(out)
		return out, nil
	case "unit":
		return slices.Clone(sanctionedUnits), nil
	case "timeZone":
		var out []string
		for k := range metaZones() {
			out = append(out, k)
		}
		slices.Sort(out)
		return out, nil
	}
	return nil, rangeErr("Invalid key : %s", key)
}
