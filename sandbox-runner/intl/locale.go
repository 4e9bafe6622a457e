package intl

import (
	"slices"
	"strings"

	"golang.org/x/text/language"
)

// Opts reads one constructor's options bag; the binding converts values as
// ECMA-402's GetOption does (ToString, ToNumber, ToBoolean) and reports
// whether the property was undefined.
type Opts interface {
	String(name string) (string, bool)
	Number(name string) (float64, bool)
	Bool(name string) (bool, bool)
	// Value is the raw value (bool, float64, string; nil for null) for
	// options whose meaning depends on the type, such as useGrouping.
	Value(name string) (any, bool)
}

// NoOpts is an empty options bag.
type NoOpts struct{}

func (NoOpts) String(string) (string, bool)  { return "", false }
func (NoOpts) Number(string) (float64, bool) { return 0, false }
func (NoOpts) Bool(string) (bool, bool)      { return false, false }
func (NoOpts) Value(string) (any, bool)      { return nil, false }

// Locale is a negotiated locale.
type Locale struct {
	Tag    string            // as resolvedOptions().locale reports it
	Data   string            // the embedded CLDR locale whose data is used
	Lang   string            // language subtag
	Region string            // region subtag, if any
	Ext    map[string]string // -u- keywords the caller asked for
}

// CanonicalizeLocale is ECMA-402 CanonicalizeUnicodeLocaleId.
func CanonicalizeLocale(s string) (string, error) {
	if s == "" || strings.HasPrefix(s, "-") || strings.HasSuffix(s, "-") || strings.Contains(s, "_") {
		return "", rangeErr("Incorrect locale information provided")
	}
	c, ok := wellFormed(s)
	if !ok {
		return "", rangeErr("Incorrect locale information provided")
	}
	// x/text knows CLDR's aliases (iw → he, ...); it rejects well-formed
	// but unknown subtags, which ECMA-402 accepts as they are.
	if t, err := language.Parse(c); err == nil {
		return t.String(), nil
	}
	return c, nil
}

// wellFormed checks BCP 47 unicode_locale_id syntax and fixes the case.
func wellFormed(s string) (string, bool) {
	parts := strings.Split(strings.ToLower(s), "-")
	alpha := func(p string) bool { return strings.IndexFunc(p, func(r rune) bool { return r < 'a' || r > 'z' }) < 0 }
	digit := func(p string) bool { return strings.IndexFunc(p, func(r rune) bool { return r < '0' || r > '9' }) < 0 }
	alnum := func(p string) bool {
		return strings.IndexFunc(p, func(r rune) bool { return !(r >= 'a' && r <= 'z' || r >= '0' && r <= '9') }) < 0
	}
	l := parts[0]
	if !alpha(l) || !(len(l) >= 2 && len(l) <= 3 || len(l) >= 5 && len(l) <= 8) {
		return "", false
	}
	i := 1
	if i < len(parts) && len(parts[i]) == 4 && alpha(parts[i]) {
		parts[i] = strings.ToUpper(parts[i][:1]) + parts[i][1:]
		i++
	}
	if i < len(parts) && (len(parts[i]) == 2 && alpha(parts[i]) || len(parts[i]) == 3 && digit(parts[i])) {
		parts[i] = strings.ToUpper(parts[i])
		i++
	}
	for ; i < len(parts) && len(parts[i]) != 1; i++ {
		p := parts[i]
		if !alnum(p) || !(len(p) >= 5 && len(p) <= 8 || len(p) == 4 && p[0] >= '0' && p[0] <= '9') {
			return "", false
		}
	}
	for i < len(parts) {
		if len(parts[i]) != 1 || !alnum(parts[i]) {
			return "", false
		}
		private := parts[i] == "x"
		i++
		n := 0
		for ; i < len(parts) && (private || len(parts[i]) > 1); i++ {
			if !alnum(parts[i]) || len(parts[i]) > 8 || !private && len(parts[i]) < 2 {
				return "", false
			}
			n++
		}
		if n == 0 {
			return "", false
		}
	}
	return strings.Join(parts, "-"), true
}

// CanonicalizeList is CanonicalizeLocaleList over already stringified tags.
func CanonicalizeList(tags []string) ([]string, error) {
	var out []string
	for _, s := range tags {
		c, err := CanonicalizeLocale(s)
		if err != nil {
			return nil, err
		}
		if !slices.Contains(out, c) {
			out = append(out, c)
		}
	}
	return out, nil
}

