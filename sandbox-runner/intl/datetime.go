package intl

import (
	"math"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"
	_ "time/tzdata" // the confined runner opens no files: zones are compiled in
)

const dtfName = "Intl.DateTimeFormat"

// DateTimeFormat is a resolved Intl.DateTimeFormat.
type DateTimeFormat struct {
	loc       Locale
	date      obj
	nu        string
	digits    []rune
	TimeZone  string
	zone      *time.Location
	hourCycle string
	hour12Set bool
	DateStyle string
	TimeStyle string
	pattern   string
	skeleton  string // the matched availableFormats key (for intervals)
	fields    map[string]string
	fsd       int
}

var dtfComponents = []struct {
	name    string
	allowed []string
}{
	{"weekday", []string{"narrow", "short", "long"}},
	{"era", []string{"narrow", "short", "long"}},
	{"year", []string{"2-digit", "numeric"}},
	{"month", []string{"2-digit", "numeric", "narrow", "short", "long"}},
	{"day", []string{"2-digit", "numeric"}},
	{"dayPeriod", []string{"narrow", "short", "long"}},
	{"hour", []string{"2-digit", "numeric"}},
	{"minute", []string{"2-digit", "numeric"}},
	{"second", []string{"2-digit", "numeric"}},
	{"fractionalSecondDigits", nil},
	{"timeZoneName", []string{"short", "long", "shortOffset", "longOffset", "shortGeneric", "longGeneric"}},
}

// zones caches loaded zones: time.LoadLocation reads the embedded tzdata
// archive on every call.
var (
	zonesMu sync.Mutex
	zones   = map[string]zone{}
)

type zone struct {
	name string
	loc  *time.Location
}

// CanonicalTimeZone validates an IANA zone name as V8 does.
func CanonicalTimeZone(tz string) (string, *time.Location, error) {
	switch strings.ToUpper(tz) {
	case "UTC", "ETC/UTC", "ETC/GMT", "GMT", "ETC/UCT", "UCT", "ETC/ZULU", "ZULU", "ETC/UNIVERSAL", "UNIVERSAL":
		return "UTC", time.UTC, nil
	}
	if tz == "" || tz == "Local" || strings.HasPrefix(tz, "/") || strings.Contains(tz, "..") {
		return "", nil, rangeErr("Invalid time zone specified: %s", tz)
	}
	zonesMu.Lock()
	defer zonesMu.Unlock()
	if z, ok := zones[tz]; ok {
		return z.name, z.loc, nil
	}
	name := tz
	loc, err := time.LoadLocation(name)
	if err != nil {
		// IANA ids are case-insensitive in ECMA-402; CLDR lists them all
		for k := range metaZones() {
			if strings.EqualFold(k, tz) {
				name = k
				break
			}
		}
		if loc, err = time.LoadLocation(name); err != nil {
			return "", nil, rangeErr("Invalid time zone specified: %s", tz)
		}
	}
	zones[tz] = zone{name, loc}
	return name, loc, nil
}

