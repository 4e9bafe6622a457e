package engine

import (
	"math"
	"strings"

	"github.com/dop251/goja"
)

// Math.sin, cos, tan, atan and atan2 as V8 computes them. Go's math.Sin/Cos (Cephes)
// can be an ulp or two off where V8's fdlibm port is correctly rounded in
// practice, and an SVG pie chart's path data shows it
// (-0.8090169943749475 for V8's -0.8090169943749473). This is fdlibm's
// k_sin.c, k_cos.c and e_rem_pio2.c (the reduction for |x| < 2^19·π/2;
// beyond it, math.Sin/Cos's own Payne-Hanek reduction is used, a last-ulp
// difference that remains for such arguments), k_tan.c, s_atan.c and
// e_atan2.c. Installed only for a script whose source names Math and sin,
// cos or tan (atan too).

func word(hi, lo uint32) float64 { return math.Float64frombits(uint64(hi)<<32 | uint64(lo)) }

var (
	s1 = word(0xBFC55555, 0x55555549)
	s2 = word(0x3F811111, 0x1110F8A6)
	s3 = word(0xBF2A01A0, 0x19C161D5)
	s4 = word(0x3EC71DE3, 0x57B1FE7D)
	s5 = word(0xBE5AE5E6, 0x8A2B9CEB)
	s6 = word(0x3DE5D93A, 0x5ACFD57C)

	c1 = word(0x3FA55555, 0x5555554C)
	c2 = word(0xBF56C16C, 0x16C15177)
	c3 = word(0x3EFA01A0, 0x19CB1590)
	c4 = word(0xBE927E4F, 0x809C52AD)
	c5 = word(0x3E21EE9E, 0xBDB4B1C4)
	c6 = word(0xBDA8FAE9, 0xBE8838D4)

	invpio2 = word(0x3FE45F30, 0x6DC9C883)
	pio2_1  = word(0x3FF921FB, 0x54400000)
	pio2_1t = word(0x3DD0B461, 0x1A626331)
	pio2_2  = word(0x3DD0B461, 0x1A600000)
	pio2_2t = word(0x3BA3198A, 0x2E037073)
	pio2_3  = word(0x3BA3198A, 0x2E000000)
	pio2_3t = word(0x397B839A, 0x252049C1)
)

var npio2hw = [32]uint32{
	0x3FF921FB, 0x400921FB, 0x4012D97C, 0x401921FB, 0x401F6A7A, 0x4022D97C,
	0x4025FDBB, 0x402921FB, 0x402C463A, 0x402F6A7A, 0x4031475C, 0x4032D97C,
	0x40346B9C, 0x4035FDBB, 0x40378FDB, 0x403921FB, 0x403AB41B, 0x403C463A,
	0x403DD85A, 0x403F6A7A, 0x40407E4C, 0x4041475C, 0x4042106C, 0x4042D97C,
	0x4043A28C, 0x40446B9C, 0x404534AC, 0x4045FDBB, 0x4046C6CB, 0x40478FDB,
	0x404858EB, 0x404921FB,
}

func high(x float64) uint32 { return uint32(math.Float64bits(x) >> 32) }

func kernelSin(x, y float64, iy bool) float64 {
	if high(x)&0x7fffffff < 0x3e400000 && int(x) == 0 { // |x| < 2**-27
		return x
	}
	z := x * x
	v := z * x
	r := s2 + z*(s3+z*(s4+z*(s5+z*s6)))
	if !iy {
		return x + v*(s1+z*r)
	}
	return x - ((z*(0.5*y-v*r) - y) - v*s1)
}

func kernelCos(x, y float64) float64 {
	ix := high(x) & 0x7fffffff
	if ix < 0x3e400000 && int(x) == 0 { // |x| < 2**-27
		return 1
	}
	z := x * x
	r := z * (c1 + z*(c2+z*(c3+z*(c4+z*(c5+z*c6)))))
	if ix < 0x3FD33333 { // |x| < 0.3
		return 1 - (0.5*z - (z*r - x*y))
	}
	qx := 0.28125
	if ix <= 0x3fe90000 { // |x| <= 0.78125
		qx = word(ix-0x00200000, 0) // x/4
	}
	hz := 0.5*z - qx
	a := 1 - qx
	return a - (hz - (z*r - x*y))
}

