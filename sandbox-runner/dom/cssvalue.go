package dom

import (
	"math"
	"strconv"
	"strings"

	"github.com/tdewolff/parse/v2"
	"github.com/tdewolff/parse/v2/css"
)

// CSS values as Chromium serialises them from CSSOM (el.style, cssText):
// hex and functional colours become rgb()/rgba(), numbers lose trailing
// zeros (36.0px -> 36px, .5 -> 0.5), a unitless 0 length becomes 0px,
// commas take one space after them, four-sided shorthands collapse
// (margin: 0px 0px 0px 0px -> margin: 0px), quoted single-word font family
// names lose their quotes. Values are tokenised with tdewolff/parse's CSS
// lexer; a value a browser would reject for its property (width: 50, with no
// unit) is reported invalid so the setter ignores it, as browsers do.

type cssTok struct {
	tt   css.TokenType
	data string
	args []cssTok // function and parenthesis contents
}

func lexCSS(v string) []cssTok {
	l := css.NewLexer(parse.NewInputString(v))
	toks, _ := readToks(l)
	return toks
}

// readToks reads until the closing parenthesis of the current level (true)
// or the end of input (false).
func readToks(l *css.Lexer) ([]cssTok, bool) {
	var out []cssTok
	for {
		tt, data := l.Next()
		switch tt {
		case css.ErrorToken:
			return out, false
		case css.CommentToken:
			continue
		case css.RightParenthesisToken:
			return out, true
		case css.FunctionToken, css.LeftParenthesisToken:
			args, _ := readToks(l)
			out = append(out, cssTok{tt: tt, data: string(data), args: args})
		default:
			out = append(out, cssTok{tt: tt, data: string(data)})
		}
	}
}

// lengthProps take <length>; a unitless 0 serialises as 0px and another
// unitless number is invalid in standards mode.
var lengthProps = map[string]bool{}

func init() {
	for _, p := range strings.Fields(`width height min-width min-height max-width max-height top right bottom left
		inset margin margin-top margin-right margin-bottom margin-left padding padding-top padding-right
		padding-bottom padding-left border-width border-top-width border-right-width border-bottom-width
		border-left-width border-radius border-top-left-radius border-top-right-radius border-bottom-left-radius
		border-bottom-right-radius outline-width outline-offset font-size letter-spacing word-spacing
		text-indent gap row-gap column-gap column-width flex-basis border-spacing inset-block inset-inline
		margin-block margin-inline padding-block padding-inline block-size inline-size`) {
		lengthProps[p] = true
	}
}

// caseSensitiveIdents are properties whose identifiers are names an
// author chose (fonts, animations, grid areas); other keywords are
// case-insensitive and Chromium writes them in lower case.
var caseSensitiveIdents = map[string]bool{"font-family": true, "font": true, "animation": true,
	"animation-name": true, "grid-area": true, "grid-template-areas": true, "grid-row": true,
	"grid-column": true, "grid-row-start": true, "grid-row-end": true, "grid-column-start": true,
	"grid-column-end": true, "grid-template": true, "counter-reset": true, "counter-increment": true,
	"counter-set": true, "view-transition-name": true, "container-name": true, "container": true,
	"font-feature-settings": true, "list-style-type": true, "list-style": true, "will-change": true,
	"transition-property": true, "transition": true}

// fourSided shorthands serialise with the fewest values that say the same.
var fourSided = map[string]bool{"margin": true, "padding": true, "inset": true, "border-width": true,
	"border-style": true, "border-color": true, "scroll-margin": true, "scroll-padding": true}

