package intl

import (
	"errors"
	"strings"
	"testing"
)

// The engine's conformance test (engine/intl_test.go) compares whole calls
// with Node; these pin the pieces underneath.

func TestIntlDecimalRounding(t *testing.T) {
	cases := []struct {
		in   float64
		frac int
		mode string
		want string
	}{
		{1.005, 2, "halfExpand", "1.01"}, // shortest form "1.005", as ICU rounds it
		{2.5, 0, "halfEven", "2"},
		{3.5, 0, "halfEven", "4"},
		{-2.5, 0, "halfExpand", "-3"},
		{-2.5, 0, "halfCeil", "-2"},
		{-2.5, 0, "halfFloor", "-3"},
		{2.5, 0, "halfTrunc", "2"},
		{1.1, 0, "ceil", "2"},
		{-1.1, 0, "ceil", "-1"},
		{1.9, 0, "floor", "1"},
		{-1.9, 0, "trunc", "-1"},
		{1.1, 0, "expand", "2"},
		{9.99, 1, "halfExpand", "10"},
		{0.0004, 3, "halfExpand", "0"},
		{0.0005, 3, "halfExpand", "0.001"},
		{123456.789, 0, "halfExpand", "123457"},
	}
	for _, c := range cases {
		d := decFromFloat(c.in).roundFrac(c.frac, c.mode)
		ip, fp := d.split(1, 0)
		got := ip
		if fp != "" {
			got += "." + fp
		}
		if d.neg && !d.isZero() {
			got = "-" + got
		}
		if got != c.want {
			t.Errorf("round(%v, %d, %s) = %s, want %s", c.in, c.frac, c.mode, got, c.want)
		}
	}
}

func TestIntlDecimalFromString(t *testing.T) {
	d, ok := decFromString("1234567890.123456789")
	if !ok {
		t.Fatal("not parsed")
	}
	if ip, fp := d.split(1, 0); ip != "1234567890" || fp != "123456789" {
		t.Errorf("split = %s.%s", ip, fp)
	}
	if _, ok := decFromString("12abc"); ok {
		t.Error("12abc parsed as a number")
	}
}

func TestIntlPluralRules(t *testing.T) {
	cases := []struct {
		lang    string
		ordinal bool
		ip, fp  string
		want    string
	}{
		{"en", false, "1", "", "one"},
		{"en", false, "1", "0", "other"}, // "1.0" shows a fraction digit
		{"ru", false, "21", "", "one"},
		{"ru", false, "11", "", "many"},
		{"ru", false, "3", "", "few"},
		{"ru", false, "1", "5", "other"},
		{"pl", false, "22", "", "few"},
		{"pl", false, "25", "", "many"},
		{"ar", false, "0", "", "zero"},
		{"ar", false, "2", "", "two"},
		{"ar", false, "103", "", "few"},
		{"ar", false, "111", "", "many"},
		{"fr", false, "1", "5", "one"},
		{"ja", false, "1", "", "other"},
		{"en", true, "1", "", "one"},
		{"en", true, "22", "", "two"},
		{"en", true, "13", "", "other"},
		{"en", true, "103", "", "few"},
	}
	for _, c := range cases {
		got := selectPlural(plurals(c.lang, c.ordinal), operandsOf(c.ip, c.fp, 0))
		if got != c.want {
			t.Errorf("%s ordinal=%v %s.%s = %s, want %s", c.lang, c.ordinal, c.ip, c.fp, got, c.want)
		}
	}
}

func TestIntlCanonicalizeLocale(t *testing.T) {
	for in, want := range map[string]string{"EN-us": "en-US", "zh-hans-cn": "zh-Hans-CN", "xx": "xx", "de-DE-u-nu-latn": "de-DE-u-nu-latn"} {
		if got, err := CanonicalizeLocale(in); err != nil || got != want {
			t.Errorf("CanonicalizeLocale(%q) = %q, %v; want %q", in, got, err, want)
		}
	}
	for _, bad := range []string{"", "en-", "e", "en_US", "123", "en-u"} {
		_, err := CanonicalizeLocale(bad)
		var e *Error
		if !errors.As(err, &e) || e.Kind != "RangeError" {
			t.Errorf("CanonicalizeLocale(%q) = %v, want a RangeError", bad, err)
		}
	}
}

// TestIntlLocalesEmbedded checks every required locale resolves to its own
// CLDR data, and the data's CLDR release is the one Node 20's ICU carries.
func TestIntlLocalesEmbedded(t *testing.T) {
	if v := CLDRVersion(); !strings.HasPrefix(v, "48.0") {
		t.Errorf("embedded CLDR %s, recorded goldens are CLDR 48.0", v)
	}
	want := map[string]string{"en-US": "en", "en-GB": "en-GB", "en-IN": "en-IN", "de-DE": "de", "fr-FR": "fr", "es-ES": "es",
		"it-IT": "it", "pt-BR": "pt", "nl-NL": "nl", "sv-SE": "sv", "pl-PL": "pl", "ru-RU": "ru", "tr-TR": "tr", "ar-EG": "ar-EG",
		"hi-IN": "hi", "ja-JP": "ja", "zh-CN": "zh", "ko-KR": "ko", "en-AU": "en-AU", "de-CH": "de-CH",
		// through CLDR's parent chain and likely scripts
		"en-JM": "en-001", "de-LU": "de", "es-AR": "es-419", "zh-TW": "zh-Hant", "zh-Hant-TW": "zh-Hant", "zh-MO": "zh-Hant"}
	for tag, id := range want {
		l, err := Resolve([]string{tag}, "en-US")
		if err != nil || l.Data != id || l.Tag != tag {
			t.Errorf("Resolve(%s) = %+v, %v; want data %s", tag, l, err, id)
		}
		for _, s := range []string{"num", "compact", "cur", "unit", "date", "interval", "tz", "rel", "list", "names"} {
			if len(section(l.Data, s)) == 0 {
				t.Errorf("%s: section %s empty", id, s)
			}
		}
	}
	if l, _ := Resolve([]string{"tlh"}, "fr-FR"); l.Tag != "fr-FR" {
		t.Errorf("unsupported locale resolved to %s, want the default", l.Tag)
	}
}

func TestIntlTimeZones(t *testing.T) {
	for in, want := range map[string]string{"america/new_york": "America/New_York", "Etc/UTC": "UTC", "Asia/Kolkata": "Asia/Kolkata"} {
		if got, _, err := CanonicalTimeZone(in); err != nil || got != want {
			t.Errorf("CanonicalTimeZone(%s) = %s, %v; want %s", in, got, err, want)
		}
	}
	if _, _, err := CanonicalTimeZone("Mars/Olympus"); err == nil || err.Error() != "RangeError: Invalid time zone specified: Mars/Olympus" {
		t.Errorf("Mars/Olympus: %v", err)
	}
	// daylight saving from the embedded tzdata
	df, err := NewDateTimeFormat([]string{"en-US"}, mapOpts{"timeZone": "America/New_York", "timeZoneName": "short", "hour": "numeric"}, "en-US", "UTC", "any", "date")
	if err != nil {
		t.Fatal(err)
	}
	if got := df.Format(1720994400000); got != "6 PM EDT" { // 2024-07-14T22:00Z
		t.Errorf("summer: %q", got)
	}
	if got := df.Format(1704470400000); got != "11 AM EST" { // 2024-01-05T16:00Z
		t.Errorf("winter: %q", got)
	}
}
