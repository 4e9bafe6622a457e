package backends

import (
	"fmt"
	"net/url"
	"regexp"
	"strconv"

	"github.com/jackc/pgx/v5/pgxpool"
	goredis "github.com/redis/go-redis/v9"
	"github.com/symposium/symposium/storage"
)

// Config selects and tunes the storage backends. The zero value plus
// defaults (see ConfigFromEnv) means everything local under ./data.
type Config struct {
	DataDir             string // DATA_DIR: bbolt file and blob directory (default "./data")
	DatabaseURL         string // DATABASE_URL: PostgreSQL for kv instead of bbolt
	RedisURL            string // REDIS_URL: Redis for the cache instead of the in-process LRU
	GCSBucket           string // GCS_BUCKET: Cloud Storage for blobs instead of DATA_DIR/blobs
	StorageEmulatorHost string // STORAGE_EMULATOR_HOST: talk to a GCS emulator without credentials
	MaxValueBytes       int    // STORAGE_MAX_VALUE_BYTES: per kv/cache value (default 1 MiB)

	// Isolation knobs, not read from the environment: tests use them to keep
	// runs apart on shared servers.
	PostgresSchema string // default "public"
	RedisPrefix    string // default "symposium:"
}

var bucketName = regexp.MustCompile(`^[a-z0-9][a-z0-9._-]{1,220}[a-z0-9]$`)

// ConfigFromEnv reads the settings through getenv (os.Getenv in main) and
// validates them.
func ConfigFromEnv(getenv func(string) string) (Config, error) {
	c := Config{
		DataDir:             getenv("DATA_DIR"),
		DatabaseURL:         getenv("DATABASE_URL"),
		RedisURL:            getenv("REDIS_URL"),
		GCSBucket:           getenv("GCS_BUCKET"),
		StorageEmulatorHost: getenv("STORAGE_EMULATOR_HOST"),
	}
	if v := getenv("STORAGE_MAX_VALUE_BYTES"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n <= 0 {
			return Config{}, fmt.Errorf("%w: STORAGE_MAX_VALUE_BYTES must be a positive integer, got %q", ErrConfig, v)
		}
		c.MaxValueBytes = n
	}
	c = c.withDefaults()
	return c, c.Validate()
}

func (c Config) withDefaults() Config {
	if c.DataDir == "" {
		c.DataDir = "./data"
	}
	if c.MaxValueBytes == 0 {
		c.MaxValueBytes = storage.DefaultMaxValueBytes
	}
	if c.PostgresSchema == "" {
		c.PostgresSchema = "public"
	}
	if c.RedisPrefix == "" {
		c.RedisPrefix = "symposium:"
	}
	return c
}

// Validate checks every setting. Messages name the variable and the expected
// shape but never repeat URLs, which may carry passwords.
func (c Config) Validate() error {
	if c.DatabaseURL != "" {
		u, err := url.Parse(c.DatabaseURL)
		if err != nil || (u.Scheme != "postgres" && u.Scheme != "postgresql") || u.Host == "" {
			return fmt.Errorf("%w: DATABASE_URL must look like postgres://user:password@host:5432/dbname", ErrConfig)
		}
		if _, err := pgxpool.ParseConfig(c.DatabaseURL); err != nil {
			return fmt.Errorf("%w: DATABASE_URL has an invalid port or parameter (expected postgres://user:password@host:5432/dbname?sslmode=...)", ErrConfig)
		}
	}
	if c.RedisURL != "" {
		if _, err := goredis.ParseURL(c.RedisURL); err != nil {
			return fmt.Errorf("%w: REDIS_URL must look like redis://[:password@]host:6379/0 or rediss://...", ErrConfig)
		}
	}
	if c.GCSBucket != "" && !bucketName.MatchString(c.GCSBucket) {
		return fmt.Errorf("%w: GCS_BUCKET %q is not a valid bucket name (lowercase letters, digits, '-', '_', '.')", ErrConfig, c.GCSBucket)
	}
	if c.MaxValueBytes < 0 {
		return fmt.Errorf("%w: MaxValueBytes must not be negative", ErrConfig)
	}
	return nil
}