// NewDateTimeFormat is CreateDateTimeFormat; required and defaults are
// "date", "time", "any" / "date", "time", "all" as the spec's callers pass.
func NewDateTimeFormat(locales []string, o Opts, defLocale, defTZ, required, defaults string) (*DateTimeFormat, error) {
	loc, err := Resolve(locales, defLocale)
	if err != nil {
		return nil, err
	}
	df := &DateTimeFormat{loc: loc, fields: map[string]string{}}
	if _, err := getString(o, dtfName, "localeMatcher", []string{"lookup", "best fit"}, "best fit"); err != nil {
		return nil, err
	}
	getString(o, dtfName, "calendar", nil, "")
	nu, _ := getString(o, dtfName, "numberingSystem", nil, "")
	h12, hasH12 := o.Bool("hour12")
	hc, err := getString(o, dtfName, "hourCycle", []string{"h11", "h12", "h23", "h24"}, "")
	if err != nil {
		return nil, err
	}
	if hc == "" {
		if v := loc.Ext["hc"]; slices.Contains([]string{"h11", "h12", "h23", "h24"}, v) {
			hc = v
		}
	}
	tz, hasTZ := o.String("timeZone")
	if !hasTZ {
		tz = defTZ
	}
	if df.TimeZone, df.zone, err = CanonicalTimeZone(tz); err != nil {
		return nil, err
	}
	any := false
	for _, c := range dtfComponents {
		if c.name == "fractionalSecondDigits" {
			n, has, err := getNumber(o, c.name, 1, 3, 0)
			if err != nil {
				return nil, err
			}
			if has {
				df.fsd = n
				any = true
			}
			continue
		}
		v, err := getString(o, dtfName, c.name, c.allowed, "")
		if err != nil {
			return nil, err
		}
		if v != "" {
			df.fields[c.name] = v
			any = true
		}
	}
	if _, err := getString(o, dtfName, "formatMatcher", []string{"basic", "best fit"}, "best fit"); err != nil {
		return nil, err
	}
	styles := []string{"full", "long", "medium", "short"}
	if df.DateStyle, err = getString(o, dtfName, "dateStyle", styles, ""); err != nil {
		return nil, err
	}
	if df.TimeStyle, err = getString(o, dtfName, "timeStyle", styles, ""); err != nil {
		return nil, err
	}
	df.date = section(loc.Data, "date")
	num := section(loc.Data, "num")
	supplemental()
	df.nu = gets(num, "defaultNumberingSystem")
	for _, cand := range []string{nu, loc.Ext["nu"]} {
		if _, ok := supp.Digits[cand]; ok && cand != "" {
			df.nu = cand
		}
	}
	df.digits = []rune(supp.Digits[df.nu])
	// the locale's own cycle, from its short time pattern
	localeHC := hourCycleOf(gets(df.date, "timeFormats", "short"))
	if hasH12 {
		df.hour12Set = true
		// V8's rule (not the locale's preferred 12/24-hour cycle): h11 or
		// h23 locales get h11/h23, the others h12/h24.
		low := localeHC == "h11" || localeHC == "h23"
		switch {
		case h12 && low:
			hc = "h11"
		case h12:
			hc = "h12"
		case low:
			hc = "h23"
		default:
			hc = "h24"
		}
	}
	if df.DateStyle != "" || df.TimeStyle != "" {
		if any {
			for _, c := range dtfComponents {
				if _, ok := df.fields[c.name]; ok || c.name == "fractionalSecondDigits" && df.fsd > 0 {
					style := "dateStyle"
					if df.DateStyle == "" {
						style = "timeStyle"
					}
					return nil, typeErr("Can't set option %s when %s is used", c.name, style)
				}
			}
		}
		if required == "date" && df.DateStyle == "" || required == "time" && df.TimeStyle == "" {
			return nil, typeErr("Invalid option : %s", map[string]string{"date": "dateStyle", "time": "timeStyle"}[required])
		}
		df.pattern = df.stylePattern()
		if df.TimeStyle == "" {
			df.skeleton = gets(df.date, "dateSkeletons", df.DateStyle)
		} else if df.DateStyle == "" {
			df.skeleton = gets(df.date, "timeSkeletons", df.TimeStyle)
		}
	} else {
		need := true
		for _, k := range []string{"weekday", "year", "month", "day"} {
			if _, ok := df.fields[k]; ok && (required == "date" || required == "any") {
				need = false
			}
		}
		for _, k := range []string{"dayPeriod", "hour", "minute", "second"} {
			if _, ok := df.fields[k]; ok && (required == "time" || required == "any") {
				need = false
			}
		}
		if df.fsd > 0 && (required == "time" || required == "any") {
			need = false
		}
		if need && (defaults == "date" || defaults == "all") {
			df.fields["year"], df.fields["month"], df.fields["day"] = "numeric", "numeric", "numeric"
		}
		if need && (defaults == "time" || defaults == "all") {
			df.fields["hour"], df.fields["minute"], df.fields["second"] = "numeric", "numeric", "numeric"
		}
		df.pattern = df.bestPattern(df.skeletonFor(hc, localeHC))
	}
	df.pattern = applyHourCycle(df.pattern, hc)
	df.hourCycle = hourCycleOf(df.pattern)
	return df, nil
}

func hourCycleOf(p string) string {
	for _, r := range stripQuoted(p) {
		switch r {
		case 'h':
			return "h12"
		case 'H':
			return "h23"
		case 'K':
			return "h11"
		case 'k':
			return "h24"
		}
	}
	return ""
}

func stripQuoted(p string) string {
	var b strings.Builder
	q := false
	for _, r := range p {
		if r == '\'' {
			q = !q
			continue
		}
		if !q {
			b.WriteRune(r)
		}
	}
	return b.String()
}

// applyHourCycle rewrites the hour letters to the requested cycle and drops
// the day period for 24-hour cycles, as V8 does after pattern generation.
func applyHourCycle(p, hc string) string {
	if hc == "" || hourCycleOf(p) == "" || hourCycleOf(p) == hc {
		return p
	}
	want := map[string]rune{"h11": 'K', "h12": 'h', "h23": 'H', "h24": 'k'}[hc]
	var b strings.Builder
	q := false
	for _, r := range p {
		if r == '\'' {
			q = !q
		}
		if !q && strings.ContainsRune("hHKk", r) {
			r = want
		}
		b.WriteRune(r)
	}
	out := b.String()
	if hc == "h23" || hc == "h24" {
		out = removeDayPeriod(out)
	}
	return out
}

func removeDayPeriod(p string) string {
	rs := []rune(p)
	var out []rune
	q := false
	for i := 0; i < len(rs); i++ {
		r := rs[i]
		if r == '\'' {
			q = !q
		}
		if !q && (r == 'a' || r == 'b' || r == 'B') {
			// drop the letter run and the space joining it
			for i+1 < len(rs) && rs[i+1] == r {
				i++
			}
			if n := len(out); n > 0 && isSpace(out[n-1]) {
				out = out[:n-1]
			} else if i+1 < len(rs) && isSpace(rs[i+1]) {
				i++
			}
			continue
		}
		out = append(out, r)
	}
	return strings.TrimSpace(string(out))
}

