package engine

import (
	"regexp"
	"strconv"
	"strings"
)

// matchMedia answers media queries for the fixed page of webapi.go: a
// 1280x800 screen viewport at device pixel ratio 1, light colour scheme, no
// reduced motion, and no pointer that can hover (as headless Chromium says). It returns the query as
// Chromium serialises it (lower case, single spaces) and whether it matches;
// a query it cannot parse matches nothing, as "not all".
func matchMedia(q string) []any {
	if strings.TrimSpace(q) == "" {
		return []any{"", true}
	}
	q = strings.ToLower(strings.Join(strings.Fields(q), " "))
	q = strings.NewReplacer("( ", "(", " )", ")").Replace(q)
	q = mediaColon.ReplaceAllString(q, ": ")
	parts := strings.Split(q, ",")
	matches := false
	for i, one := range parts {
		one = strings.TrimSpace(one)
		ok, valid := evalQuery(one)
		parts[i] = one
		matches = matches || ok && valid
	}
	return []any{strings.Join(parts, ", "), matches}
}

var mediaColon = regexp.MustCompile(`\s*:\s*`)

// evalQuery evaluates one query: [not|only] [type] [and (feature)]...
func evalQuery(q string) (matches, valid bool) {
	negate := false
	if rest, ok := strings.CutPrefix(q, "not "); ok {
		negate, q = true, rest
	} else if rest, ok := strings.CutPrefix(q, "only "); ok {
		q = rest
	}
	result := true
	for i, term := range strings.Split(q, " and ") {
		term = strings.TrimSpace(term)
		switch {
		case i == 0 && (term == "all" || term == "screen"):
		case i == 0 && (term == "print" || term == "speech" || term == "tv" || term == "handheld"):
			result = false
		case strings.HasPrefix(term, "(") && strings.HasSuffix(term, ")"):
			ok, known := evalFeature(strings.TrimSpace(term[1 : len(term)-1]))
			if !known {
				return false, false
			}
			result = result && ok
		default:
			return false, false
		}
	}
	return result != negate, true
}

func evalFeature(f string) (matches, known bool) {
	for _, op := range []string{">=", "<=", ">", "<", "="} {
		if l, r, ok := strings.Cut(f, op); ok {
			return rangeFeature(strings.TrimSpace(l), op, strings.TrimSpace(r))
		}
	}
	name, value, hasValue := strings.Cut(f, ":")
	name, value = strings.TrimPrefix(strings.TrimSpace(name), "-webkit-"), strings.TrimSpace(value)
	if !hasValue {
		switch name {
		case "color", "width", "height", "update", "hover", "any-hover", "pointer", "any-pointer", "grid", "monochrome":
			// hover and pointer are "none" (as headless Chromium reports): false in boolean context.
			return name == "color" || name == "width" || name == "height" || name == "update", true
		}
		return false, false
	}
	for _, p := range []string{"min-", "max-"} {
		if base, ok := strings.CutPrefix(name, p); ok {
			op := ">="
			if p == "max-" {
				op = "<="
			}
			return compareFeature(base, op, value)
		}
	}
	switch name {
	case "width", "height", "aspect-ratio", "resolution", "device-width", "device-height", "device-pixel-ratio", "color":
		return compareFeature(name, "=", value)
	case "orientation":
		return value == "landscape", value == "landscape" || value == "portrait"
	case "prefers-color-scheme":
		return value == "light", value == "light" || value == "dark"
	case "prefers-reduced-motion", "prefers-reduced-transparency", "prefers-reduced-data":
		return value == "no-preference", value == "no-preference" || value == "reduce"
	case "prefers-contrast":
		return value == "no-preference", value != ""
	case "forced-colors", "inverted-colors":
		return value == "none", value != ""
	case "hover", "any-hover":
		return value == "none", value == "hover" || value == "none"
	case "pointer", "any-pointer":
		return value == "none", value == "fine" || value == "coarse" || value == "none"
	case "display-mode":
		return value == "browser", value != ""
	case "scripting":
		return value == "enabled", value != ""
	case "color-gamut":
		return value == "srgb", value != ""
	case "dynamic-range", "video-dynamic-range":
		return value == "standard", value != ""
	case "update":
		return value == "fast", value != ""
	}
	return false, false
}

// rangeFeature handles level 4 ranges: (width >= 600px), (400px < width).
func rangeFeature(l, op, r string) (bool, bool) {
	if _, ok := featureValue(l); ok {
		return compareFeature(l, op, r)
	}
	flip := map[string]string{">=": "<=", "<=": ">=", ">": "<", "<": ">", "=": "="}
	return compareFeature(r, flip[op], l)
}

func featureValue(name string) (float64, bool) {
	switch name {
	case "width", "device-width":
		return ViewportWidth, true
	case "height", "device-height":
		return ViewportHeight, true
	case "aspect-ratio", "device-aspect-ratio":
		return float64(ViewportWidth) / ViewportHeight, true
	case "resolution":
		return 1, true // dppx
	case "device-pixel-ratio":
		return 1, true
	case "color":
		return 8, true
	}
	return 0, false
}

func compareFeature(name, op, value string) (bool, bool) {
	have, ok := featureValue(name)
	if !ok {
		return false, false
	}
	want, ok := parseMediaValue(name, value)
	if !ok {
		return false, false
	}
	switch op {
	case ">=":
		return have >= want, true
	case "<=":
		return have <= want, true
	case ">":
		return have > want, true
	case "<":
		return have < want, true
	}
	return have == want, true
}

// parseMediaValue reads a length (px, em, rem: 16px), a ratio or a resolution.
func parseMediaValue(name, v string) (float64, bool) {
	if name == "aspect-ratio" || name == "device-aspect-ratio" {
		a, b, ok := strings.Cut(v, "/")
		x, err1 := strconv.ParseFloat(strings.TrimSpace(a), 64)
		if !ok {
			return x, err1 == nil
		}
		y, err2 := strconv.ParseFloat(strings.TrimSpace(b), 64)
		return x / y, err1 == nil && err2 == nil && y != 0
	}
	units := map[string]float64{"px": 1, "em": 16, "rem": 16, "dppx": 1, "x": 1, "dpi": 1.0 / 96, "dpcm": 2.54 / 96, "": 1}
	i := len(v)
	for i > 0 && (v[i-1] < '0' || v[i-1] > '9') && v[i-1] != '.' {
		i--
	}
	n, err := strconv.ParseFloat(v[:i], 64)
	mult, ok := units[v[i:]]
	if err != nil || !ok || v[i:] == "" && n != 0 && (name == "width" || name == "height" || name == "device-width" || name == "device-height") {
		return 0, false
	}
	return n * mult, true
}