// supported reports whether CLDR data for the tag's language is embedded.
func supported(tag string) bool {
	supplemental()
	return slices.Contains(supp.Locales, langOf(tag))
}

// SupportedLocales is supportedLocalesOf: the canonical tags that resolve to
// embedded data.
func SupportedLocales(tags []string) ([]string, error) {
	list, err := CanonicalizeList(tags)
	if err != nil {
		return nil, err
	}
	out := []string{}
	for _, t := range list {
		if supported(t) {
			out = append(out, t)
		}
	}
	return out, nil
}

// Resolve negotiates requested (raw tags) against the embedded locales,
// falling back to def (itself falling back to en-US).
func Resolve(requested []string, def string) (Locale, error) {
	list, err := CanonicalizeList(requested)
	if err != nil {
		return Locale{}, err
	}
	for _, t := range list {
		if supported(t) {
			return makeLocale(t), nil
		}
	}
	if c, err := CanonicalizeLocale(def); err == nil && supported(c) {
		return makeLocale(c), nil
	}
	return makeLocale("en-US"), nil
}

func makeLocale(tag string) Locale {
	l := Locale{Ext: map[string]string{}}
	base := tag
	if i := strings.Index(tag, "-u-"); i >= 0 {
		base = tag[:i]
		rest := tag[i+3:]
		if j := strings.Index(rest, "-x-"); j >= 0 {
			rest = rest[:j]
		}
		key := ""
		for _, p := range strings.Split(rest, "-") {
			if len(p) == 2 {
				key = p
				l.Ext[key] = "true"
			} else if key != "" {
				if l.Ext[key] == "true" {
					l.Ext[key] = p
				} else {
					l.Ext[key] += "-" + p
				}
			}
		}
	} else if i := strings.Index(tag, "-x-"); i >= 0 {
		base = tag[:i]
	}
	l.Tag = base
	parts := strings.Split(base, "-")
	l.Lang = parts[0]
	script := ""
	for _, p := range parts[1:] {
		switch {
		case len(p) == 4 && script == "" && l.Region == "":
			script = p
		case len(p) == 2 || len(p) == 3 && p[0] >= '0' && p[0] <= '9':
			l.Region = p
		}
	}
	supplemental()
	if script == "" && l.Region != "" {
		script = supp.Scripts[l.Lang+"-"+l.Region]
	}
	// CLDR's lookup: language-script-region, language-script, then
	// language-region and its parent locale, then the language.
	var cands []string
	if script != "" {
		if l.Region != "" {
			cands = append(cands, l.Lang+"-"+script+"-"+l.Region)
		}
		cands = append(cands, l.Lang+"-"+script)
	}
	if l.Region != "" {
		cand := l.Lang + "-" + l.Region
		cands = append(cands, cand)
		if p, ok := supp.Parents[cand]; ok {
			cands = append(cands, p)
		}
	}
	l.Data = l.Lang
	for _, c := range cands {
		if slices.Contains(supp.Locales, c) {
			l.Data = c
			break
		}
	}
	return l
}

// pluralKey is the id of the locale's plural rules: its own where CLDR
// gives the region different rules (pt-PT), else the language's.
func (l Locale) pluralKey() string {
	if l.Data != l.Lang {
		if _, err := data.Open("data/supp/lang-" + l.Data + ".json.gz"); err == nil {
			return l.Data
		}
	}
	return l.Lang
}

// withExt re-attaches the -u- keywords a formatter honoured, sorted by key as
// ICU prints them.
func (l Locale) withExt(keys ...string) string {
	var kv []string
	for _, k := range keys {
		if v, ok := l.Ext[k]; ok {
			if v == "true" {
				kv = append(kv, k)
			} else {
				kv = append(kv, k+"-"+v)
			}
		}
	}
	if len(kv) == 0 {
		return l.Tag
	}
	slices.Sort(kv)
	return l.Tag + "-u-" + strings.Join(kv, "-")
}

// option helpers with V8's messages.

func getString(o Opts, ctor, name string, allowed []string, def string) (string, error) {
	v, ok := o.String(name)
	if !ok {
		return def, nil
	}
	if allowed != nil && !slices.Contains(allowed, v) {
		return "", rangeErr("Value %s out of range for %s options property %s", v, ctor, name)
	}
	return v, nil
}

func getNumber(o Opts, name string, lo, hi int, def int) (int, bool, error) {
	v, ok := o.Number(name)
	if !ok {
		return def, false, nil
	}
	if v != v || v < float64(lo) || v > float64(hi) {
		return 0, false, rangeErr("%s value is out of range.", name)
	}
	return int(v), true, nil
}