// normalizeValue returns prop's value as Chromium serialises it, and false
// when Chromium would reject it.
func normalizeValue(prop, v string) (string, bool) {
	v = strings.TrimSpace(v)
	if v == "" {
		return "", false
	}
	if strings.HasPrefix(prop, "--") {
		return v, true // custom properties keep their tokens verbatim
	}
	toks := lexCSS(v)
	if !validValue(prop, toks) {
		return "", false
	}
	if lengthProps[prop] {
		for i, t := range toks {
			if t.tt != css.NumberToken {
				continue
			}
			if f, err := strconv.ParseFloat(t.data, 64); err == nil && f == 0 {
				toks[i] = cssTok{tt: css.DimensionToken, data: "0px"}
			} else {
				return "", false
			}
		}
	}
	var b strings.Builder
	writeToks(&b, toks, prop, 0)
	out := b.String()
	switch {
	case fourSided[prop] || prop == "border-radius" && !strings.Contains(out, "/"):
		out = collapseSides(out)
	case prop == "gap" || prop == "border-spacing":
		if p := splitTop(out, ' '); len(p) == 2 && p[0] == p[1] {
			out = p[0]
		}
	case prop == "flex":
		out = canonicalFlex(out)
	case prop == "box-shadow" || prop == "text-shadow":
		out = canonicalShadow(out)
	case prop == "transition":
		out = canonicalTransition(out)
	case prop == "border" || prop == "outline" || prop == "border-top" || prop == "border-right" ||
		prop == "border-bottom" || prop == "border-left" || prop == "column-rule":
		out = canonicalBorder(out)
	}
	return out, true
}

// splitTop splits s on sep outside parentheses and quotes.
func splitTop(s string, sep byte) []string {
	var out []string
	depth, quote, start := 0, byte(0), 0
	for i := 0; i < len(s); i++ {
		switch c := s[i]; {
		case quote != 0:
			if c == quote {
				quote = 0
			}
		case c == '"' || c == '\'':
			quote = c
		case c == '(':
			depth++
		case c == ')' && depth > 0:
			depth--
		case c == sep && depth == 0:
			if f := strings.TrimSpace(s[start:i]); f != "" {
				out = append(out, f)
			}
			start = i + 1
		}
	}
	if f := strings.TrimSpace(s[start:]); f != "" {
		out = append(out, f)
	}
	return out
}

var borderStyles = map[string]bool{"none": true, "hidden": true, "dotted": true, "dashed": true, "solid": true,
	"double": true, "groove": true, "ridge": true, "inset": true, "outset": true}

func isLength(f string) bool {
	if f == "0" || f == "thin" || f == "medium" || f == "thick" || strings.HasPrefix(f, "calc(") {
		return true
	}
	if f == "" || !(f[0] >= '0' && f[0] <= '9' || f[0] == '.' || f[0] == '-' || f[0] == '+') {
		return false
	}
	_, unit := splitDimension(f)
	return unit != "" && unit != "%"
}

func hasBorderWidth(v string) bool {
	for _, f := range splitTop(v, ' ') {
		if isLength(f) {
			return true
		}
	}
	return false
}

// canonicalBorder orders a border shorthand as width, style, colour.
func canonicalBorder(v string) string {
	var w, st, c []string
	for _, f := range splitTop(v, ' ') {
		switch {
		case f == "0":
			w = append(w, "0px")
		case isLength(f):
			w = append(w, f)
		case borderStyles[f]:
			st = append(st, f)
		default:
			c = append(c, f)
		}
	}
	return strings.Join(append(append(w, st...), c...), " ")
}

// canonicalFlex spells flex out as grow shrink basis, as Chromium does.
func canonicalFlex(v string) string {
	p := splitTop(v, ' ')
	isNum := func(f string) bool { _, err := strconv.ParseFloat(f, 64); return err == nil }
	switch {
	case len(p) == 1 && p[0] == "auto":
		return "1 1 auto"
	case len(p) == 1 && p[0] == "none":
		return "0 0 auto"
	case len(p) == 1 && isNum(p[0]):
		return p[0] + " 1 0%"
	case len(p) == 1 && (isLength(p[0]) || strings.HasSuffix(p[0], "%") || p[0] == "content"):
		return "1 1 " + p[0]
	case len(p) == 2 && isNum(p[0]) && isNum(p[1]):
		return p[0] + " " + p[1] + " 0%"
	case len(p) == 2 && isNum(p[0]):
		return p[0] + " 1 " + p[1]
	}
	return v
}

