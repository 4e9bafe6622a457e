package engine

import (
	"strconv"
	"strings"

	"github.com/dop251/goja"
	"golang.org/x/net/idna"
)

// parsedURL is a URL record of the WHATWG URL Standard, as Chromium
// serialises it. net/url follows RFC 3986 instead (no default-port
// removal, no backslashes, other escaping), so the parser is here.
type parsedURL struct {
	scheme, username, password string
	host                       *string // nil: no host
	port                       string
	path                       string // serialised: "/a/b" or an opaque path
	opaque                     bool
	query, fragment            *string
}

var specialPorts = map[string]string{"ftp": "21", "file": "", "http": "80", "https": "443", "ws": "80", "wss": "443"}

func (u *parsedURL) special() bool { _, ok := specialPorts[u.scheme]; return ok }

func (u *parsedURL) href() string {
	var b strings.Builder
	b.WriteString(u.scheme + ":")
	if u.host != nil {
		b.WriteString("//")
		if u.username != "" || u.password != "" {
			b.WriteString(u.username)
			if u.password != "" {
				b.WriteString(":" + u.password)
			}
			b.WriteByte('@')
		}
		b.WriteString(*u.host)
		if u.port != "" {
			b.WriteString(":" + u.port)
		}
	} else if !u.opaque && strings.HasPrefix(u.path, "//") {
		b.WriteString("/.")
	}
	b.WriteString(u.path)
	if u.query != nil {
		b.WriteString("?" + *u.query)
	}
	if u.fragment != nil {
		b.WriteString("#" + *u.fragment)
	}
	return b.String()
}

// parts is what the URL class reads: href, protocol, username, password,
// hostname, port, pathname, search, hash, origin.
func (u *parsedURL) parts(rt *goja.Runtime) goja.Value {
	host, search, hash := "", "", ""
	if u.host != nil {
		host = *u.host
	}
	if u.query != nil && *u.query != "" {
		search = "?" + *u.query
	}
	if u.fragment != nil && *u.fragment != "" {
		hash = "#" + *u.fragment
	}
	origin := u.origin()
	return rt.ToValue([]any{u.href(), u.scheme + ":", u.username, u.password, host, u.port, u.path, search, hash, origin})
}

// origin is the URL's origin serialised: scheme://host[:port] for special
// schemes but file, the inner URL's for blob:, else "null".
func (u *parsedURL) origin() string {
	if u.scheme == "blob" {
		if in, ok := parseURL(u.path, ""); ok && (in.scheme == "http" || in.scheme == "https") {
			return in.origin()
		}
		return "null"
	}
	if !u.special() || u.scheme == "file" {
		return "null"
	}
	o := u.scheme + "://" + *u.host
	if u.port != "" {
		o += ":" + u.port
	}
	return o
}

