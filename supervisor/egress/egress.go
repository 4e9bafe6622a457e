package egress

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"strings"
	"time"
)

const maxRedirects = 5

// Response is what the block's script receives.
type Response struct {
	Status      int    `json:"status"`
	ContentType string `json:"contentType"`
	Body        []byte `json:"body"`
}

// Fetcher performs allowlisted fetches. Safe for concurrent use.
type Fetcher struct {
	allow    map[string]bool
	client   *http.Client
	timeout  time.Duration
	maxBytes int64
}

// Opt configures New.
type Opt func(*Fetcher)

// WithTimeout bounds a whole fetch, body included (default 5s).
func WithTimeout(d time.Duration) Opt { return func(f *Fetcher) { f.timeout = d } }

// WithMaxBytes caps the response body (default 1 MiB).
func WithMaxBytes(n int64) Opt { return func(f *Fetcher) { f.maxBytes = n } }

// New returns a Fetcher allowing exactly the given hosts (see ParseAllowlist).
// An empty allowlist refuses every fetch.
func New(allowlist []string, opts ...Opt) *Fetcher {
	f := &Fetcher{allow: map[string]bool{}, timeout: 5 * time.Second, maxBytes: 1 << 20}
	for _, h := range allowlist {
		f.allow[strings.ToLower(h)] = true
	}
	for _, o := range opts {
		o(f)
	}
	transport := http.DefaultTransport.(*http.Transport).Clone()
	transport.Proxy = nil // blocks reach the allowlisted host itself, nothing else
	f.client = &http.Client{
		Transport: transport,
		CheckRedirect: func(req *http.Request, via []*http.Request) error {
			if len(via) >= maxRedirects {
				return fmt.Errorf("%w: more than %d", ErrTooManyRedirects, maxRedirects)
			}
			return f.check(req.URL)
		},
	}
	return f
}

// ParseAllowlist parses FETCH_ALLOWLIST: comma-separated host names or IP
// addresses, no schemes, ports or paths.
func ParseAllowlist(s string) ([]string, error) {
	var hosts []string
	for _, h := range strings.Split(s, ",") {
		h = strings.ToLower(strings.TrimSpace(h))
		if h == "" {
			continue
		}
		if strings.ContainsAny(h, "/:@ \t") && net.ParseIP(h) == nil {
			return nil, fmt.Errorf("%w: %q is not a bare host name (write example.com, not https://example.com/)", ErrBadAllowlist, h)
		}
		hosts = append(hosts, h)
	}
	return hosts, nil
}

// Fetch GETs rawURL for a block.
func (f *Fetcher) Fetch(ctx context.Context, rawURL string) (*Response, error) {
	u, err := url.Parse(rawURL)
	if err != nil {
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

func (f *Fetcher) check(u *url.URL) error {
	if (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return ErrInvalidURL
	}
	if len(f.allow) == 0 {
		return fmt.Errorf("%w: FETCH_ALLOWLIST is empty, so no host may be fetched", ErrNotAllowed)
	}
	host := strings.ToLower(u.Hostname())
	if !f.allow[host] {
		return fmt.Errorf("%w: %q (ask the operator to add it to FETCH_ALLOWLIST)", ErrNotAllowed, host)
	}
	return nil
}

func (f *Fetcher) tooLarge() error {
	return fmt.Errorf("%w: the limit is %d bytes", ErrTooLarge, f.maxBytes)
}

func (f *Fetcher) classify(ctx context.Context, err error) error {
	switch {
	case errors.Is(err, ErrNotAllowed), errors.Is(err, ErrInvalidURL), errors.Is(err, ErrTooManyRedirects):
		return withoutURL(err) // the redirect check's own message
	case ctx.Err() == context.DeadlineExceeded:
		return fmt.Errorf("%w after %v", ErrTimeout, f.timeout)
	case errors.Is(err, context.Canceled):
		return err
	default:
		return fmt.Errorf("%w: %v", ErrUnavailable, withoutURL(err))
	}
}

// withoutURL drops net/http's "Get <url>:" wrapping; the script knows the URL.
func withoutURL(err error) error {
	var uerr *url.Error
	if errors.As(err, &uerr) {
		return uerr.Err
	}
	return err
}