func isColorWord(f string) bool {
	if strings.HasPrefix(f, "rgb") || strings.HasPrefix(f, "hsl") || strings.HasPrefix(f, "#") ||
		strings.HasPrefix(f, "var(") || strings.HasPrefix(f, "color-mix(") || f == "currentcolor" || f == "transparent" {
		return true
	}
	_, ok := namedColors[f]
	return ok
}

// canonicalShadow writes each shadow as colour, lengths, inset.
func canonicalShadow(v string) string {
	if v == "none" {
		return v
	}
	layers := splitTop(v, ',')
	for i, l := range layers {
		var color, inset string
		var lens []string
		for _, f := range splitTop(l, ' ') {
			switch {
			case f == "inset":
				inset = f
			case isColorWord(f) && color == "":
				color = f
			case f == "0":
				lens = append(lens, "0px")
			default:
				lens = append(lens, f)
			}
		}
		parts := lens
		if color != "" {
			parts = append([]string{color}, lens...)
		}
		if inset != "" {
			parts = append(parts, inset)
		}
		layers[i] = strings.Join(parts, " ")
	}
	return strings.Join(layers, ", ")
}

// canonicalTransition drops the initial values Chromium leaves out of a
// transition layer (all, ease, a 0s delay).
func canonicalTransition(v string) string {
	layers := splitTop(v, ',')
	for i, l := range layers {
		f := splitTop(l, ' ')
		var kept []string
		times := 0
		for _, x := range f {
			isTime := strings.HasSuffix(x, "ms") || (strings.HasSuffix(x, "s") && len(x) > 1 && (x[0] >= '0' && x[0] <= '9' || x[0] == '.' || x[0] == '-'))
			switch {
			case isTime:
				times++
				if times == 2 && (x == "0s" || x == "0ms") {
					continue
				}
			case x == "ease" || (x == "all" && len(f) > 1):
				continue
			}
			kept = append(kept, x)
		}
		if len(kept) == 0 {
			kept = []string{"all"}
		}
		layers[i] = strings.Join(kept, " ")
	}
	return strings.Join(layers, ", ")
}

func writeToks(b *strings.Builder, toks []cssTok, prop string, depth int) {
	space := false
	for i, t := range toks {
		switch t.tt {
		case css.WhitespaceToken:
			space = b.Len() > 0
			continue
		case css.CommaToken:
			b.WriteString(",")
			space = true
			continue
		}
		if space && b.Len() > 0 && i > 0 {
			last := b.String()[b.Len()-1]
			if last != '(' {
				b.WriteByte(' ')
			}
		}
		space = false
		switch t.tt {
		case css.FunctionToken:
			name := strings.ToLower(strings.TrimSuffix(t.data, "("))
			if c, ok := colorFunction(name, t.args); ok {
				b.WriteString(c)
				continue
			}
			if name == "url" {
				for _, a := range t.args {
					if a.tt == css.StringToken {
						b.WriteString("url(" + strconv.Quote(a.data[1:len(a.data)-1]) + ")")
						break
					}
				}
				continue
			}
			b.WriteString(name)
			b.WriteByte('(')
			writeToks(b, t.args, prop, depth+1)
			b.WriteByte(')')
		case css.LeftParenthesisToken:
			b.WriteByte('(')
			writeToks(b, t.args, prop, depth+1)
			b.WriteByte(')')
		case css.HashToken:
			if c, ok := hexColor(t.data[1:]); ok {
				b.WriteString(c)
			} else {
				b.WriteString(t.data)
			}
		case css.NumberToken:
			b.WriteString(formatNumber(t.data))
		case css.PercentageToken:
			b.WriteString(formatNumber(strings.TrimSuffix(t.data, "%")) + "%")
		case css.DimensionToken:
			num, unit := splitDimension(t.data)
			b.WriteString(formatNumber(num) + strings.ToLower(unit))
		case css.StringToken:
			s := t.data[1 : len(t.data)-1]
			if (prop == "font-family" || prop == "font") && plainFamily(s) {
				b.WriteString(s)
			} else {
				b.WriteString(strconv.Quote(s))
			}
		case css.IdentToken:
			if caseSensitiveIdents[prop] {
				b.WriteString(t.data)
			} else {
				b.WriteString(strings.ToLower(t.data))
			}
		case css.URLToken:
			u := strings.TrimSpace(t.data[4 : len(t.data)-1])
			if len(u) >= 2 && (u[0] == '"' || u[0] == '\'') {
				u = u[1 : len(u)-1]
			}
			b.WriteString("url(" + strconv.Quote(u) + ")")
		case css.DelimToken:
			if t.data == "/" && depth == 0 {
				if b.Len() > 0 && b.String()[b.Len()-1] != ' ' {
					b.WriteByte(' ')
				}
				b.WriteString("/")
				space = true
				continue
			}
			b.WriteString(t.data)
		default:
			b.WriteString(t.data)
		}
	}
}

