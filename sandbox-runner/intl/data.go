package intl

import (
	"bytes"
	"compress/gzip"
	"embed"
	"encoding/json"
	"strings"
	"sync"
)

//go:generate sh -c "cd gen && npm ci --no-audit --no-fund && node gen.mjs"

// data holds CLDR's JSON, trimmed per locale and section and gzipped by
// gen/gen.mjs.
//
//go:embed data
var data embed.FS

type obj = map[string]any

// supp is the supplemental core every formatter needs: which locales are
// embedded, CLDR's parent locales, numbering systems' digits.
var supp struct {
	CLDR    string            `json:"cldr"`
	Locales []string          `json:"locales"`
	Parents map[string]string `json:"parents"`
	Scripts map[string]string `json:"scripts"` // lang-REGION → script, where not the language's own
	Digits  map[string]string `json:"digits"`
}

type metaZone struct {
	MZ   string `json:"_mzone"`
	From string `json:"_from"`
	To   string `json:"_to"`
}

// langData is one language's plural rules and day period rules.
type langData struct {
	Cardinal   map[string]string            `json:"cardinal"`
	Ordinal    map[string]string            `json:"ordinal"`
	DayPeriods map[string]map[string]string `json:"dayPeriods"`
	cardinal   []pluralRule
	ordinal    []pluralRule
}

var (
	suppOnce  sync.Once
	cacheMu   sync.Mutex
	cache     = map[string]obj{}
	langCache = map[string]*langData{}
	mzOnce    sync.Once
	mzData    map[string][]metaZone
	fracOnce  sync.Once
	fracData  map[string]map[string]string
)

var (
	gzMu     sync.Mutex
	gzReader *gzip.Reader
	gzBuf    bytes.Buffer
)

func decode(name string, v any) {
	f, err := data.Open("data/" + name + ".json.gz")
	if err != nil {
		panic("intl: embedded data missing: " + err.Error())
	}
	defer f.Close()
	// one inflater, reset per file: a fresh one allocates ~40 KB of window
	// and tables, which dominated a section's decode
	gzMu.Lock()
	defer gzMu.Unlock()
	if gzReader == nil {
		gzReader, err = gzip.NewReader(f)
	} else {
		err = gzReader.Reset(f)
	}
	if err == nil {
		gzBuf.Reset()
		if _, err = gzBuf.ReadFrom(gzReader); err == nil {
			err = json.Unmarshal(gzBuf.Bytes(), v)
		}
	}
	if err != nil {
		panic("intl: embedded data corrupt: " + name + ": " + err.Error())
	}
}

func supplemental() { suppOnce.Do(func() { decode("supp/core", &supp) }) }

// CLDRVersion is the CLDR release the embedded data comes from.
func CLDRVersion() string { supplemental(); return supp.CLDR }

func metaZones() map[string][]metaZone {
	mzOnce.Do(func() { decode("supp/metazones", &mzData) })
	return mzData
}

func fractions() map[string]map[string]string {
	fracOnce.Do(func() { decode("supp/fractions", &fracData) })
	return fracData
}

// section decodes one section of a data locale on first use.
func section(dataID, name string) obj {
	key := dataID + "/" + name
	cacheMu.Lock()
	defer cacheMu.Unlock()
	if v, ok := cache[key]; ok {
		return v
	}
	var v obj
	decode(key, &v)
	cache[key] = v
	return v
}

func langInfo(lang string) *langData {
	cacheMu.Lock()
	defer cacheMu.Unlock()
	if d, ok := langCache[lang]; ok {
		return d
	}
	d := &langData{}
	if _, err := data.Open("data/supp/lang-" + lang + ".json.gz"); err == nil {
		decode("supp/lang-"+lang, d)
	}
	d.cardinal, d.ordinal = parsePluralRules(d.Cardinal), parsePluralRules(d.Ordinal)
	langCache[lang] = d
	return d
}

// get walks nested CLDR objects.
func get(o any, path ...string) any {
	for _, p := range path {
		m, ok := o.(obj)
		if !ok {
			return nil
		}
		o = m[p]
	}
	return o
}

func gets(o any, path ...string) string {
	s, _ := get(o, path...).(string)
	return s
}

func getm(o any, path ...string) obj {
	m, _ := get(o, path...).(obj)
	return m
}

// plurals returns the parsed cardinal or ordinal rules of a language.
func plurals(lang string, ordinal bool) []pluralRule {
	d := langInfo(lang)
	if ordinal {
		return d.ordinal
	}
	return d.cardinal
}

func langOf(tag string) string {
	l, _, _ := strings.Cut(tag, "-")
	return l
}