func isSpace(r rune) bool { return r == ' ' || r == '\u00a0' || r == '\u202f' }

func (df *DateTimeFormat) stylePattern() string {
	d := gets(df.date, "dateFormats", df.DateStyle)
	t := gets(df.date, "timeFormats", df.TimeStyle)
	if df.DateStyle == "" {
		return t
	}
	if df.TimeStyle == "" {
		return d
	}
	glue := gets(df.date, "atTime", df.DateStyle)
	if glue == "" {
		glue = gets(df.date, "dateTimeFormats", df.DateStyle)
	}
	return strings.Replace(strings.Replace(glue, "{1}", d, 1), "{0}", t, 1)
}

func (df *DateTimeFormat) skeletonFor(hc, localeHC string) string {
	var b strings.Builder
	w := func(s string) { b.WriteString(s) }
	text := map[string]string{"narrow": "5", "short": "3", "long": "4"}
	rep := func(c byte, n string) {
		k, _ := strconv.Atoi(n)
		w(strings.Repeat(string(c), k))
	}
	if v, ok := df.fields["era"]; ok {
		rep('G', text[v])
	}
	if v, ok := df.fields["year"]; ok {
		w(map[string]string{"numeric": "y", "2-digit": "yy"}[v])
	}
	if v, ok := df.fields["month"]; ok {
		w(map[string]string{"numeric": "M", "2-digit": "MM", "short": "MMM", "long": "MMMM", "narrow": "MMMMM"}[v])
	}
	if v, ok := df.fields["weekday"]; ok {
		rep('E', text[v])
	}
	if v, ok := df.fields["day"]; ok {
		w(map[string]string{"numeric": "d", "2-digit": "dd"}[v])
	}
	if v, ok := df.fields["hour"]; ok {
		c := "j"
		switch hc {
		case "h11", "h12":
			c = "h"
		case "h23", "h24":
			c = "H"
		}
		if c == "j" {
			c = map[string]string{"h11": "h", "h12": "h", "h23": "H", "h24": "H", "": "h"}[localeHC]
		}
		if v == "2-digit" {
			c += c
		}
		w(c)
	}
	if v, ok := df.fields["dayPeriod"]; ok {
		// a 24-hour clock shows no day period
		if _, hour := df.fields["hour"]; !hour || !strings.Contains(b.String(), "H") {
			rep('B', map[string]string{"narrow": "5", "short": "1", "long": "4"}[v])
		}
	}
	if v, ok := df.fields["minute"]; ok {
		w(map[string]string{"numeric": "m", "2-digit": "mm"}[v])
	}
	if v, ok := df.fields["second"]; ok {
		w(map[string]string{"numeric": "s", "2-digit": "ss"}[v])
	}
	if df.fsd > 0 {
		w(strings.Repeat("S", df.fsd))
	}
	if v, ok := df.fields["timeZoneName"]; ok {
		w(map[string]string{"short": "z", "long": "zzzz", "shortOffset": "O", "longOffset": "OOOO", "shortGeneric": "v", "longGeneric": "vvvv"}[v])
	}
	return b.String()
}

// field is one run of a pattern letter.
type field struct {
	c rune
	n int
}

func skelFields(s string) []field {
	var out []field
	for _, r := range s {
		if n := len(out); n > 0 && out[n-1].c == r {
			out[n-1].n++
			continue
		}
		out = append(out, field{r, 1})
	}
	return out
}

// fieldType groups letters that fill the same slot (ICU's dtTypes).
func fieldType(c rune) rune {
	switch c {
	case 'L':
		return 'M'
	case 'c', 'e':
		return 'E'
	case 'H', 'K', 'k', 'j':
		return 'h'
	case 'b', 'B':
		return 'a'
	case 'z', 'v', 'O', 'V':
		return 'z'
	case 'Y', 'u', 'r':
		return 'y'
	}
	return c
}

func isText(f field) bool {
	switch fieldType(f.c) {
	case 'M':
		return f.n >= 3
	case 'E', 'G', 'a', 'z':
		return true
	}
	return false
}

