package config

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/joho/godotenv"
)

// Config is the supervisor's configuration.
type Config struct {
	Host                   string
	Port                   int
	RunnerPath             string
	RunDir                 string
	MaxIsolates            int
	PoolSize               int
	IsolateMemory          int64   // bytes
	IsolateCPU             float64 // cores
	IsolatePids            int64
	ExecTimeout            time.Duration
	IdleTimeout            time.Duration
	BodyLimit              int // bytes
	RateLimit              int // requests per minute per client; 0 disables
	LogLevel               string
	CgroupName             string
	AlertIsolateMemPercent float64
	AlertTotalMemoryMB     float64
	AlertCPUPercent        float64
	AlertCPUWindow         time.Duration
	AlertCapacityPercent   float64
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
		Host:                   p.str("HOST", "0.0.0.0"),
		RunDir:                 p.str("RUN_DIR", "/run/symposium"),
		MaxIsolates:            p.intRange("MAX_ISOLATES", 10, 1, 1000),
		PoolSize:               p.intRange("POOL_SIZE", 2, 0, 64),
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
	defPort := 8000
	if env("K_SERVICE") != "" {
		defPort = 8080 // Cloud Run's contract
	}
	c.Port = p.intRange("PORT", defPort, 1, 65535)
	c.RunnerPath = p.str("SANDBOX_RUNNER", defaultRunner())
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
