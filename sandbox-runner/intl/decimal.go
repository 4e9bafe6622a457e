package intl

import (
	"math"
	"math/big"
	"strconv"
	"strings"
)

// decimal is an exact decimal: 0.digits × 10^exp. Doubles enter through
// their shortest round-trip form, as ICU's double-conversion does, so
// 1.005 rounds to 1.01 as it does in browsers.
type decimal struct {
	neg    bool
	digits []byte // '0'..'9', no leading or trailing zeros; empty is zero
	exp    int
	inf    bool
	nan    bool
}

func decFromFloat(f float64) decimal {
	d := decimal{neg: math.Signbit(f)}
	switch {
	case math.IsNaN(f):
		return decimal{nan: true}
	case math.IsInf(f, 0):
		d.inf = true
		return d
	case f == 0:
		return d
	}
	s := strconv.FormatFloat(math.Abs(f), 'e', -1, 64) // 1.2345e+03
	mant, e, _ := strings.Cut(s, "e")
	ex, _ := strconv.Atoi(e)
	d.digits = []byte(strings.Replace(mant, ".", "", 1))
	d.exp = ex + 1
	d.trim()
	return d
}

func decFromBig(b *big.Int) decimal {
	d := decimal{neg: b.Sign() < 0}
	s := new(big.Int).Abs(b).String()
	if s == "0" {
		return d
	}
	d.digits = []byte(s)
	d.exp = len(s)
	d.trim()
	return d
}

// decFromString parses a StringNumericLiteral's decimal form exactly (ES2023
// Intl.NumberFormat accepts strings); ok is false for anything else.
func decFromString(s string) (decimal, bool) {
	s = strings.TrimSpace(s)
	d := decimal{}
	if s == "" {
		return d, true
	}
	switch s[0] {
	case '-':
		d.neg, s = true, s[1:]
	case '+':
		s = s[1:]
	}
	if s == "Infinity" {
		d.inf = true
		return d, true
	}
	mant, ex := s, 0
	if i := strings.IndexAny(s, "eE"); i >= 0 {
		n, err := strconv.Atoi(s[i+1:])
		if err != nil {
			return d, false
		}
		mant, ex = s[:i], n
	}
	ip, fp, _ := strings.Cut(mant, ".")
	if ip == "" && fp == "" {
		return d, false
	}
	for _, c := range ip + fp {
		if c < '0' || c > '9' {
			return d, false
		}
	}
	d.digits = []byte(ip + fp)
	d.exp = len(ip) + ex
	d.trim()
	return d, true
}

func (d *decimal) trim() {
	i := 0
	for i < len(d.digits) && d.digits[i] == '0' {
		i++
	}
	d.digits = d.digits[i:]
	d.exp -= i
	j := len(d.digits)
	for j > 0 && d.digits[j-1] == '0' {
		j--
	}
	d.digits = d.digits[:j]
	if len(d.digits) == 0 {
		d.exp = 0
	}
}

func (d decimal) isZero() bool { return len(d.digits) == 0 && !d.inf && !d.nan }

// magnitude is the power of ten of the leading digit (0 for zero).
func (d decimal) magnitude() int {
	if len(d.digits) == 0 {
		return 0
	}
	return d.exp - 1
}

func (d decimal) shift(n int) decimal {
	if len(d.digits) > 0 {
		d.exp += n
	}
	return d
}

// roundAt keeps n leading digits (n may be ≤ 0) under mode.
func (d decimal) roundAt(n int, mode string) decimal {
	if n >= len(d.digits) || d.inf || d.nan {
		return d
	}
	keep := d.digits[:max(n, 0)]
	rest := d.digits[max(n, 0):]
	var first byte = '0'
	if n >= 0 {
		first = rest[0]
	}
	// rest is non-zero (digits carry no trailing zeros); classify vs half.
	half := 0 // -1 below, 0 exactly, 1 above
	switch {
	case first < '5':
		half = -1
	case first > '5':
		half = 1
	default:
		if len(rest) > 1 {
			half = 1
		}
	}
	odd := len(keep) > 0 && (keep[len(keep)-1]-'0')%2 == 1
	up := false
	switch mode {
	case "ceil":
		up = !d.neg
	case "floor":
		up = d.neg
	case "expand":
		up = true
	case "trunc":
		up = false
	case "halfCeil":
		up = half > 0 || half == 0 && !d.neg
	case "halfFloor":
		up = half > 0 || half == 0 && d.neg
	case "halfTrunc":
		up = half > 0
	case "halfEven":
		up = half > 0 || half == 0 && odd
	default: // halfExpand
		up = half >= 0
	}
	out := decimal{neg: d.neg, exp: d.exp}
	if !up {
		out.digits = append([]byte(nil), keep...)
		out.trim()
		return out
	}
	if n <= 0 {
		out.digits = []byte{'1'}
		out.exp = d.exp - n + 1
		return out
	}
	dg := append([]byte(nil), keep...)
	i := len(dg) - 1
	for ; i >= 0; i-- {
		if dg[i] == '9' {
			dg[i] = '0'
			continue
		}
		dg[i]++
		break
	}
	if i < 0 {
		dg = append([]byte{'1'}, dg...)
		out.exp++
	}
	out.digits = dg
	out.trim()
	return out
}

// roundFrac rounds to maxFrac fraction digits; roundSig to maxSig significant.
func (d decimal) roundFrac(maxFrac int, mode string) decimal { return d.roundAt(d.exp+maxFrac, mode) }
func (d decimal) roundSig(maxSig int, mode string) decimal   { return d.roundAt(maxSig, mode) }

// split renders the magnitude as integer and fraction digit strings, with at
// least minInt integer and minFrac fraction digits.
func (d decimal) split(minInt, minFrac int) (string, string) {
	var ip, fp string
	switch {
	case len(d.digits) == 0:
	case d.exp <= 0:
		fp = strings.Repeat("0", -d.exp) + string(d.digits)
	case d.exp >= len(d.digits):
		ip = string(d.digits) + strings.Repeat("0", d.exp-len(d.digits))
	default:
		ip, fp = string(d.digits[:d.exp]), string(d.digits[d.exp:])
	}
	if len(ip) < minInt {
		ip = strings.Repeat("0", minInt-len(ip)) + ip
	}
	if len(fp) < minFrac {
		fp += strings.Repeat("0", minFrac-len(fp))
	}
	return ip, fp
}

func (d decimal) float() float64 {
	ip, fp := d.split(1, 0)
	f, _ := strconv.ParseFloat(ip+"."+fp+"0", 64)
	if d.neg {
		f = -f
	}
	return f
}
