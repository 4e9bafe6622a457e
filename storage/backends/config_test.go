package backends_test

import (
	"errors"
	"strings"
	"testing"

	"github.com/symposium/symposium/storage/backends"
)

func env(m map[string]string) func(string) string {
	return func(k string) string { return m[k] }
}

func TestConfigDefaultsAreLocal(t *testing.T) {
	c, err := backends.ConfigFromEnv(env(nil))
	if err != nil {
		t.Fatal(err)
	}
	if c.DataDir != "./data" || c.DatabaseURL != "" || c.RedisURL != "" || c.GCSBucket != "" || c.MaxValueBytes != 1<<20 {
		t.Fatalf("defaults = %+v", c)
	}
}

func TestConfigExplicitSettingsWin(t *testing.T) {
	c, err := backends.ConfigFromEnv(env(map[string]string{
		"DATA_DIR":                "/var/lib/symposium",
		"DATABASE_URL":            "postgres://app:pw@10.0.0.3:5432/symposium?sslmode=require",
		"REDIS_URL":               "rediss://:pw@10.0.0.4:6378/1",
		"GCS_BUCKET":              "symposium-prod.blobs",
		"STORAGE_EMULATOR_HOST":   "localhost:4443",
		"STORAGE_MAX_VALUE_BYTES": "2048",
	}))
	if err != nil {
		t.Fatal(err)
	}
	if c.DataDir != "/var/lib/symposium" || c.GCSBucket != "symposium-prod.blobs" || c.StorageEmulatorHost != "localhost:4443" || c.MaxValueBytes != 2048 {
		t.Fatalf("config = %+v", c)
	}
}

func TestConfigRejectsMalformedSettings(t *testing.T) {
	cases := []struct {
		env     map[string]string
		mention string
	}{
		{map[string]string{"DATABASE_URL": "mysql://root:hunter2@db/x"}, "DATABASE_URL"},
		{map[string]string{"DATABASE_URL": "postgres://root:hunter2@db:notaport/x"}, "DATABASE_URL"},
		{map[string]string{"DATABASE_URL": "postgres://root:hunter2@db/x?sslmode=sometimes"}, "DATABASE_URL"},
		{map[string]string{"DATABASE_URL": "::hunter2"}, "DATABASE_URL"},
		{map[string]string{"REDIS_URL": "http://:hunter2@cache:6379"}, "REDIS_URL"},
		{map[string]string{"GCS_BUCKET": "Has Spaces"}, "GCS_BUCKET"},
		{map[string]string{"GCS_BUCKET": "a"}, "GCS_BUCKET"},
		{map[string]string{"STORAGE_MAX_VALUE_BYTES": "-1"}, "STORAGE_MAX_VALUE_BYTES"},
		{map[string]string{"STORAGE_MAX_VALUE_BYTES": "lots"}, "STORAGE_MAX_VALUE_BYTES"},
	}
	for _, c := range cases {
		_, err := backends.ConfigFromEnv(env(c.env))
		if !errors.Is(err, backends.ErrConfig) {
			t.Errorf("%v: %v, want ErrConfig", c.env, err)
			continue
		}
		if !strings.Contains(err.Error(), c.mention) {
			t.Errorf("%v: error %q does not name %s", c.env, err, c.mention)
		}
		if strings.Contains(err.Error(), "hunter2") {
			t.Errorf("%v: error leaks the password: %q", c.env, err)
		}
	}
}
