package config

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"
	_ "time/tzdata" // BLOCK_TIME_ZONE is checked where no zoneinfo is installed

	"github.com/joho/godotenv"
	"golang.org/x/text/language"
)

// Config is the supervisor's configuration.
type Config struct {
	Host           string
	Port           int
	RunnerPath     string
	RunDir         string
	MaxIsolates    int
	PoolSize       int
	PoolMax        int // the pool grows with the rate of new blocks up to this
	HealthInterval time.Duration
	IsolateMemory  int64   // bytes
	IsolateCPU     float64 // cores
	IsolatePids    int64
	ExecTimeout    time.Duration
	// BlockLocale and BlockTimeZone are the defaults of Intl and
	// toLocale* in every block (BCP 47 tag, IANA zone).
	BlockLocale, BlockTimeZone string
	IdleTimeout                time.Duration
	BodyLimit                  int // bytes
	RateLimit                  int // requests per minute per client; 0 disables
	LogLevel                   string
	CgroupName                 string
	AlertIsolateMemPercent     float64
	AlertTotalMemoryMB         float64
	AlertCPUPercent            float64
	AlertCPUWindow             time.Duration
	AlertCapacityPercent       float64
	// Access control (issue 12).
	AuthMode       string // local (one built-in tenant, loopback only) or keys
	TrustedProxies string // addresses or CIDRs whose X-Forwarded-For is believed
	CookieSecure   bool   // session cookies marked Secure (default: on in keys mode)
	WSPerTenant    int    // live sockets per tenant; 0 = no cap
	WSPerAddr      int    // live sockets per client address; 0 = no cap
	// Output and block bounds (issue 11), bytes.
	MaxOutputHTMLBytes int
	MaxOutputCSSBytes  int
	MaxOutputLogBytes  int
	MaxBlockBytes      int   // a block as stored: code, data and name
	MaxBlocks          int   // stored blocks in all
	MaxStorageBytes    int64 // code, data and outputs of every block
	// Live sessions of interactive blocks (issue 15).
	SessionIdleTimeout     time.Duration // a session with no event for this long ends
	SessionEventsPerSecond float64       // per session; bursts of twice that
	SessionsPerIsolate     int           // live sessions one block's isolate holds
	MaxSessions            int           // live sessions on this instance
	MaxSessionsPerTenant   int           // of them, one tenant's (its embeds' viewers included)
	EmbedSecret            string        // HMAC key of embed tokens; empty: one kept in the kv store
}

// Getenv looks a variable up.
type Getenv func(string) string

// LoadDotEnv returns a Getenv that consults the process environment first and
// then the given .env file (a missing file is fine; a malformed one is not).
func LoadDotEnv(path string, env Getenv) (Getenv, error) {
	vals, err := godotenv.Read(path)
	if err != nil {
		if errors.Is(err, os.ErrNotExist) {
			return env, nil
		}
		return nil, fmt.Errorf("%w: %s: %v", ErrInvalid, path, err)
	}
	return func(k string) string {
		if v := env(k); v != "" {
			return v
		}
		return vals[k]
	}, nil
}