// bestPattern is a condensed DateTimePatternGenerator.getBestPattern with
// V8's UDATPG_MATCH_HOUR_FIELD_LENGTH: split date and time, match each
// against availableFormats, adjust widths, join with dateTimeFormats.
func (df *DateTimeFormat) bestPattern(skel string) string {
	fs := skelFields(skel)
	// a pattern made for the whole skeleton (like "Eh") beats a split
	if p, k, d := df.matchAll(fs); d < 0x100 {
		df.skeleton = k
		return p
	}
	var dateF, timeF []field
	for _, f := range fs {
		if strings.ContainsRune("GyMEd", fieldType(f.c)) {
			dateF = append(dateF, f)
		} else {
			timeF = append(timeF, f)
		}
	}
	// a lone day period next to an hour belongs to the hour's pattern
	dp, tp := "", ""
	if len(dateF) > 0 {
		dp, df.skeleton = df.match(dateF)
	}
	if len(timeF) > 0 {
		var k string
		tp, k = df.match(timeF)
		if df.skeleton == "" {
			df.skeleton = k
		} else {
			df.skeleton += k
		}
	}
	if dp == "" {
		return tp
	}
	if tp == "" {
		return dp
	}
	style := "short"
	for _, f := range dateF {
		if fieldType(f.c) == 'M' && f.n == 4 {
			style = "long"
			if slices.ContainsFunc(dateF, func(g field) bool { return g.c == 'E' }) {
				style = "full"
			}
		} else if fieldType(f.c) == 'M' && f.n == 3 && style == "short" {
			style = "medium"
		}
	}
	// ICU 72+ joins with CLDR's atTime patterns where the locale has them
	glue := gets(df.date, "atTime", style)
	if glue == "" {
		glue = gets(df.date, "dateTimeFormats", style)
	}
	return strings.Replace(strings.Replace(glue, "{1}", dp, 1), "{0}", tp, 1)
}

// candidate is one pattern the generator may pick, with its skeleton.
type candidate struct {
	key     string
	fields  []field
	pattern string
}

var (
	candMu    sync.Mutex
	candCache = map[string][]candidate{}
)

// candidates is ICU's DateTimePatternGenerator pattern map: the locale's
// availableFormats, plus its date and time style patterns under skeletons
// read from the patterns themselves (availableFormats win a shared
// skeleton). Built once per data locale, sorted for a stable tie-break.
func (df *DateTimeFormat) candidates() []candidate {
	candMu.Lock()
	defer candMu.Unlock()
	if c, ok := candCache[df.loc.Data]; ok {
		return c
	}
	var out []candidate
	seen := map[string]bool{}
	avail := getm(df.date, "dateTimeFormats", "availableFormats")
	for k, v := range avail {
		p, _ := v.(string)
		if strings.Contains(k, "-alt-") || strings.Contains(k, "-count-") || p == "" {
			continue
		}
		out = append(out, candidate{k, skelFields(k), p})
		seen[k] = true
	}
	for _, group := range []string{"dateFormats", "timeFormats"} {
		for _, style := range []string{"full", "long", "medium", "short"} {
			p := gets(df.date, group, style)
			if p == "" {
				continue
			}
			var b strings.Builder
			for _, f := range skelFields(patternLetters(p)) {
				b.WriteString(strings.Repeat(string(skeletonChar(f.c)), f.n))
			}
			if k := b.String(); k != "" && !seen[k] {
				out = append(out, candidate{k, skelFields(k), p})
				seen[k] = true
			}
		}
	}
	slices.SortFunc(out, func(a, b candidate) int { return strings.Compare(a.key, b.key) })
	candCache[df.loc.Data] = out
	return out
}

// patternLetters keeps a pattern's field letters, dropping literals.
func patternLetters(p string) string {
	var b strings.Builder
	for _, r := range stripQuoted(p) {
		if r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' {
			b.WriteRune(r)
		}
	}
	return b.String()
}

// skeletonChar maps pattern letters to the skeleton letters ICU files them
// under (stand-alone forms under the format ones).
func skeletonChar(c rune) rune {
	switch c {
	case 'L':
		return 'M'
	case 'c':
		return 'E'
	}
	return c
}

func (df *DateTimeFormat) best(want []field) (candidate, int) {
	best, bestD := candidate{}, math.MaxInt
	for _, c := range df.candidates() {
		if d := distance(want, c.fields); d < bestD {
			best, bestD = c, d
		}
	}
	return best, bestD
}

func (df *DateTimeFormat) matchAll(want []field) (string, string, int) {
	c, d := df.best(want)
	if c.key == "" {
		return "", "", d
	}
	return adjust(c.pattern, want, c.fields), c.key, d
}

