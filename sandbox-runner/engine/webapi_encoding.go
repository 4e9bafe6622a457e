package engine

import (
	"encoding/base64"
	"strings"
	"unicode/utf16"
	"unicode/utf8"

	"github.com/dop251/goja"
)

// TextEncoder and TextDecoder (UTF-8 only, as TextEncoder is by spec; a
// TextDecoder for another label throws RangeError as an unsupported one does).
var encodingModule = &jsModule{name: "encoding.js", src: `function (native, global) {
	const bytesOf = (input, method) => {
		if (input === undefined) return new Uint8Array(0);
		if (input instanceof ArrayBuffer) return new Uint8Array(input);
		if (ArrayBuffer.isView(input)) return new Uint8Array(input.buffer, input.byteOffset, input.byteLength);
		throw new TypeError("Failed to execute '" + method + "' on 'TextDecoder': The provided value is not of type '(ArrayBuffer or ArrayBufferView)'.");
	};
	class TextEncoder {
		get encoding() { return 'utf-8'; }
		encode(input = '') { return new Uint8Array(native.utf8Encode(String(input))); }
		encodeInto(source, destination) {
			if (!(destination instanceof Uint8Array)) throw new TypeError("Failed to execute 'encodeInto' on 'TextEncoder': parameter 2 is not of type 'Uint8Array'.");
			let read = 0, written = 0;
			for (const ch of String(source)) {
				const b = native.utf8Encode(ch);
				if (written + b.byteLength > destination.length) break;
				destination.set(new Uint8Array(b), written);
				written += b.byteLength;
				read += ch.length;
			}
			return { read, written };
		}
		get [Symbol.toStringTag]() { return 'TextEncoder'; }
	}
	const labels = ['utf-8', 'utf8', 'unicode-1-1-utf-8', 'unicode11utf8', 'unicode20utf8', 'x-unicode20utf8'];
	class TextDecoder {
		#fatal; #ignoreBOM;
		constructor(label = 'utf-8', options = {}) {
			if (!labels.includes(String(label).trim().toLowerCase()))
				throw new RangeError("Failed to construct 'TextDecoder': The encoding label provided ('" + label + "') is invalid.");
			this.#fatal = !!(options && options.fatal);
			this.#ignoreBOM = !!(options && options.ignoreBOM);
		}
		get encoding() { return 'utf-8'; }
		get fatal() { return this.#fatal; }
		get ignoreBOM() { return this.#ignoreBOM; }
		decode(input, options) {
			const b = bytesOf(input, 'decode');
			const s = native.utf8Decode(b.buffer, b.byteOffset, b.byteLength, this.#fatal, this.#ignoreBOM);
			if (s === null) throw new TypeError("Failed to execute 'decode' on 'TextDecoder': The encoded data was not valid.");
			return s;
		}
		get [Symbol.toStringTag]() { return 'TextDecoder'; }
	}
	return { TextEncoder, TextDecoder };
}`}

func init() {
	export(encodingModule, "TextEncoder", "TextDecoder")
	registerGlobal("btoa", func(ex *execution) goja.Value { return ex.function("btoa", ex.btoa) })
	registerGlobal("atob", func(ex *execution) goja.Value { return ex.function("atob", ex.atob) })
}

// utf8Encode is UTF-8 of a JavaScript string; lone surrogates (which goja
// hands over as U+FFFD already) become EF BF BD, as the Encoding spec says.
func utf8Encode(s string) []byte { return []byte(strings.ToValidUTF8(s, "\uFFFD")) }

// utf8Decode is the Encoding spec's UTF-8 decode: a BOM is dropped unless
// ignoreBOM, each maximal invalid subpart becomes one U+FFFD, or with
// fatal the first one fails.
func utf8Decode(b []byte, fatal, ignoreBOM bool) (string, bool) {
	if !ignoreBOM && len(b) >= 3 && b[0] == 0xEF && b[1] == 0xBB && b[2] == 0xBF {
		b = b[3:]
	}
	if utf8.Valid(b) {
		return string(b), true
	}
	var sb strings.Builder
	for len(b) > 0 {
		r, n := utf8.DecodeRune(b)
		if r != utf8.RuneError || n > 1 {
			sb.WriteRune(r)
			b = b[n:]
			continue
		}
		if fatal {
			return "", false
		}
		sb.WriteRune(utf8.RuneError)
		b = b[maximalSubpart(b):]
	}
	return sb.String(), true
}

// maximalSubpart is the length of the invalid sequence at b's start that
// one replacement character stands for (at least 1).
func maximalSubpart(b []byte) int {
	lead := b[0]
	var need int
	lo, hi := byte(0x80), byte(0xBF)
	switch {
	case lead >= 0xC2 && lead <= 0xDF:
		need = 1
	case lead >= 0xE0 && lead <= 0xEF:
		need = 2
		if lead == 0xE0 {
			lo = 0xA0
		} else if lead == 0xED {
			hi = 0x9F
		}
	case lead >= 0xF0 && lead <= 0xF4:
		need = 3
		if lead == 0xF0 {
			lo = 0x90
		} else if lead == 0xF4 {
			hi = 0x8F
		}
	default:
		return 1
	}
	i := 1
	for ; i <= need && i < len(b); i++ {
		if b[i] < lo || b[i] > hi {
			break
		}
		lo, hi = 0x80, 0xBF
	}
	return i
}

// latin1 returns the code units of s when all are at most 0xFF.
func latin1(v goja.Value) ([]byte, bool) {
	units := utf16.Encode([]rune(v.String()))
	out := make([]byte, len(units))
	for i, u := range units {
		if u > 0xFF {
			return nil, false
		}
		out[i] = byte(u)
	}
	return out, true
}

func (ex *execution) btoa(c goja.FunctionCall) goja.Value {
	if len(c.Arguments) == 0 {
		panic(ex.rt.NewTypeError("Failed to execute 'btoa' on 'Window': 1 argument required, but only 0 present."))
	}
	b, ok := latin1(c.Argument(0))
	if !ok {
		ex.throwDOMException("InvalidCharacterError", "Failed to execute 'btoa' on 'Window': The string to be encoded contains characters outside of the Latin1 range.")
	}
	return ex.rt.ToValue(base64.StdEncoding.EncodeToString(b))
}

// atob is the HTML spec's forgiving-base64 decode.
func (ex *execution) atob(c goja.FunctionCall) goja.Value {
	if len(c.Arguments) == 0 {
		panic(ex.rt.NewTypeError("Failed to execute 'atob' on 'Window': 1 argument required, but only 0 present."))
	}
	bad := func() {
		ex.throwDOMException("InvalidCharacterError", "Failed to execute 'atob' on 'Window': The string to be decoded is not correctly encoded.")
	}
	s := strings.Map(func(r rune) rune {
		if r == ' ' || r == '\t' || r == '\n' || r == '\f' || r == '\r' {
			return -1
		}
		return r
	}, c.Argument(0).String())
	if len(s)%4 == 0 {
		s = strings.TrimSuffix(s, "=")
		s = strings.TrimSuffix(s, "=")
	}
	if len(s)%4 == 1 {
		bad()
	}
	for _, r := range s {
		if !(r >= 'A' && r <= 'Z' || r >= 'a' && r <= 'z' || r >= '0' && r <= '9' || r == '+' || r == '/') {
			bad()
		}
	}
	b, err := base64.RawStdEncoding.DecodeString(s) // not Strict: forgiving-base64 ignores padding bits
	if err != nil {
		bad()
	}
	runes := make([]rune, len(b))
	for i, x := range b {
		runes[i] = rune(x)
	}
	return ex.rt.ToValue(string(runes))
}