// remPio2 is x - n·π/2 as y0+y1, and n; ok is false when |x| is too large
// for this reduction.
func remPio2(x float64) (n int, y0, y1 float64, ok bool) {
	hx := int32(high(x))
	ix := uint32(hx) & 0x7fffffff
	if ix <= 0x3fe921fb { // |x| ~<= π/4
		return 0, x, 0, true
	}
	if ix < 0x4002d97c { // |x| < 3π/4
		if hx > 0 {
			z := x - pio2_1
			if ix != 0x3ff921fb {
				y0 = z - pio2_1t
				y1 = (z - y0) - pio2_1t
			} else {
				z -= pio2_2
				y0 = z - pio2_2t
				y1 = (z - y0) - pio2_2t
			}
			return 1, y0, y1, true
		}
		z := x + pio2_1
		if ix != 0x3ff921fb {
			y0 = z + pio2_1t
			y1 = (z - y0) + pio2_1t
		} else {
			z += pio2_2
			y0 = z + pio2_2t
			y1 = (z - y0) + pio2_2t
		}
		return -1, y0, y1, true
	}
	if ix > 0x413921fb { // |x| > 2^19·π/2
		return 0, 0, 0, false
	}
	t := math.Abs(x)
	n = int(t*invpio2 + 0.5)
	fn := float64(n)
	r := t - fn*pio2_1
	w := fn * pio2_1t
	if n < 32 && ix != npio2hw[n-1] {
		y0 = r - w
	} else {
		j := ix >> 20
		y0 = r - w
		i := j - (high(y0)>>20)&0x7ff
		if i > 16 {
			t = r
			w = fn * pio2_2
			r = t - w
			w = fn*pio2_2t - ((t - r) - w)
			y0 = r - w
			i = j - (high(y0)>>20)&0x7ff
			if i > 49 {
				t = r
				w = fn * pio2_3
				r = t - w
				w = fn*pio2_3t - ((t - r) - w)
				y0 = r - w
			}
		}
	}
	y1 = (r - y0) - w
	if hx < 0 {
		return -n, -y0, -y1, true
	}
	return n, y0, y1, true
}

func fdlibmSin(x float64) float64 {
	if high(x)&0x7fffffff <= 0x3fe921fb {
		return kernelSin(x, 0, false)
	}
	if math.IsNaN(x) || math.IsInf(x, 0) {
		return math.NaN()
	}
	n, y0, y1, ok := remPio2(x)
	if !ok {
		return math.Sin(x)
	}
	switch n & 3 {
	case 0:
		return kernelSin(y0, y1, true)
	case 1:
		return kernelCos(y0, y1)
	case 2:
		return -kernelSin(y0, y1, true)
	}
	return -kernelCos(y0, y1)
}

func fdlibmCos(x float64) float64 {
	if high(x)&0x7fffffff <= 0x3fe921fb {
		return kernelCos(x, 0)
	}
	if math.IsNaN(x) || math.IsInf(x, 0) {
		return math.NaN()
	}
	n, y0, y1, ok := remPio2(x)
	if !ok {
		return math.Cos(x)
	}
	switch n & 3 {
	case 0:
		return kernelCos(y0, y1)
	case 1:
		return -kernelSin(y0, y1, true)
	case 2:
		return -kernelCos(y0, y1)
	}
	return kernelSin(y0, y1, true)
}