func (df *DateTimeFormat) match(want []field) (string, string) {
	c, bestD := df.best(want)
	bestKey := c.key
	if bestKey == "" || bestD >= math.MaxInt-1 {
		var b strings.Builder
		for _, f := range want {
			b.WriteString(strings.Repeat(string(f.c), f.n))
		}
		return b.String(), ""
	}
	p := adjust(c.pattern, want, c.fields)
	// fields the best match lacks are appended with appendItems
	have := skelFields(bestKey)
	for _, f := range want {
		if !slices.ContainsFunc(have, func(g field) bool { return fieldType(g.c) == fieldType(f.c) }) {
			name := map[rune]string{'G': "Era", 'y': "Year", 'M': "Month", 'E': "Day-Of-Week", 'd': "Day", 'h': "Hour", 'm': "Minute", 's': "Second", 'z': "Timezone", 'S': "Second"}[fieldType(f.c)]
			if fieldType(f.c) == 'S' {
				// fractional seconds follow the seconds with the decimal sign
				dec := gets(section(df.loc.Data, "num"), "symbols-numberSystem-"+df.nu, "decimal")
				if dec == "" {
					dec = "."
				}
				p = strings.Replace(p, "ss", "ss'"+dec+"'"+strings.Repeat("S", f.n), 1)
				continue
			}
			if fieldType(f.c) == 'a' {
				continue
			}
			item := gets(df.date, "dateTimeFormats", "appendItems", name)
			if item == "" {
				item = "{0} {1}"
			}
			item = strings.Replace(item, "{0}", p, 1)
			item = strings.Replace(item, "{1}", strings.Repeat(string(f.c), f.n), 1)
			fieldKey := map[string]string{"Era": "era", "Year": "year", "Month": "month", "Day-Of-Week": "weekday", "Day": "day", "Hour": "hour", "Minute": "minute", "Second": "second", "Timezone": "zone"}[name]
			label := gets(section(df.loc.Data, "rel"), fieldKey, "displayName")
			p = strings.Replace(item, "{2}", "'"+strings.ReplaceAll(label, "'", "''")+"'", 1)
		}
	}
	return p, bestKey
}

func distance(want, have []field) int {
	d := 0
	for _, h := range have {
		if !slices.ContainsFunc(want, func(w field) bool { return fieldType(w.c) == fieldType(h.c) }) {
			if fieldType(h.c) == 'a' && slices.ContainsFunc(want, func(w field) bool { return fieldType(w.c) == 'h' }) {
				if h.c == 'B' {
					d += 0x10
				}
				continue
			}
			return math.MaxInt - 1
		}
	}
	hasHour := slices.ContainsFunc(have, func(h field) bool { return fieldType(h.c) == 'h' })
	for _, w := range want {
		i := slices.IndexFunc(have, func(h field) bool { return fieldType(h.c) == fieldType(w.c) })
		if i < 0 {
			// interval skeletons leave the am/pm marker implied by h
			if fieldType(w.c) == 'a' && w.c == 'a' && hasHour {
				continue
			}
			d += 0x1000
			continue
		}
		h := have[i]
		// ICU files z/v/O and a/B as different kinds of the same field
		if (fieldType(w.c) == 'a' || fieldType(w.c) == 'z') && h.c != w.c {
			d += 0x10
		}
		if fieldType(w.c) == 'h' && h.c != w.c && !(w.c == 'h' && h.c == 'K' || w.c == 'H' && h.c == 'k') {
			d += 0x100
		}
		if isText(w) != isText(h) {
			d += 0x100
		}
		d += abs(w.n - h.n)
	}
	return d
}

func abs(x int) int {
	if x < 0 {
		return -x
	}
	return x
}

// adjust widens or narrows the pattern's fields to the requested widths
// (minutes and seconds keep the pattern's width, as ICU does).
func adjust(p string, want, key []field) string {
	var b strings.Builder
	rs := []rune(p)
	q := false
	for i := 0; i < len(rs); i++ {
		r := rs[i]
		if r == '\'' {
			q = !q
			b.WriteRune(r)
			continue
		}
		if q || !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z') {
			b.WriteRune(r)
			continue
		}
		n := 1
		for i+1 < len(rs) && rs[i+1] == r {
			n++
			i++
		}
		f := field{r, n}
		j := slices.IndexFunc(want, func(w field) bool { return fieldType(w.c) == fieldType(r) })
		if j >= 0 && fieldType(r) == 'z' {
			f = want[j]
		} else if ki := slices.IndexFunc(key, func(k field) bool { return fieldType(k.c) == fieldType(r) }); j >= 0 && ki >= 0 && key[ki] == want[j] {
			// the skeleton asked for what this pattern was made for: keep it
		} else if j >= 0 && fieldType(r) != 'm' && fieldType(r) != 's' && fieldType(r) != 'a' {
			w := want[j]
			if isText(w) == isText(f) {
				f.n = w.n
			}
			if fieldType(r) == 'h' {
				f.n = w.n
			}
		}
		b.WriteString(strings.Repeat(string(f.c), f.n))
	}
	return b.String()
}