func parseURL(input, baseStr string) (*parsedURL, bool) {
	var base *parsedURL
	if baseStr != "" {
		var ok bool
		if base, ok = parseURL(baseStr, ""); !ok {
			return nil, false
		}
	}
	input = strings.TrimFunc(input, func(r rune) bool { return r <= ' ' })
	input = strings.NewReplacer("\t", "", "\n", "", "\r", "").Replace(input)

	u := &parsedURL{}
	scheme, rest, hasScheme := splitScheme(input)
	if !hasScheme {
		if base == nil {
			return nil, false
		}
		if base.opaque {
			if !strings.HasPrefix(input, "#") {
				return nil, false
			}
			c := *base
			f := encodeSet(input[1:], fragmentSet)
			c.fragment = &f
			return &c, true
		}
		u.scheme = base.scheme
		return u, u.relative(input, base)
	}
	u.scheme = scheme
	if !u.special() {
		switch {
		case strings.HasPrefix(rest, "//"):
			return u, u.authority(rest[2:])
		case strings.HasPrefix(rest, "/"):
			return u, u.pathQueryFragment(rest)
		}
		u.opaque = true
		p, qf := cutAny(rest, "?#")
		u.path = encodeSet(p, c0Set)
		u.queryFragment(qf)
		return u, true
	}
	if scheme == "file" {
		return u, u.file(rest, base)
	}
	if base != nil && base.scheme == scheme && !strings.HasPrefix(rest, "/") && !strings.HasPrefix(rest, `\`) {
		return u, u.relative(rest, base)
	}
	return u, u.authority(strings.TrimLeft(rest, `/\`))
}

func splitScheme(s string) (scheme, rest string, ok bool) {
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c >= 'a' && c <= 'z', c >= 'A' && c <= 'Z':
		case i > 0 && (c >= '0' && c <= '9' || c == '+' || c == '-' || c == '.'):
		case i > 0 && c == ':':
			return strings.ToLower(s[:i]), s[i+1:], true
		default:
			return "", s, false
		}
	}
	return "", s, false
}

func (u *parsedURL) isSlash(c byte) bool { return c == '/' || c == '\\' && u.special() }

// relative resolves rest against base (same scheme).
func (u *parsedURL) relative(rest string, base *parsedURL) bool {
	if len(rest) >= 2 && u.isSlash(rest[0]) && u.isSlash(rest[1]) {
		return u.authority(rest[2:])
	}
	u.username, u.password, u.host, u.port = base.username, base.password, base.host, base.port
	switch {
	case rest != "" && u.isSlash(rest[0]):
		return u.pathQueryFragment(rest)
	case rest == "":
		u.path, u.query = base.path, base.query
		return true
	case rest[0] == '?':
		u.path = base.path
		u.queryFragment(rest)
		return true
	case rest[0] == '#':
		u.path, u.query = base.path, base.query
		u.queryFragment(rest)
		return true
	}
	dir := base.path
	if i := strings.LastIndexByte(dir, '/'); i >= 0 {
		dir = dir[:i+1]
	} else {
		dir = "/"
	}
	return u.pathQueryFragment(dir + rest)
}

// authority parses [userinfo@]host[:port] and what follows it.
func (u *parsedURL) authority(s string) bool {
	end := len(s)
	for i := 0; i < len(s); i++ {
		if c := s[i]; c == '?' || c == '#' || u.isSlash(c) {
			end = i
			break
		}
	}
	auth, rest := s[:end], s[end:]
	if at := strings.LastIndexByte(auth, '@'); at >= 0 {
		user, pass, _ := strings.Cut(auth[:at], ":")
		u.username, u.password = encodeSet(user, userinfoSet), encodeSet(pass, userinfoSet)
		auth = auth[at+1:]
	}
	if !u.setHostPort(auth, true) {
		return false
	}
	if rest == "" {
		if u.special() {
			u.path = "/"
		}
		return true
	}
	return u.pathQueryFragment(rest)
}

func (u *parsedURL) setHostPort(hp string, withPort bool) bool {
	host, port := hp, ""
	if i := strings.LastIndexByte(hp, ':'); i >= 0 && !strings.Contains(hp[i:], "]") {
		host, port = hp[:i], hp[i+1:]
		if !withPort {
			return false
		}
	}
	h, ok := u.parseHost(host)
	if !ok {
		return false
	}
	if port != "" {
		n, err := strconv.Atoi(port)
		if err != nil || n < 0 || n > 65535 || strings.TrimLeft(port, "0123456789") != "" {
			return false
		}
		port = strconv.Itoa(n)
		if specialPorts[u.scheme] == port {
			port = ""
		}
	}
	u.host, u.port = &h, port
	return true
}

func (u *parsedURL) parseHost(s string) (string, bool) {
	if strings.HasPrefix(s, "[") {
		if !strings.HasSuffix(s, "]") {
			return "", false
		}
		return strings.ToLower(s), true
	}
	if !u.special() {
		if strings.ContainsAny(s, " #/<>?@[\\]^|") {
			return "", false
		}
		return encodeSet(s, c0Set), true
	}
	if s == "" {
		return "", false
	}
	d, ok := percentDecode(s)
	if !ok {
		return "", false
	}
	a, err := idna.Lookup.ToASCII(d)
	if err != nil {
		// Chromium accepts underscores and the like that IDNA's strict
		// rules reject; only forbidden host code points fail.
		a = strings.ToLower(d)
	}
	if a == "" || strings.ContainsAny(a, "\x00\t\n\r #/:<>?@[\\]^|%") {
		return "", false
	}
	return a, true
}

func (u *parsedURL) file(rest string, base *parsedURL) bool {
	empty := ""
	if len(rest) >= 2 && u.isSlash(rest[0]) && u.isSlash(rest[1]) {
		s := rest[2:]
		end := len(s)
		for i := 0; i < len(s); i++ {
			if c := s[i]; c == '?' || c == '#' || u.isSlash(c) {
				end = i
				break
			}
		}
		if end == 0 {
			u.host = &empty
		} else if !u.setHostPort(s[:end], false) {
			return false
		}
		if *u.host == "localhost" {
			u.host = &empty
		}
		if end == len(s) {
			u.path = "/"
			return true
		}
		return u.pathQueryFragment(s[end:])
	}
	u.host = &empty
	if base != nil && base.scheme == "file" && (rest == "" || !u.isSlash(rest[0])) {
		return u.relative(rest, base)
	}
	if rest == "" || !u.isSlash(rest[0]) {
		rest = "/" + rest
	}
	return u.pathQueryFragment(rest)
}

// pathQueryFragment parses a path starting with a slash, then ?query#fragment.
func (u *parsedURL) pathQueryFragment(s string) bool {
	p, qf := cutAny(s, "?#")
	u.setPath(p)
	u.queryFragment(qf)
	return true
}

func (u *parsedURL) setPath(p string) {
	if u.special() {
		p = strings.ReplaceAll(p, `\`, "/")
	}
	p = strings.TrimPrefix(p, "/")
	var segs []string
	parts := strings.Split(p, "/")
	for i, seg := range parts {
		last := i == len(parts)-1
		switch strings.ToLower(seg) {
		case "..", ".%2e", "%2e.", "%2e%2e":
			if len(segs) > 0 {
				segs = segs[:len(segs)-1]
			}
			if last {
				segs = append(segs, "")
			}
		case ".", "%2e":
			if last {
				segs = append(segs, "")
			}
		default:
			segs = append(segs, encodeSet(seg, pathSet))
		}
	}
	u.path = "/" + strings.Join(segs, "/")
}

func (u *parsedURL) queryFragment(s string) {
	if s == "" {
		return
	}
	if s[0] == '?' {
		q, f, hasF := strings.Cut(s[1:], "#")
		u.setQuery(q)
		if hasF {
			u.setFragment(f)
		}
		return
	}
	u.setFragment(s[1:])
}

func (u *parsedURL) setQuery(q string) {
	set := querySet
	if u.special() {
		set = specialQuerySet
	}
	e := encodeSet(q, set)
	u.query = &e
}

func (u *parsedURL) setFragment(f string) {
	e := encodeSet(f, fragmentSet)
	u.fragment = &e
}

// set applies a URL setter (protocol, username, password, host, hostname,
// port, pathname, search, hash); false leaves the URL unchanged.
func (u *parsedURL) set(part, v string) bool {
	switch part {
	case "protocol":
		scheme, _, ok := splitScheme(v + ":")
		if !ok {
			return false
		}
		_, special := specialPorts[scheme]
		if special != u.special() || scheme == "file" && (u.username != "" || u.port != "") {
			return false
		}
		u.scheme = scheme
		if specialPorts[scheme] == u.port {
			u.port = ""
		}
	case "username", "password":
		if u.host == nil || *u.host == "" || u.scheme == "file" {
			return false
		}
		if part == "username" {
			u.username = encodeSet(v, userinfoSet)
		} else {
			u.password = encodeSet(v, userinfoSet)
		}
	case "host", "hostname":
		if u.opaque {
			return false
		}
		end := len(v)
		for i := 0; i < len(v); i++ {
			if c := v[i]; c == '?' || c == '#' || u.isSlash(c) {
				end = i
				break
			}
		}
		port := u.port
		if !u.setHostPort(v[:end], part == "host") {
			return false
		}
		if part == "hostname" || !strings.Contains(v[:end], ":") {
			u.port = port
		}
	case "port":
		if u.host == nil || *u.host == "" || u.scheme == "file" {
			return false
		}
		digits := v[:len(v)-len(strings.TrimLeft(v, "0123456789"))]
		if v == "" {
			u.port = ""
			return true
		}
		if digits == "" {
			return false
		}
		n, err := strconv.Atoi(digits)
		if err != nil || n > 65535 {
			return false
		}
		u.port = strconv.Itoa(n)
		if specialPorts[u.scheme] == u.port {
			u.port = ""
		}
	case "pathname":
		if u.opaque {
			return false
		}
		v = strings.NewReplacer("?", "%3F", "#", "%23").Replace(v)
		u.setPath(v)
	case "search":
		if v == "" {
			u.query = nil
			return true
		}
		u.setQuery(strings.TrimPrefix(v, "?"))
	case "hash":
		if v == "" {
			u.fragment = nil
			return true
		}
		u.setFragment(strings.TrimPrefix(v, "#"))
	default:
		return false
	}
	return true
}

func cutAny(s, chars string) (before, rest string) {
	if i := strings.IndexAny(s, chars); i >= 0 {
		return s[:i], s[i:]
	}
	return s, ""
}

// Percent-encode sets of the URL Standard, as byte predicates.
type byteSet func(byte) bool

var (
	c0Set           byteSet = func(c byte) bool { return c < 0x20 || c > 0x7E }
	fragmentSet     byteSet = func(c byte) bool { return c0Set(c) || strings.IndexByte(" \"<>`", c) >= 0 }
	querySet        byteSet = func(c byte) bool { return c0Set(c) || strings.IndexByte(" \"#<>", c) >= 0 }
	specialQuerySet byteSet = func(c byte) bool { return querySet(c) || c == '\'' }
	pathSet         byteSet = func(c byte) bool { return querySet(c) || strings.IndexByte("?`{}", c) >= 0 }
	userinfoSet     byteSet = func(c byte) bool { return pathSet(c) || strings.IndexByte("/:;=@[\\]^|", c) >= 0 }
)

func encodeSet(s string, set byteSet) string {
	need := false
	for i := 0; i < len(s); i++ {
		if set(s[i]) {
			need = true
			break
		}
	}
	if !need {
		return s
	}
	const hex = "0123456789ABCDEF"
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		if c := s[i]; set(c) {
			b.WriteByte('%')
			b.WriteByte(hex[c>>4])
			b.WriteByte(hex[c&15])
		} else {
			b.WriteByte(c)
		}
	}
	return b.String()
}

func percentDecode(s string) (string, bool) {
	if !strings.Contains(s, "%") {
		return s, true
	}
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		if s[i] == '%' && i+2 < len(s) && isHex(s[i+1]) && isHex(s[i+2]) {
			n, _ := strconv.ParseUint(s[i+1:i+3], 16, 8)
			b.WriteByte(byte(n))
			i += 2
			continue
		}
		b.WriteByte(s[i])
	}
	return b.String(), true
}

func isHex(c byte) bool { return c >= '0' && c <= '9' || c >= 'a' && c <= 'f' || c >= 'A' && c <= 'F' }