// Load reads every setting, collecting all problems into one error.
func Load(env Getenv) (Config, error) {
	p := parser{env: env}
	c := Config{
		Host:                   p.str("HOST", "127.0.0.1"), // AUTH_MODE=local's; the image sets 0.0.0.0 with keys
		RunDir:                 p.str("RUN_DIR", "/run/symposium"),
		MaxIsolates:            p.intRange("MAX_ISOLATES", 10, 1, 1000),
		PoolSize:               p.intRange("POOL_SIZE", 2, 0, 64),
		HealthInterval:         p.duration("HEALTH_INTERVAL", 30*time.Second),
		IsolateMemory:          int64(p.intRange("ISOLATE_MEMORY_MB", 128, 16, 16384)) << 20,
		IsolateCPU:             p.floatRange("ISOLATE_CPU", 1, 0.01, 64),
		IsolatePids:            int64(p.intRange("ISOLATE_PIDS", 32, 8, 4096)),
		ExecTimeout:            time.Duration(p.intRange("EXECUTION_TIMEOUT_MS", 5000, 10, 600000)) * time.Millisecond,
		IdleTimeout:            p.duration("IDLE_TIMEOUT", 5*time.Minute),
		BodyLimit:              p.intRange("BODY_LIMIT", 1<<20, 1024, 64<<20),
		RateLimit:              p.intRange("RATE_LIMIT", 600, 0, 1_000_000),
		LogLevel:               p.oneOf("LOG_LEVEL", "info", "debug", "info", "warn", "error"),
		CgroupName:             p.str("CGROUP_NAME", "symposium"),
		AlertIsolateMemPercent: p.floatRange("ALERT_ISOLATE_MEMORY_PERCENT", 80, 1, 100),
		AlertTotalMemoryMB:     p.floatRange("ALERT_TOTAL_MEMORY_MB", 500, 1, 1<<20),
		AlertCPUPercent:        p.floatRange("ALERT_CPU_PERCENT", 70, 1, 100),
		AlertCPUWindow:         p.duration("ALERT_CPU_WINDOW", 30*time.Second),
		AlertCapacityPercent:   p.floatRange("ALERT_CAPACITY_PERCENT", 80, 1, 100),
	}
	c.BlockLocale = p.locale("BLOCK_LOCALE", "en-US")
	c.BlockTimeZone = p.timeZone("BLOCK_TIME_ZONE", "UTC")
	defPort := 8000
	if env("K_SERVICE") != "" {
		defPort = 8080 // Cloud Run's contract
	}
	c.Port = p.intRange("PORT", defPort, 1, 65535)
	c.AuthMode = p.oneOf("AUTH_MODE", "local", "local", "keys")
	c.TrustedProxies = p.str("TRUSTED_PROXIES", "")
	c.CookieSecure = p.oneOf("COOKIE_SECURE", map[bool]string{true: "true", false: "false"}[c.AuthMode == "keys"], "true", "false") == "true"
	c.WSPerTenant = p.intRange("WS_PER_TENANT", 50, 0, 1_000_000)
	c.WSPerAddr = p.intRange("WS_PER_ADDRESS", 20, 0, 1_000_000)
	c.MaxOutputHTMLBytes = p.intRange("MAX_OUTPUT_HTML_BYTES", 2<<20, 1024, 1<<30)
	c.MaxOutputCSSBytes = p.intRange("MAX_OUTPUT_CSS_BYTES", 512<<10, 1024, 1<<30)
	c.MaxOutputLogBytes = p.intRange("MAX_OUTPUT_LOG_BYTES", 1<<20, 1024, 1<<30)
	c.MaxBlockBytes = p.intRange("MAX_BLOCK_BYTES", 1<<20, 1024, 1<<20)
	c.MaxBlocks = p.intRange("MAX_BLOCKS", 1000, 1, 10_000_000)
	c.MaxStorageBytes = int64(p.intRange("MAX_STORAGE_MB", 1024, 1, 1<<24)) << 20
	c.SessionIdleTimeout = p.duration("SESSION_IDLE_TIMEOUT", 10*time.Minute)
	c.SessionEventsPerSecond = p.floatRange("SESSION_EVENTS_PER_SECOND", 60, 0.1, 10000)
	c.SessionsPerIsolate = p.intRange("SESSIONS_PER_ISOLATE", 16, 1, 256)
	c.MaxSessions = p.intRange("MAX_SESSIONS", 200, 1, 100_000)
	c.MaxSessionsPerTenant = p.intRange("MAX_SESSIONS_PER_TENANT", max(c.MaxSessions/4, 1), 1, 100_000)
	c.EmbedSecret = p.str("EMBED_SECRET", "")
	if c.EmbedSecret != "" && len(c.EmbedSecret) < 32 {
		p.errs = append(p.errs, "EMBED_SECRET: want at least 32 characters (or leave it unset: one is kept in the kv store)")
	}
	c.RunnerPath = p.str("SANDBOX_RUNNER", defaultRunner())
	c.PoolMax = p.intRange("POOL_MAX", max(4*c.PoolSize, 8), 0, 256)
	if c.PoolSize > 0 && c.PoolMax < c.PoolSize {
		p.errs = append(p.errs, fmt.Sprintf("POOL_MAX=%d: want at least POOL_SIZE (%d)", c.PoolMax, c.PoolSize))
	}
	if len(p.errs) > 0 {
		return Config{}, fmt.Errorf("%w:\n  %s", ErrInvalid, strings.Join(p.errs, "\n  "))
	}
	return c, nil
}