// ResolvedOptions reports what the pattern shows, as V8 does.
func (df *DateTimeFormat) ResolvedOptions() Resolved {
	r := Resolved{{"locale", df.loc.withExt("nu", "hc")}, {"calendar", "gregory"}, {"numberingSystem", df.nu}, {"timeZone", df.TimeZone}}
	if df.hourCycle != "" {
		r = append(r, KV{"hourCycle", df.hourCycle}, KV{"hour12", df.hourCycle == "h11" || df.hourCycle == "h12"})
	}
	if df.DateStyle == "" && df.TimeStyle == "" {
		fs := skelFields(stripQuoted(df.pattern))
		get := func(t rune) (field, bool) {
			i := slices.IndexFunc(fs, func(f field) bool { return fieldType(f.c) == t })
			if i < 0 {
				return field{}, false
			}
			return fs[i], true
		}
		text := func(n int) string {
			return map[int]string{1: "short", 2: "short", 3: "short", 4: "long", 5: "narrow"}[n]
		}
		num := func(n int) string {
			if n == 2 {
				return "2-digit"
			}
			return "numeric"
		}
		if f, ok := get('E'); ok {
			r = append(r, KV{"weekday", text(f.n)})
		}
		if f, ok := get('G'); ok {
			r = append(r, KV{"era", text(f.n)})
		}
		if f, ok := get('y'); ok {
			r = append(r, KV{"year", num(f.n)})
		}
		if f, ok := get('M'); ok {
			v := num(f.n)
			if f.n >= 3 {
				v = text(f.n)
			}
			r = append(r, KV{"month", v})
		}
		if f, ok := get('d'); ok {
			r = append(r, KV{"day", num(f.n)})
		}
		if f, ok := get('a'); ok && f.c == 'B' {
			r = append(r, KV{"dayPeriod", text(f.n)})
		}
		if f, ok := get('h'); ok {
			r = append(r, KV{"hour", num(f.n)})
		}
		if f, ok := get('m'); ok {
			r = append(r, KV{"minute", num(f.n)})
		}
		if f, ok := get('s'); ok {
			r = append(r, KV{"second", num(f.n)})
		}
		if f, ok := get('S'); ok {
			r = append(r, KV{"fractionalSecondDigits", f.n})
		}
		if v, ok := df.fields["timeZoneName"]; ok {
			r = append(r, KV{"timeZoneName", v})
		}
	}
	if df.DateStyle != "" {
		r = append(r, KV{"dateStyle", df.DateStyle})
	}
	if df.TimeStyle != "" {
		r = append(r, KV{"timeStyle", df.TimeStyle})
	}
	return r
}

// Format formats a time value (ms since the epoch).
// V8 prints CLDR's U+202F NARROW NO-BREAK SPACE as a plain space in format()
// (web compatibility) but keeps it in formatToParts and formatRange.
func (df *DateTimeFormat) Format(ms float64) string {
	return strings.ReplaceAll(Join(df.FormatToParts(ms)), "\u202f", " ")
}

// ValidTime reports whether ms is a valid time value (TimeClip).
func ValidTime(ms float64) bool { return !math.IsNaN(ms) && math.Abs(ms) <= 8.64e15 }

func (df *DateTimeFormat) FormatToParts(ms float64) []Part {
	return df.partsFor(df.pattern, ms)
}

func (df *DateTimeFormat) partsFor(pattern string, ms float64) []Part {
	t := time.UnixMilli(int64(math.Floor(ms))).In(df.zone)
	var out []Part
	lit := func(s string) {
		if n := len(out); n > 0 && out[n-1].Type == "literal" {
			out[n-1].Value += s
			return
		}
		out = append(out, Part{Type: "literal", Value: s})
	}
	rs := []rune(pattern)
	for i := 0; i < len(rs); i++ {
		r := rs[i]
		if r == '\'' {
			if i+1 < len(rs) && rs[i+1] == '\'' {
				lit("'")
				i++
				continue
			}
			j := i + 1
			for j < len(rs) && rs[j] != '\'' {
				j++
			}
			lit(string(rs[i+1 : min(j, len(rs))]))
			i = j
			continue
		}
		if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z') {
			lit(string(r))
			continue
		}
		n := 1
		for i+1 < len(rs) && rs[i+1] == r {
			n++
			i++
		}
		typ, val := df.fieldValue(r, n, t, ms)
		out = append(out, Part{Type: typ, Value: val})
	}
	return out
}

func (df *DateTimeFormat) num(v, width int) string {
	s := strconv.Itoa(v)
	for len(s) < width {
		s = "0" + s
	}
	if len(df.digits) == 10 && df.nu != "latn" {
		var b strings.Builder
		for _, c := range s {
			b.WriteRune(df.digits[c-'0'])
		}
		return b.String()
	}
	return s
}

func widthName(n int) string {
	switch {
	case n == 4:
		return "wide"
	case n == 5:
		return "narrow"
	case n == 6:
		return "short"
	}
	return "abbreviated"
}

