package config

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func envOf(m map[string]string) Getenv { return func(k string) string { return m[k] } }

func TestDefaults(t *testing.T) {
	c, err := Load(envOf(nil))
	if err != nil {
		t.Fatal(err)
	}
	if c.Port != 8000 || c.MaxIsolates != 10 || c.IsolateMemory != 128<<20 || c.IsolatePids != 32 ||
		c.IdleTimeout != 5*time.Minute || c.BodyLimit != 1<<20 || c.ExecTimeout != 5*time.Second {
		t.Fatalf("unexpected defaults: %+v", c)
	}
	c, err = Load(envOf(map[string]string{"K_SERVICE": "symposium"}))
	if err != nil || c.Port != 8080 {
		t.Fatalf("on Cloud Run the default port is 8080, got %d (%v)", c.Port, err)
	}
}

func TestAllProblemsReportedAtOnce(t *testing.T) {
	_, err := Load(envOf(map[string]string{"PORT": "http", "ISOLATE_PIDS": "2", "IDLE_TIMEOUT": "soon", "LOG_LEVEL": "loud"}))
	if !errors.Is(err, ErrInvalid) {
		t.Fatalf("want ErrInvalid, got %v", err)
	}
	for _, want := range []string{`PORT="http"`, `ISOLATE_PIDS="2"`, `IDLE_TIMEOUT="soon"`, `LOG_LEVEL="loud"`} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error does not name %s: %v", want, err)
		}
	}
}

func TestDotEnv(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, ".env")
	if err := os.WriteFile(path, []byte("PORT=9100\nMAX_ISOLATES=3\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	env, err := LoadDotEnv(path, envOf(map[string]string{"MAX_ISOLATES": "4"}))
	if err != nil {
		t.Fatal(err)
	}
	c, err := Load(env)
	if err != nil {
		t.Fatal(err)
	}
	if c.Port != 9100 || c.MaxIsolates != 4 {
		t.Fatalf("process env must win over .env: %+v", c)
	}
	if _, err := LoadDotEnv(filepath.Join(dir, "missing"), envOf(nil)); err != nil {
		t.Fatalf("a missing .env is fine: %v", err)
	}
	if err := os.WriteFile(path, []byte("=broken\n'x"), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := LoadDotEnv(path, envOf(nil)); !errors.Is(err, ErrInvalid) {
		t.Fatalf("malformed .env: want ErrInvalid, got %v", err)
	}
}

func TestBlockLocaleAndTimeZone(t *testing.T) {
	c, err := Load(envOf(nil))
	if err != nil || c.BlockLocale != "en-US" || c.BlockTimeZone != "UTC" {
		t.Fatalf("defaults: %q %q %v", c.BlockLocale, c.BlockTimeZone, err)
	}
	c, err = Load(envOf(map[string]string{"BLOCK_LOCALE": "de_de", "BLOCK_TIME_ZONE": "Europe/Berlin"}))
	if err != nil || c.BlockLocale != "de-DE" || c.BlockTimeZone != "Europe/Berlin" {
		t.Fatalf("set: %q %q %v", c.BlockLocale, c.BlockTimeZone, err)
	}
	_, err = Load(envOf(map[string]string{"BLOCK_LOCALE": "not a locale!", "BLOCK_TIME_ZONE": "Mars/Olympus"}))
	for _, want := range []string{`BLOCK_LOCALE="not a locale!"`, `BLOCK_TIME_ZONE="Mars/Olympus"`} {
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("error does not name %s: %v", want, err)
		}
	}
}

func TestSessionSettings(t *testing.T) {
	c, err := Load(envOf(nil))
	if err != nil {
		t.Fatal(err)
	}
	if c.SessionIdleTimeout != 10*time.Minute || c.SessionEventsPerSecond != 60 || c.SessionsPerIsolate != 16 || c.MaxSessions != 200 || c.EmbedSecret != "" {
		t.Fatalf("session defaults: %+v", c)
	}
	c, err = Load(envOf(map[string]string{"SESSION_IDLE_TIMEOUT": "30s", "SESSION_EVENTS_PER_SECOND": "5", "SESSIONS_PER_ISOLATE": "4", "MAX_SESSIONS": "9"}))
	if err != nil || c.SessionIdleTimeout != 30*time.Second || c.SessionEventsPerSecond != 5 || c.SessionsPerIsolate != 4 || c.MaxSessions != 9 {
		t.Fatalf("session settings: %+v %v", c, err)
	}
	_, err = Load(envOf(map[string]string{"MAX_SESSIONS": "0", "EMBED_SECRET": "short"}))
	if err == nil || !strings.Contains(err.Error(), "MAX_SESSIONS") || !strings.Contains(err.Error(), "EMBED_SECRET") {
		t.Fatalf("want both problems named: %v", err)
	}
}