func splitDimension(s string) (string, string) {
	i := 0
	for i < len(s) {
		c := s[i]
		if (c >= '0' && c <= '9') || c == '.' || c == '+' || c == '-' {
			i++
			continue
		}
		if (c == 'e' || c == 'E') && i+1 < len(s) && (s[i+1] >= '0' && s[i+1] <= '9' || s[i+1] == '-' || s[i+1] == '+') && i > 0 {
			i++
			continue
		}
		break
	}
	return s[:i], s[i:]
}

// formatNumber writes a CSS number with at most six significant digits and
// no trailing zeros, as Chromium does.
func formatNumber(s string) string {
	f, err := strconv.ParseFloat(s, 64)
	if err != nil {
		return s
	}
	return fmtFloat(f)
}

func fmtFloat(f float64) string {
	if f == 0 {
		return "0"
	}
	out := strconv.FormatFloat(f, 'g', 6, 64)
	if strings.ContainsAny(out, "e") {
		out = strconv.FormatFloat(f, 'f', -1, 64)
	}
	return out
}

// plainFamily: a family name Chromium writes unquoted (one identifier that is
// not a generic family keyword).
func plainFamily(s string) bool {
	if s == "" || strings.ContainsAny(s, " \t\"',") {
		return false
	}
	switch strings.ToLower(s) {
	case "serif", "sans-serif", "monospace", "cursive", "fantasy", "system-ui", "inherit", "initial", "unset", "default", "revert", "math", "emoji", "fangsong", "ui-serif", "ui-sans-serif", "ui-monospace", "ui-rounded":
		return false
	}
	c := s[0]
	if c >= '0' && c <= '9' {
		return false
	}
	for _, r := range s {
		if !(r == '-' || r == '_' || r >= 0x80 || r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9') {
			return false
		}
	}
	return !(s[0] == '-' && len(s) > 1 && s[1] >= '0' && s[1] <= '9')
}

func collapseSides(v string) string {
	p := splitTop(v, ' ')
	if len(p) != 4 && len(p) != 3 && len(p) != 2 {
		return v
	}
	for len(p) < 4 {
		switch len(p) {
		case 2:
			p = append(p, p[0])
		case 3:
			p = append(p, p[1])
		}
	}
	switch {
	case p[0] == p[1] && p[1] == p[2] && p[2] == p[3]:
		return p[0]
	case p[0] == p[2] && p[1] == p[3]:
		return p[0] + " " + p[1]
	case p[1] == p[3]:
		return p[0] + " " + p[1] + " " + p[2]
	}
	return strings.Join(p, " ")
}