func (df *DateTimeFormat) fieldValue(c rune, n int, t time.Time, ms float64) (string, string) {
	switch c {
	case 'G':
		y := t.Year()
		w := map[int]string{4: "eraNames", 5: "eraNarrow"}[n]
		if w == "" {
			w = "eraAbbr"
		}
		k := "1"
		if y <= 0 {
			k = "0"
		}
		return "era", gets(df.date, "eras", w, k)
	case 'y':
		y := t.Year()
		if y <= 0 {
			y = 1 - y
		}
		if n == 2 {
			return "year", df.num(y%100, 2)
		}
		return "year", df.num(y, n)
	case 'M', 'L':
		m := int(t.Month())
		if n <= 2 {
			return "month", df.num(m, n)
		}
		ctx := "format"
		if c == 'L' {
			ctx = "stand-alone"
		}
		return "month", gets(df.date, "months", ctx, widthName(n), strconv.Itoa(m))
	case 'd':
		return "day", df.num(t.Day(), n)
	case 'E', 'c', 'e':
		ctx := "format"
		if c == 'c' {
			ctx = "stand-alone"
		}
		if n <= 3 {
			n = 3
		}
		k := []string{"sun", "mon", "tue", "wed", "thu", "fri", "sat"}[t.Weekday()]
		return "weekday", gets(df.date, "days", ctx, widthName(n), k)
	case 'a', 'b', 'B':
		k := "am"
		if t.Hour() >= 12 {
			k = "pm"
		}
		if c == 'B' {
			if p := df.flexibleDayPeriod(t); p != "" {
				k = p
			}
		}
		w := widthName(n)
		v := gets(df.date, "dayPeriods", "format", w, k)
		if v == "" {
			v = gets(df.date, "dayPeriods", "format", "abbreviated", k)
		}
		return "dayPeriod", v
	case 'h':
		h := t.Hour() % 12
		if h == 0 {
			h = 12
		}
		return "hour", df.num(h, n)
	case 'H':
		return "hour", df.num(t.Hour(), n)
	case 'K':
		return "hour", df.num(t.Hour()%12, n)
	case 'k':
		h := t.Hour()
		if h == 0 {
			h = 24
		}
		return "hour", df.num(h, n)
	case 'm':
		return "minute", df.num(t.Minute(), n)
	case 's':
		return "second", df.num(t.Second(), n)
	case 'S':
		frac := int(math.Mod(math.Floor(ms), 1000))
		if frac < 0 {
			frac += 1000
		}
		s := df.num(frac, 3)
		return "fractionalSecond", string([]rune(s)[:n])
	case 'z', 'v', 'O', 'V':
		return "timeZoneName", df.zoneName(c, n, t)
	}
	return "literal", strings.Repeat(string(c), n)
}

// flexibleDayPeriod is CLDR's dayPeriods rules for the hour (at the
// granularity the embedded rules give).
func (df *DateTimeFormat) flexibleDayPeriod(t time.Time) string {
	rules := langInfo(df.loc.Lang).DayPeriods
	mins := t.Hour()*60 + t.Minute()
	best := ""
	for name, r := range rules {
		if at, ok := r["_at"]; ok {
			if parseHM(at) == mins && (name == "midnight" || name == "noon") {
				return name
			}
			continue
		}
		from, to := parseHM(r["_from"]), parseHM(r["_before"])
		if from <= to && mins >= from && mins < to || from > to && (mins >= from || mins < to) {
			best = name
		}
	}
	return best
}

func parseHM(s string) int {
	h, m, _ := strings.Cut(s, ":")
	hi, _ := strconv.Atoi(h)
	mi, _ := strconv.Atoi(m)
	return hi*60 + mi
}

func (df *DateTimeFormat) zoneName(c rune, n int, t time.Time) string {
	tz := section(df.loc.Data, "tz")
	_, off := t.Zone()
	gmt := func(long bool) string {
		pos, neg, _ := strings.Cut(gets(tz, "hourFormat"), ";")
		p := pos
		o := off
		if off < 0 {
			p, o = neg, -off
		}
		h, m := o/3600, o/60%60
		var s string
		if long {
			s = strings.Replace(strings.Replace(p, "HH", df.num(h, 2), 1), "mm", df.num(m, 2), 1)
		} else {
			// short: drop minutes when zero and the hour's leading zero
			s = strings.Replace(p, "HH", df.num(h, 1), 1)
			if m == 0 {
				if i := strings.Index(s, ":mm"); i >= 0 {
					s = s[:i] + s[i+3:]
				} else {
					s = strings.Replace(s, "mm", "", 1)
				}
			} else {
				s = strings.Replace(s, "mm", df.num(m, 2), 1)
			}
		}
		return strings.Replace(gets(tz, "gmtFormat"), "{0}", s, 1)
	}
	if c == 'O' {
		return gmt(n == 4)
	}
	width := "short"
	if n == 4 {
		width = "long"
	}
	kind := "generic"
	if c == 'z' {
		kind = "standard"
		if t.IsDST() {
			kind = "daylight"
		}
	}
	if df.TimeZone == "UTC" {
		if v := gets(tz, "zone", "Etc/UTC", width, "standard"); v != "" {
			return v
		}
	}
	if v := gets(tz, "zone", df.TimeZone, width, kind); v != "" {
		return v
	}
	for _, m := range metaZones()[df.TimeZone] {
		if m.To != "" || m.From != "" {
			if !inRange(t, m.From, m.To) {
				continue
			}
		}
		mz := getm(tz, "metazone", m.MZ)
		if v := gets(mz, width, kind); v != "" {
			return v
		}
		if kind == "generic" {
			if v := gets(mz, width, "standard"); v != "" && c == 'v' && !t.IsDST() {
				return v
			}
		}
		break
	}
	return gmt(n == 4)
}

