package auth

import (
	"context"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"
)

// Principal is who a request acts for.
type Principal struct {
	Tenant string `json:"tenant"`
	Admin  bool   `json:"admin"`
	KeyID  string `json:"keyId,omitempty"`
}

// LocalTenant is the one built-in tenant of AUTH_MODE=local.
const LocalTenant = "local"

// Mode is AUTH_MODE.
type Mode string

const (
	// ModeLocal: no sign-in, one built-in tenant; only on a loopback address.
	ModeLocal Mode = "local"
	// ModeKeys: every request needs an API key or a session from one.
	ModeKeys Mode = "keys"
)

// ParseMode reads AUTH_MODE against the listen host: local mode is refused
// on anything but loopback, so a published server always asks for keys.
func ParseMode(s, host string) (Mode, error) {
	switch Mode(strings.ToLower(strings.TrimSpace(s))) {
	case "", ModeLocal:
		if !isLoopbackHost(host) {
			return "", fmt.Errorf("%w: AUTH_MODE=local serves everyone as one tenant, so it only listens on 127.0.0.1 or ::1 (HOST=%s); set AUTH_MODE=keys and create a key with 'symposium keys create'", ErrBadConfig, host)
		}
		return ModeLocal, nil
	case ModeKeys:
		return ModeKeys, nil
	}
	return "", fmt.Errorf("%w: AUTH_MODE=%q (want local or keys)", ErrBadConfig, s)
}

func isLoopbackHost(h string) bool {
	return h == "127.0.0.1" || h == "::1" || h == "localhost" || strings.HasPrefix(h, "127.")
}

// Keys is what authentication needs of the key store. Both return
// ErrUnauthenticated (wrapped) for a malformed, unknown or revoked key, and
// any other error for an outage (answered 503, not 401).
type Keys interface {
	Authenticate(ctx context.Context, secret string) (Principal, error)
	Live(ctx context.Context, keyID string) (Principal, error)
}

// Secrets holds the session-signing secret every instance shares.
type Secrets interface {
	Get(ctx context.Context, key string) ([]byte, error)
	CompareAndSet(ctx context.Context, key string, expected, value []byte) error
}

// CookieName is the session cookie.
const CookieName = "symposium_session"

const secretKey = "auth/session-secret"

// Authenticator turns requests into principals.
type Authenticator struct {
	mode    Mode
	keys    Keys
	secret  []byte
	ttl     time.Duration
	now     func() time.Time
	secure  bool
	enabled bool
}

// Option configures an Authenticator.
type Option func(*Authenticator)

// WithSessionTTL sets how long a sign-in lasts (default 12h).
func WithSessionTTL(d time.Duration) Option { return func(a *Authenticator) { a.ttl = d } }

// WithSecureCookies marks cookies Secure (behind TLS, as on Cloud Run).
func WithSecureCookies(on bool) Option { return func(a *Authenticator) { a.secure = on } }

// New returns an Authenticator. In keys mode it loads (or creates, once for
// all instances) the session secret from secrets.
func New(ctx context.Context, mode Mode, keys Keys, secrets Secrets, opts ...Option) (*Authenticator, error) {
	a := &Authenticator{mode: mode, keys: keys, ttl: 12 * time.Hour, now: time.Now}
	for _, o := range opts {
		o(a)
	}
	if mode == ModeKeys {
		s, err := loadSecret(ctx, secrets)
		if err != nil {
			return nil, fmt.Errorf("auth: session secret: %w", err)
		}
		a.secret = s
	}
	return a, nil
}

func loadSecret(ctx context.Context, s Secrets) ([]byte, error) {
	if b, err := s.Get(ctx, secretKey); err == nil && len(b) >= 32 {
		return b, nil
	}
	fresh := make([]byte, 32)
	if _, err := rand.Read(fresh); err != nil {
		return nil, err
	}
	if err := s.CompareAndSet(ctx, secretKey, nil, fresh); err != nil {
		// Another instance won the race: use its secret.
		if b, gerr := s.Get(ctx, secretKey); gerr == nil && len(b) >= 32 {
			return b, nil
		}
		return nil, err
	}
	return fresh, nil
}

// Mode reports the mode.
func (a *Authenticator) Mode() Mode { return a.mode }

// Identify returns the principal of a request: its bearer key, else its
// session cookie. Storage outages are returned as they are (503, not 401).
func (a *Authenticator) Identify(ctx context.Context, authorization, cookie string) (Principal, error) {
	if a.mode == ModeLocal {
		return Principal{Tenant: LocalTenant, Admin: true}, nil
	}
	if tok, ok := strings.CutPrefix(authorization, "Bearer "); ok {
		return a.keys.Authenticate(ctx, strings.TrimSpace(tok))
	}
	if cookie != "" {
		id, err := a.verify(cookie)
		if err != nil {
			return Principal{}, ErrUnauthenticated
		}
		return a.keys.Live(ctx, id) // a revoked key ends its sessions at once
	}
	return Principal{}, ErrUnauthenticated
}

// SignIn checks a key's secret and returns the session cookie for it.
func (a *Authenticator) SignIn(ctx context.Context, secret string) (*fiber.Cookie, Principal, error) {
	if a.mode == ModeLocal {
		return nil, Principal{Tenant: LocalTenant, Admin: true}, nil
	}
	p, err := a.keys.Authenticate(ctx, strings.TrimSpace(secret))
	if err != nil {
		return nil, Principal{}, err
	}
	exp := a.now().Add(a.ttl)
	return &fiber.Cookie{
		Name: CookieName, Value: a.sign(p.KeyID, exp), Path: "/", Expires: exp,
		HTTPOnly: true, Secure: a.secure, SameSite: fiber.CookieSameSiteLaxMode,
	}, p, nil
}

// SignOut returns the cookie that clears the session.
func (a *Authenticator) SignOut() *fiber.Cookie {
	return &fiber.Cookie{Name: CookieName, Value: "", Path: "/", Expires: time.Unix(1, 0),
		HTTPOnly: true, Secure: a.secure, SameSite: fiber.CookieSameSiteLaxMode}
}

// A session is "keyID.expiryUnix.mac": it names the key, never holds its
// secret, and the key's liveness is checked on every request.
func (a *Authenticator) sign(keyID string, exp time.Time) string {
	body := keyID + "." + strconv.FormatInt(exp.Unix(), 10)
	return body + "." + a.mac(body)
}

func (a *Authenticator) mac(body string) string {
	m := hmac.New(sha256.New, a.secret)
	m.Write([]byte(body))
	return base64.RawURLEncoding.EncodeToString(m.Sum(nil))
}

func (a *Authenticator) verify(v string) (string, error) {
	i := strings.LastIndexByte(v, '.')
	if i < 0 {
		return "", ErrUnauthenticated
	}
	body, mac := v[:i], v[i+1:]
	if !hmac.Equal([]byte(mac), []byte(a.mac(body))) {
		return "", ErrUnauthenticated
	}
	id, expS, ok := strings.Cut(body, ".")
	exp, err := strconv.ParseInt(expS, 10, 64)
	if !ok || err != nil || a.now().Unix() >= exp {
		return "", ErrUnauthenticated
	}
	if _, err := hex.DecodeString(id); err != nil {
		return "", ErrUnauthenticated
	}
	return id, nil
}
