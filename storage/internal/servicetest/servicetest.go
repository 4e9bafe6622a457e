package servicetest

import (
	"crypto/rand"
	"encoding/hex"
	"net"
	"net/url"
	"os"
	"testing"
	"time"
)

// PostgresURL returns TEST_DATABASE_URL or the local default test database.
func PostgresURL(t testing.TB) string {
	return reachable(t, "PostgreSQL", os.Getenv("TEST_DATABASE_URL"),
		"postgres://postgres@127.0.0.1:5432/test?sslmode=disable")
}

// RedisURL returns TEST_REDIS_URL or the local default Redis.
func RedisURL(t testing.TB) string {
	return reachable(t, "Redis", os.Getenv("TEST_REDIS_URL"), "redis://127.0.0.1:6379/0")
}

// UniqueName returns prefix plus random hex, safe as an SQL identifier or
// key prefix, so concurrent test runs never share state.
func UniqueName(prefix string) string {
	var b [6]byte
	if _, err := rand.Read(b[:]); err != nil {
		panic(err)
	}
	return prefix + hex.EncodeToString(b[:])
}

func reachable(t testing.TB, what, fromEnv, def string) string {
	t.Helper()
	raw := fromEnv
	if raw == "" {
		raw = def
	}
	u, err := url.Parse(raw)
	if err != nil {
		t.Fatalf("%s test URL is malformed", what)
	}
	conn, err := net.DialTimeout("tcp", u.Host, 2*time.Second)
	if err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatalf("%s at %s is unreachable and CI=true: %v", what, u.Host, err)
		}
		t.Skipf("%s at %s is unreachable, skipping: %v", what, u.Host, err)
	}
	conn.Close()
	return raw
}