func inRange(t time.Time, from, to string) bool {
	const layout = "2006-01-02 15:04"
	if from != "" {
		if f, err := time.Parse(layout, from); err == nil && t.Before(f) {
			return false
		}
	}
	if to != "" {
		if e, err := time.Parse(layout, to); err == nil && !t.Before(e) {
			return false
		}
	}
	return true
}

// FormatRangeToParts uses CLDR's intervalFormats for the largest differing
// field, else the fallback "{0} – {1}".
func (df *DateTimeFormat) FormatRangeToParts(a, b float64) []Part {
	pa, pb := df.partsFor(df.pattern, a), df.partsFor(df.pattern, b)
	if Join(pa) == Join(pb) {
		return tagSource(pa, "shared")
	}
	ta, tb := time.UnixMilli(int64(a)).In(df.zone), time.UnixMilli(int64(b)).In(df.zone)
	diff := ""
	switch {
	case ta.Year() != tb.Year():
		diff = "y"
	case ta.Month() != tb.Month():
		diff = "M"
	case ta.Day() != tb.Day():
		diff = "d"
	case (ta.Hour() < 12) != (tb.Hour() < 12):
		diff = "a"
	case ta.Hour() != tb.Hour():
		diff = "h"
	case ta.Minute() != tb.Minute():
		diff = "m"
	}
	intervals := section(df.loc.Data, "interval")
	if diff != "" && df.skeleton != "" {
		want := skelFields(df.skeleton)
		if df.DateStyle == "" && df.TimeStyle == "" {
			want = skelFields(df.skeletonFor(df.hourCycle, df.hourCycle))
		}
		// the interval skeleton nearest the requested one, as ICU picks it
		key, bestD := "", math.MaxInt
		for k := range intervals {
			if k == "intervalFormatFallback" {
				continue
			}
			if d := distance(want, skelFields(k)); d < bestD || d == bestD && k < key {
				key, bestD = k, d
			}
		}
		// a difference in a field the skeleton does not show is no difference
		// to it; fall to the next larger shown field
		order := "yMdahm"
		if bestD < 0x1000 && key != "" {
			k := diff
			for i := strings.Index(order, diff); i < len(order); i++ {
				k = string(order[i])
				if k == "h" && strings.ContainsAny(key, "Hk") {
					k = "H"
				}
				if k == "a" && strings.ContainsAny(key, "Hk") {
					k = "H"
				}
				if gets(intervals, key, k) != "" {
					break
				}
			}
			if p := gets(intervals, key, k); p != "" {
				p = applyHourCycle(adjust(p, want, skelFields(key)), df.hourCycle)
				first, second := splitInterval(p)
				return intervalParts(df.partsFor(first, a), df.partsFor(second, b))
			}
		}
	}
	fb := gets(intervals, "intervalFormatFallback")
	x, y, _ := strings.Cut(fb, "{0}")
	mid, z, _ := strings.Cut(y, "{1}")
	var out []Part
	if x != "" {
		out = append(out, Part{Type: "literal", Value: x, Source: "shared"})
	}
	out = append(out, tagSource(pa, "startRange")...)
	out = append(out, Part{Type: "literal", Value: mid, Source: "shared"})
	out = append(out, tagSource(pb, "endRange")...)
	if z != "" {
		out = append(out, Part{Type: "literal", Value: z, Source: "shared"})
	}
	return out
}

// intervalParts marks what the two halves share, as ICU's
// formatRangeToParts does: fields outside the repeated ones are shared.
func intervalParts(pa, pb []Part) []Part {
	inB := map[string]bool{}
	for _, p := range pb {
		if p.Type != "literal" {
			inB[p.Type] = true
		}
	}
	first, last := -1, -1
	for i, p := range pa {
		if inB[p.Type] {
			if first < 0 {
				first = i
			}
			last = i
		}
	}
	out := make([]Part, 0, len(pa)+len(pb))
	for i, p := range pa {
		p.Source = "shared"
		if first >= 0 && i >= first && i <= last {
			p.Source = "startRange"
		}
		out = append(out, p)
	}
	inA := map[string]bool{}
	for _, p := range pa {
		inA[p.Type] = true
	}
	lastB := -1
	for i, p := range pb {
		if p.Type != "literal" && inA[p.Type] {
			lastB = i
		}
	}
	for i, p := range pb {
		p.Source = "endRange"
		if i > lastB {
			p.Source = "shared"
		}
		out = append(out, p)
	}
	return out
}

// splitInterval cuts an interval pattern where the first field letter repeats.
func splitInterval(p string) (string, string) {
	seen := map[rune]bool{}
	rs := []rune(p)
	q := false
	for i := 0; i < len(rs); i++ {
		r := rs[i]
		if r == '\'' {
			q = !q
			continue
		}
		if q || !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z') {
			continue
		}
		if seen[fieldType(r)] {
			return string(rs[:i]), string(rs[i:])
		}
		seen[fieldType(r)] = true
		for i+1 < len(rs) && rs[i+1] == r {
			i++
		}
	}
	return p, ""
}
