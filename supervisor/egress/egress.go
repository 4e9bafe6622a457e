package egress

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/netip"
	"net/url"
	"strconv"
	"strings"
	"syscall"
	"time"
)

const maxRedirects = 5

// Response is what the block's script receives.
type Response struct {
	Status      int    `json:"status"`
	ContentType string `json:"contentType"`
	Body        []byte `json:"body"`
}

// Rule permits one scheme, host and port.
type Rule struct {
	Scheme string // http or https
	Host   string // lower-case name or IP literal (no brackets)
	Port   int
}

func (r Rule) String() string {
	return r.Scheme + "://" + net.JoinHostPort(r.Host, strconv.Itoa(r.Port))
}

// Fetcher performs allowlisted fetches. Safe for concurrent use.
type Fetcher struct {
	rules    []Rule
	client   *http.Client
	timeout  time.Duration
	maxBytes int64
	selfPort int
	logger   *slog.Logger
}

// Opt configures New.
type Opt func(*Fetcher)

// WithTimeout bounds a whole fetch, body included (default 5s).
func WithTimeout(d time.Duration) Opt { return func(f *Fetcher) { f.timeout = d } }

// WithMaxBytes caps the response body (default 1 MiB).
func WithMaxBytes(n int64) Opt { return func(f *Fetcher) { f.maxBytes = n } }

// WithSelfPort refuses every connection to this port on a local address,
// whatever the rules say: a block must not reach the supervisor's own API.
func WithSelfPort(port int) Opt { return func(f *Fetcher) { f.selfPort = port } }

// WithLogger sets where refusals and failures are explained.
func WithLogger(l *slog.Logger) Opt { return func(f *Fetcher) { f.logger = l } }

// New returns a Fetcher allowing exactly the given rules (see
// ParseAllowlist). No rules refuse every fetch.
func New(rules []Rule, opts ...Opt) *Fetcher {
	f := &Fetcher{rules: rules, timeout: 5 * time.Second, maxBytes: 1 << 20}
	for _, o := range opts {
		o(f)
	}
	if f.logger == nil {
		f.logger = slog.New(slog.DiscardHandler)
	}
	f.logger = f.logger.With("component", "egress")
	dialer := &net.Dialer{Timeout: f.timeout, ControlContext: f.checkAddr}
	transport := http.DefaultTransport.(*http.Transport).Clone()
	transport.Proxy = nil // blocks reach the allowlisted host itself, nothing else
	transport.DialContext = dialer.DialContext
	f.client = &http.Client{
		Transport: transport,
		CheckRedirect: func(req *http.Request, via []*http.Request) error {
			if len(via) >= maxRedirects {
				return &Error{ErrFailed, fmt.Sprintf("more than %d redirects", maxRedirects)}
			}
			return f.check(req.URL)
		},
	}
	return f
}

// ParseAllowlist parses FETCH_ALLOWLIST: comma-separated rules
// scheme://host[:port] (https://api.example.com:443). A port left out is the
// scheme's default. A bare host name is kept for older configurations and
// means its two default ports only (http 80 and https 443). Paths, users and
// wildcards are refused.
func ParseAllowlist(s string) ([]Rule, error) {
	var rules []Rule
	for _, e := range strings.Split(s, ",") {
		e = strings.TrimSpace(e)
		if e == "" {
			continue
		}
		if !strings.Contains(e, "://") {
			h := strings.ToLower(strings.Trim(e, "[]"))
			if strings.ContainsAny(h, "/:@ \t*") && net.ParseIP(h) == nil {
				return nil, fmt.Errorf("%w: %q is not a rule (write https://example.com:443)", ErrBadAllowlist, e)
			}
			rules = append(rules, Rule{"http", h, 80}, Rule{"https", h, 443})
			continue
		}
		u, err := url.Parse(e)
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Hostname() == "" ||
			u.User != nil || (u.Path != "" && u.Path != "/") || u.RawQuery != "" || u.Fragment != "" ||
			strings.Contains(u.Host, "*") {
			return nil, fmt.Errorf("%w: %q is not a rule (write https://example.com:443: scheme, host, optional port, nothing else)", ErrBadAllowlist, e)
		}
		port, ok := portOf(u)
		if !ok {
			return nil, fmt.Errorf("%w: %q has an invalid port", ErrBadAllowlist, e)
		}
		rules = append(rules, Rule{u.Scheme, strings.ToLower(u.Hostname()), port})
	}
	return rules, nil
}

func portOf(u *url.URL) (int, bool) {
	p := u.Port()
	if p == "" {
		return map[string]int{"http": 80, "https": 443}[u.Scheme], true
	}
	n, err := strconv.Atoi(p)
	return n, err == nil && n > 0 && n < 65536
}

// Fetch GETs rawURL for a block.
func (f *Fetcher) Fetch(ctx context.Context, rawURL string) (*Response, error) {
	resp, err := f.fetch(ctx, rawURL)
	if err != nil {
		var e *Error
		if errors.As(err, &e) {
			f.logger.Info("fetch not completed", "url", redact(rawURL), "result", e.Kind.Error(), "reason", e.Detail)
		}
	}
	return resp, err
}

func (f *Fetcher) fetch(ctx context.Context, rawURL string) (*Response, error) {
	u, err := url.Parse(rawURL)
	if err != nil || !u.IsAbs() {
		return nil, ErrInvalidURL
	}
	if err := f.check(u); err != nil {
		return nil, err
	}
	ctx, cancel := context.WithTimeout(ctx, f.timeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u.String(), nil)
	if err != nil {
		return nil, ErrInvalidURL
	}
	resp, err := f.client.Do(req)
	if err != nil {
		return nil, f.classify(ctx, err)
	}
	defer resp.Body.Close()
	if resp.ContentLength > f.maxBytes {
		return nil, f.tooLarge()
	}
	body, err := io.ReadAll(io.LimitReader(resp.Body, f.maxBytes+1))
	if err != nil {
		return nil, f.classify(ctx, err)
	}
	if int64(len(body)) > f.maxBytes {
		return nil, f.tooLarge()
	}
	return &Response{Status: resp.StatusCode, ContentType: resp.Header.Get("Content-Type"), Body: body}, nil
}