// installTrig replaces Math.sin and Math.cos for a block whose script (or
// page, for its inline scripts) names them.
func (ex *execution) installTrig(js, page string) {
	if !namesTrig(js) && !namesTrig(page) {
		return
	}
	m := ex.rt.Get("Math").ToObject(ex.rt)
	def := func(name string, fn func(goja.FunctionCall) goja.Value) {
		if strings.Contains(js, name) || strings.Contains(page, name) { // only those the block names
			_ = m.DefineDataProperty(name, ex.function(name, fn), goja.FLAG_TRUE, goja.FLAG_FALSE, goja.FLAG_TRUE)
		}
	}
	unary := func(f func(float64) float64) func(goja.FunctionCall) goja.Value {
		return func(c goja.FunctionCall) goja.Value { return ex.rt.ToValue(f(c.Argument(0).ToFloat())) }
	}
	def("sin", unary(fdlibmSin))
	def("cos", unary(fdlibmCos))
	def("tan", unary(fdlibmTan))
	def("atan", unary(fdlibmAtan))
	def("atan2", func(c goja.FunctionCall) goja.Value {
		return ex.rt.ToValue(fdlibmAtan2(c.Argument(0).ToFloat(), c.Argument(1).ToFloat()))
	})
}

func namesTrig(src string) bool {
	return strings.Contains(src, "Math") && (strings.Contains(src, "sin") || strings.Contains(src, "cos") || strings.Contains(src, "tan"))
}

// fdlibm's s_atan.c and e_atan2.c (Go's math.Atan, Cephes, differs from V8
// in the last place for a quarter of arguments).
var (
	atanHi = [4]float64{4.63647609000806093515e-01, 7.85398163397448278999e-01, 9.82793723247329054082e-01, 1.57079632679489655800e+00}
	atanLo = [4]float64{2.26987774529616870924e-17, 3.06161699786838301793e-17, 1.39033110312309984516e-17, 6.12323399573676603587e-17}
	aT     = [11]float64{3.33333333333329318027e-01, -1.99999999998764832476e-01, 1.42857142725034663711e-01,
		-1.11111104054623557880e-01, 9.09088713343650656196e-02, -7.69187620504482999495e-02, 6.66107313738753120669e-02,
		-5.83357013379057348645e-02, 4.97687799461593236017e-02, -3.65315727442169155270e-02, 1.62858201153657823623e-02}
)

func fdlibmAtan(x float64) float64 {
	hx := int32(high(x))
	ix := uint32(hx) & 0x7fffffff
	if ix >= 0x44100000 { // |x| >= 2^66
		if math.IsNaN(x) {
			return x
		}
		if hx > 0 {
			return atanHi[3] + atanLo[3]
		}
		return -atanHi[3] - atanLo[3]
	}
	id := -1
	if ix < 0x3fdc0000 { // |x| < 0.4375
		if ix < 0x3e400000 { // |x| < 2^-27
			return x
		}
	} else {
		x = math.Abs(x)
		switch {
		case ix < 0x3fe60000: // 7/16 <= |x| < 11/16
			id, x = 0, (2.0*x-1.0)/(2.0+x)
		case ix < 0x3ff30000: // 11/16 <= |x| < 19/16
			id, x = 1, (x-1.0)/(x+1.0)
		case ix < 0x40038000: // |x| < 2.4375
			id, x = 2, (x-1.5)/(1.0+1.5*x)
		default: // 2.4375 <= |x| < 2^66
			id, x = 3, -1.0/x
		}
	}
	z := x * x
	w := z * z
	s1 := z * (aT[0] + w*(aT[2]+w*(aT[4]+w*(aT[6]+w*(aT[8]+w*aT[10])))))
	s2 := w * (aT[1] + w*(aT[3]+w*(aT[5]+w*(aT[7]+w*aT[9]))))
	if id < 0 {
		return x - x*(s1+s2)
	}
	z = atanHi[id] - ((x*(s1+s2) - atanLo[id]) - x)
	if hx < 0 {
		return -z
	}
	return z
}