// defaultRunner is sandbox-runner beside the running binary.
func defaultRunner() string {
	exe, err := os.Executable()
	if err != nil {
		return "sandbox-runner"
	}
	return filepath.Join(filepath.Dir(exe), "sandbox-runner")
}

// locale accepts a well-formed BCP 47 tag, canonicalised (en_us → en-US).
func (p *parser) locale(k, def string) string {
	v := strings.TrimSpace(p.env(k))
	if v == "" {
		return def
	}
	t, err := language.Parse(strings.ReplaceAll(v, "_", "-"))
	if err != nil {
		p.errs = append(p.errs, fmt.Sprintf("%s=%q: want a BCP 47 language tag such as en-US or de-DE", k, v))
		return def
	}
	return t.String()
}

// timeZone accepts an IANA zone name (the zone data is compiled in, so this
// holds in an image without /usr/share/zoneinfo too).
func (p *parser) timeZone(k, def string) string {
	v := strings.TrimSpace(p.env(k))
	if v == "" {
		return def
	}
	if _, err := time.LoadLocation(v); err != nil || v == "Local" {
		p.errs = append(p.errs, fmt.Sprintf("%s=%q: want an IANA time zone such as UTC or Europe/Berlin", k, v))
		return def
	}
	return v
}

type parser struct {
	env  Getenv
	errs []string
}

func (p *parser) str(k, def string) string {
	if v := strings.TrimSpace(p.env(k)); v != "" {
		return v
	}
	return def
}

func (p *parser) intRange(k string, def, lo, hi int) int {
	v := strings.TrimSpace(p.env(k))
	if v == "" {
		return def
	}
	n, err := strconv.Atoi(v)
	if err != nil || n < lo || n > hi {
		p.errs = append(p.errs, fmt.Sprintf("%s=%q: want a whole number from %d to %d", k, v, lo, hi))
		return def
	}
	return n
}

func (p *parser) floatRange(k string, def, lo, hi float64) float64 {
	v := strings.TrimSpace(p.env(k))
	if v == "" {
		return def
	}
	f, err := strconv.ParseFloat(v, 64)
	if err != nil || f < lo || f > hi {
		p.errs = append(p.errs, fmt.Sprintf("%s=%q: want a number from %g to %g", k, v, lo, hi))
		return def
	}
	return f
}

func (p *parser) duration(k string, def time.Duration) time.Duration {
	v := strings.TrimSpace(p.env(k))
	if v == "" {
		return def
	}
	d, err := time.ParseDuration(v)
	if err != nil || d <= 0 {
		p.errs = append(p.errs, fmt.Sprintf("%s=%q: want a positive duration such as 30s or 5m", k, v))
		return def
	}
	return d
}

func (p *parser) oneOf(k, def string, allowed ...string) string {
	v := strings.ToLower(strings.TrimSpace(p.env(k)))
	if v == "" {
		return def
	}
	for _, a := range allowed {
		if v == a {
			return v
		}
	}
	p.errs = append(p.errs, fmt.Sprintf("%s=%q: want one of %s", k, v, strings.Join(allowed, ", ")))
	return def
}