// check applies the rules to a URL (the first request and every redirect).
func (f *Fetcher) check(u *url.URL) error {
	if (u.Scheme != "http" && u.Scheme != "https") || u.Hostname() == "" {
		return ErrInvalidURL
	}
	if len(f.rules) == 0 {
		return &Error{ErrRefused, "FETCH_ALLOWLIST is empty, so no host may be fetched"}
	}
	port, ok := portOf(u)
	if !ok {
		return ErrInvalidURL
	}
	host := strings.ToLower(u.Hostname())
	for _, r := range f.rules {
		if r.Scheme == u.Scheme && r.Host == host && r.Port == port {
			return nil
		}
	}
	return &Error{ErrRefused, fmt.Sprintf("%s://%s is not on FETCH_ALLOWLIST", u.Scheme, net.JoinHostPort(host, strconv.Itoa(port)))}
}

// checkAddr runs for every connection, with the address DNS gave: the
// allowlist names hosts, this decides which addresses they may be.
func (f *Fetcher) checkAddr(_ context.Context, _, address string, _ syscall.RawConn) error {
	ap, err := netip.ParseAddrPort(address)
	if err != nil {
		return &Error{ErrRefused, "unparsable address " + address}
	}
	ip, port := ap.Addr().Unmap(), int(ap.Port())
	if f.selfPort != 0 && port == f.selfPort && isLocal(ip) {
		return &Error{ErrRefused, fmt.Sprintf("%s is the supervisor's own port", ap)}
	}
	if !special(ip) {
		return nil
	}
	for _, r := range f.rules {
		if lit, err := netip.ParseAddr(r.Host); err == nil && lit.Unmap() == ip && r.Port == port {
			return nil // a rule names this address itself
		}
	}
	return &Error{ErrRefused, fmt.Sprintf("address %s is loopback, private, link-local or otherwise internal, and no rule names it", ip)}
}

// special reports addresses a public name must never resolve to for a block.
func special(ip netip.Addr) bool {
	if ip.IsLoopback() || ip.IsPrivate() || ip.IsLinkLocalUnicast() || ip.IsLinkLocalMulticast() ||
		ip.IsMulticast() || ip.IsUnspecified() || ip.IsInterfaceLocalMulticast() {
		return true
	}
	for _, p := range internalPrefixes {
		if p.Contains(ip) {
			return true
		}
	}
	return false
}

var internalPrefixes = []netip.Prefix{
	netip.MustParsePrefix("0.0.0.0/8"),      // "this network"
	netip.MustParsePrefix("100.64.0.0/10"),  // carrier-grade NAT
	netip.MustParsePrefix("192.0.0.0/24"),   // IETF protocol assignments
	netip.MustParsePrefix("198.18.0.0/15"),  // benchmarking
	netip.MustParsePrefix("240.0.0.0/4"),    // reserved, broadcast
	netip.MustParsePrefix("64:ff9b::/96"),   // NAT64 of anything, internal included
	netip.MustParsePrefix("fd00:ec2::/32"),  // cloud metadata over IPv6
	netip.MustParsePrefix("2001:db8::/32"),  // documentation
	netip.MustParsePrefix("169.254.0.0/16"), // link-local, metadata (covered, kept explicit)
	netip.MustParsePrefix("::ffff:0:0/96"),  // mapped forms that survived Unmap
	netip.MustParsePrefix("100::/64"),       // discard
	netip.MustParsePrefix("2001::/23"),      // IETF special purpose
	netip.MustParsePrefix("fc00::/7"),       // unique local (IsPrivate covers it)
	netip.MustParsePrefix("255.255.255.255/32"),
}

// isLocal reports whether ip is one of this machine's addresses.
func isLocal(ip netip.Addr) bool {
	if ip.IsLoopback() || ip.IsUnspecified() {
		return true
	}
	addrs, err := net.InterfaceAddrs()
	if err != nil {
		return false
	}
	for _, a := range addrs {
		if p, err := netip.ParsePrefix(a.String()); err == nil && p.Addr().Unmap() == ip {
			return true
		}
	}
	return false
}

func (f *Fetcher) tooLarge() error {
	return &Error{ErrTooLarge, fmt.Sprintf("body over %d bytes", f.maxBytes)}
}

func (f *Fetcher) classify(ctx context.Context, err error) error {
	var e *Error
	switch {
	case errors.As(err, &e):
		return e // a refusal of a rule or an address, at any hop
	case errors.Is(err, ErrInvalidURL):
		return ErrInvalidURL
	case ctx.Err() == context.DeadlineExceeded:
		return &Error{ErrFailed, fmt.Sprintf("timed out after %v", f.timeout)}
	case errors.Is(err, context.Canceled):
		return err
	default:
		return &Error{ErrFailed, withoutURL(err).Error()}
	}
}

// withoutURL drops net/http's "Get <url>:" wrapping; the log has the URL.
func withoutURL(err error) error {
	var uerr *url.Error
	if errors.As(err, &uerr) {
		return uerr.Err
	}
	return err
}

// redact keeps scheme, host and path of a URL for the log: queries may hold
// a block's secrets.
func redact(raw string) string {
	u, err := url.Parse(raw)
	if err != nil {
		return "(unparsable)"
	}
	return (&url.URL{Scheme: u.Scheme, Host: u.Host, Path: u.Path}).String()
}