// rgbString serialises a colour the way CSSOM does.
func rgbString(r, g, b, a float64) string {
	ch := func(v float64) string { return strconv.Itoa(int(math.Round(math.Max(0, math.Min(255, v))))) }
	if a >= 1 {
		return "rgb(" + ch(r) + ", " + ch(g) + ", " + ch(b) + ")"
	}
	return "rgba(" + ch(r) + ", " + ch(g) + ", " + ch(b) + ", " + alphaString(a) + ")"
}

// alphaString writes alpha as Chromium keeps it (a float, shown with at
// most three decimals: 0.125, 0.333, 0.5).
func alphaString(a float64) string {
	a = math.Max(0, math.Min(1, a))
	return fmtFloat(math.Round(a*1000) / 1000)
}

func hexColor(h string) (string, bool) {
	for _, c := range h {
		if !(c >= '0' && c <= '9' || c >= 'a' && c <= 'f' || c >= 'A' && c <= 'F') {
			return "", false
		}
	}
	val := func(s string) float64 {
		n, _ := strconv.ParseUint(s, 16, 8)
		return float64(n)
	}
	switch len(h) {
	case 3, 4:
		x := make([]float64, len(h))
		for i := range h {
			x[i] = val(string([]byte{h[i], h[i]}))
		}
		a := 1.0
		if len(h) == 4 {
			a = x[3] / 255
		}
		return rgbString(x[0], x[1], x[2], a), true
	case 6, 8:
		a := 1.0
		if len(h) == 8 {
			a = val(h[6:8]) / 255
		}
		return rgbString(val(h[0:2]), val(h[2:4]), val(h[4:6]), a), true
	}
	return "", false
}

// colorFunction converts rgb()/rgba()/hsl()/hsla() with literal arguments.
func colorFunction(name string, args []cssTok) (string, bool) {
	if name != "rgb" && name != "rgba" && name != "hsl" && name != "hsla" {
		return "", false
	}
	var vals []cssTok
	for _, t := range args {
		switch t.tt {
		case css.WhitespaceToken, css.CommaToken:
		case css.DelimToken:
			if t.data != "/" {
				return "", false
			}
		case css.NumberToken, css.PercentageToken, css.DimensionToken:
			vals = append(vals, t)
		default:
			return "", false // var(), calc(), none: left as written
		}
	}
	if len(vals) != 3 && len(vals) != 4 {
		return "", false
	}
	num := func(t cssTok, scale float64) float64 {
		if t.tt == css.PercentageToken {
			f, _ := strconv.ParseFloat(strings.TrimSuffix(t.data, "%"), 64)
			return f / 100 * scale
		}
		n, _ := splitDimension(t.data)
		f, _ := strconv.ParseFloat(n, 64)
		return f
	}
	a := 1.0
	if len(vals) == 4 {
		a = num(vals[3], 1)
	}
	if name == "rgb" || name == "rgba" {
		return rgbString(num(vals[0], 255), num(vals[1], 255), num(vals[2], 255), a), true
	}
	h := num(vals[0], 1)
	if vals[0].tt == css.DimensionToken {
		n, unit := splitDimension(vals[0].data)
		f, _ := strconv.ParseFloat(n, 64)
		switch strings.ToLower(unit) {
		case "deg":
			h = f
		case "rad":
			h = f * 180 / math.Pi
		case "turn":
			h = f * 360
		case "grad":
			h = f * 0.9
		}
	}
	s, l := num(vals[1], 1), num(vals[2], 1)
	if vals[1].tt != css.PercentageToken {
		s /= 100
	}
	if vals[2].tt != css.PercentageToken {
		l /= 100
	}
	r, g, b := hslToRGB(h, s, l)
	return rgbString(r, g, b, a), true
}

func hslToRGB(h, s, l float64) (float64, float64, float64) {
	h = math.Mod(h, 360)
	if h < 0 {
		h += 360
	}
	f := func(n float64) float64 {
		k := math.Mod(n+h/30, 12)
		a := s * math.Min(l, 1-l)
		return (l - a*math.Max(-1, math.Min(k-3, math.Min(9-k, 1)))) * 255
	}
	return f(0), f(8), f(4)
}