func fdlibmAtan2(y, x float64) float64 {
	const (
		piO4 = 7.8539816339744827900e-01
		piO2 = 1.5707963267948965580e+00
		pi   = 3.1415926535897931160e+00
		piLo = 1.2246467991473531772e-16
	)
	if math.IsNaN(x) || math.IsNaN(y) {
		return math.NaN()
	}
	if x == 1 {
		return fdlibmAtan(y)
	}
	m := 0 // 2*sign(x)+sign(y)
	if math.Signbit(y) {
		m |= 1
	}
	if math.Signbit(x) {
		m |= 2
	}
	switch {
	case y == 0:
		switch m {
		case 0, 1:
			return y
		case 2:
			return pi
		}
		return -pi
	case x == 0:
		if y < 0 {
			return -piO2
		}
		return piO2
	case math.IsInf(x, 0):
		if math.IsInf(y, 0) {
			return [4]float64{piO4, -piO4, 3 * piO4, -3 * piO4}[m]
		}
		return [4]float64{0, math.Copysign(0, -1), pi, -pi}[m]
	case math.IsInf(y, 0):
		if y < 0 {
			return -piO2
		}
		return piO2
	}
	var z float64
	k := (int32(high(y)&0x7fffffff) - int32(high(x)&0x7fffffff)) >> 20
	switch {
	case k > 60: // |y/x| > 2^60
		z = piO2 + 0.5*piLo
		m &= 1
	case x < 0 && k < -60: // |y|/x < -2^60
		z = 0
	default:
		z = fdlibmAtan(math.Abs(y / x))
	}
	switch m {
	case 0:
		return z
	case 1:
		return -z
	case 2:
		return pi - (z - piLo)
	}
	return (z - piLo) - pi
}

// fdlibm's k_tan.c (with V8's handling of tiny arguments) and s_tan.c.
var tanT = [13]float64{3.33333333333334091986e-01, 1.33333333333201242699e-01, 5.39682539762260521377e-02,
	2.18694882948595424599e-02, 8.86323982359930005737e-03, 3.59207910759131235356e-03, 1.45620945432529025516e-03,
	5.88041240820264096874e-04, 2.46463134818469906812e-04, 7.81794442939557092300e-05, 7.14072491382608190305e-05,
	-1.85586374855275456654e-05, 2.59073051863633712884e-05}

const (
	pio4   = 7.85398163397448278999e-01
	pio4lo = 3.06161699786838301793e-17
)

func lowZero(x float64) float64 { return math.Float64frombits(math.Float64bits(x) &^ 0xffffffff) }

// negInverse is -1/(x+y), carefully.
func negInverse(x, y, w float64) float64 {
	z := lowZero(w)
	v := y - (z - x)
	a := -1.0 / w
	t := lowZero(a)
	s := 1.0 + t*z
	return t + a*(s+t*v)
}

func kernelTan(x, y float64, iy int) float64 {
	hx := int32(high(x))
	ix := uint32(hx) & 0x7fffffff
	if ix < 0x3E300000 && int(x) == 0 { // |x| < 2^-28
		low := uint32(math.Float64bits(x))
		switch {
		case (ix|low) == 0 && iy == -1:
			return 1 / math.Abs(x)
		case iy == 1:
			return x
		}
		return negInverse(x, y, x+y)
	}
	big := ix >= 0x3FE59428 // |x| >= 0.6744
	if big {
		if hx < 0 {
			x, y = -x, -y
		}
		z := pio4 - x
		w := pio4lo - y
		x, y = z+w, 0
	}
	z := x * x
	w := z * z
	r := tanT[1] + w*(tanT[3]+w*(tanT[5]+w*(tanT[7]+w*(tanT[9]+w*tanT[11]))))
	v := z * (tanT[2] + w*(tanT[4]+w*(tanT[6]+w*(tanT[8]+w*(tanT[10]+w*tanT[12])))))
	s := z * x
	r = y + z*(s*(r+v)+y)
	r += tanT[0] * s
	w = x + r
	if big {
		v = float64(iy)
		return float64(1-((hx>>30)&2)) * (v - 2.0*(x-(w*w/(w+v)-r)))
	}
	if iy == 1 {
		return w
	}
	return negInverse(x, r, w)
}

func fdlibmTan(x float64) float64 {
	if high(x)&0x7fffffff <= 0x3fe921fb {
		return kernelTan(x, 0, 1)
	}
	if math.IsNaN(x) || math.IsInf(x, 0) {
		return math.NaN()
	}
	n, y0, y1, ok := remPio2(x)
	if !ok {
		return math.Tan(x)
	}
	return kernelTan(y0, y1, 1-((n&1)<<1))
}