var globalKeywords = map[string]bool{"inherit": true, "initial": true, "unset": true, "revert": true, "revert-layer": true}

var colorProps = map[string]bool{}

func init() {
	for _, p := range strings.Fields(`color background-color border-color border-top-color border-right-color
		border-bottom-color border-left-color outline-color fill stroke caret-color accent-color
		text-decoration-color column-rule-color stop-color flood-color lighting-color`) {
		colorProps[p] = true
	}
}

var lengthUnits = map[string]bool{}

func init() {
	for _, u := range strings.Fields(`px em rem ex ch cap ic lh rlh vh vw vmin vmax vb vi svh svw lvh lvw dvh dvw
		svmin svmax lvmin lvmax dvmin dvmax cqw cqh cqi cqb cqmin cqmax cm mm q in pt pc`) {
		lengthUnits[u] = true
	}
}

var lengthKeywords = map[string]bool{"auto": true, "none": true, "min-content": true, "max-content": true,
	"fit-content": true, "stretch": true, "thin": true, "medium": true, "thick": true, "normal": true,
	"smaller": true, "larger": true, "xx-small": true, "x-small": true, "small": true, "large": true,
	"x-large": true, "xx-large": true, "xxx-large": true, "content": true, "-webkit-fill-available": true,
	"-moz-available": true, "math": true}

// validValue rejects what Chromium's parser rejects for colours and
// lengths (style.width = '50' or style.color = 'blu' leave the style
// alone); other properties are taken as written.
func validValue(prop string, toks []cssTok) bool {
	var parts []cssTok
	for _, t := range toks {
		switch t.tt {
		case css.WhitespaceToken:
			continue
		case css.FunctionToken:
			if strings.EqualFold(t.data, "var(") || strings.EqualFold(t.data, "env(") || strings.EqualFold(t.data, "attr(") {
				return true // substituted later; cannot be checked now
			}
		}
		parts = append(parts, t)
	}
	if len(parts) == 1 && parts[0].tt == css.IdentToken && globalKeywords[strings.ToLower(parts[0].data)] {
		return true
	}
	switch {
	case colorProps[prop]:
		max := 1
		if prop == "border-color" {
			max = 4
		}
		if len(parts) == 0 || len(parts) > max {
			return false
		}
		for _, t := range parts {
			if !validColor(prop, t) {
				return false
			}
		}
	case lengthProps[prop]:
		for _, t := range parts {
			switch t.tt {
			case css.PercentageToken, css.FunctionToken:
			case css.NumberToken:
				// a unitless 0 only; other numbers were refused already
			case css.DimensionToken:
				_, unit := splitDimension(t.data)
				if !lengthUnits[strings.ToLower(unit)] {
					return false
				}
			case css.IdentToken:
				if !lengthKeywords[strings.ToLower(t.data)] {
					return false
				}
			case css.DelimToken:
				if t.data != "/" || prop != "border-radius" {
					return false
				}
			default:
				return false
			}
		}
	}
	return true
}

func validColor(prop string, t cssTok) bool {
	switch t.tt {
	case css.HashToken:
		_, ok := hexColor(t.data[1:])
		return ok
	case css.IdentToken:
		name := strings.ToLower(t.data)
		if _, ok := namedColors[name]; ok || name == "currentcolor" || name == "transparent" {
			return true
		}
		return (prop == "fill" || prop == "stroke") && (name == "none" || name == "context-fill" || name == "context-stroke") ||
			(prop == "caret-color" || prop == "accent-color") && name == "auto"
	case css.FunctionToken:
		switch strings.ToLower(strings.TrimSuffix(t.data, "(")) {
		case "rgb", "rgba", "hsl", "hsla", "hwb", "lab", "lch", "oklab", "oklch", "color", "color-mix", "light-dark":
			return true
		case "url":
			return prop == "fill" || prop == "stroke"
		}
	case css.URLToken:
		return prop == "fill" || prop == "stroke"
	}
	return false
}
