package gcp

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/symposium/symposium/provisioning/cost"
	"github.com/symposium/symposium/provisioning/platform"
)

// Mode is PROVISIONING_MODE.
type Mode string

// Provisioning modes.
const (
	Auto     Mode = "auto"     // create what is missing, then use it
	Manual   Mode = "manual"   // use what exists, report what is missing
	Disabled Mode = "disabled" // local services only
)

// DefaultRegion is used when neither GCP_REGION nor the metadata server says.
const DefaultRegion = "us-central1"

// Config is everything the provisioner reads from the environment.
type Config struct {
	Mode      Mode
	ProjectID string
	Region    string
	Service   string // names derive from it (see names.go)

	// Credentials is a service account key (JSON); nil means Application
	// Default Credentials.
	Credentials []byte

	// Endpoints; a plain http:// one is an emulator, called unauthenticated.
	SQLAdminEndpoint    string
	RedisEndpoint       string
	StorageEmulatorHost string

	SQLTier    string  // CLOUDSQL_TIER
	SQLDiskGiB int64   // CLOUDSQL_DISK_GB
	RedisGiB   int64   // REDIS_MEMORY_GB
	StorageGB  float64 // GCS_ESTIMATED_GB, for the estimate only
	// Network is the VPC Cloud SQL (private IP) and Memorystore attach to;
	// empty gives Cloud SQL a public IP instead.
	Network string

	Prices    cost.PriceTable
	CostLimit float64
}

// LoadConfig reads the settings. The mode defaults to auto on Cloud Run and
// disabled elsewhere; the project falls back to the key's project_id and
// then to the metadata server's.
func LoadConfig(getenv func(string) string, env platform.Environment) (Config, error) {
	c := Config{
		ProjectID:           getenv("GCP_PROJECT_ID"),
		Region:              firstOf(getenv("GCP_REGION"), env.Region, DefaultRegion),
		Service:             firstOf(getenv("SERVICE_NAME"), env.Service, "symposium"),
		SQLAdminEndpoint:    getenv("SQLADMIN_ENDPOINT"),
		RedisEndpoint:       getenv("REDIS_API_ENDPOINT"),
		StorageEmulatorHost: getenv("STORAGE_EMULATOR_HOST"),
		SQLTier:             firstOf(getenv("CLOUDSQL_TIER"), "db-f1-micro"),
		Network:             firstOf(getenv("GCP_NETWORK"), "default"),
	}
	if c.Network == "none" {
		c.Network = ""
	}
	switch m := Mode(strings.ToLower(getenv("PROVISIONING_MODE"))); m {
	case "":
		c.Mode = Disabled
		if env.Name == platform.CloudRun {
			c.Mode = Auto
		}
	case Auto, Manual, Disabled:
		c.Mode = m
	default:
		return c, fmt.Errorf("%w: PROVISIONING_MODE %q is not auto, manual or disabled", ErrConfig, m)
	}
	var err error
	if c.SQLDiskGiB, err = intSetting(getenv, "CLOUDSQL_DISK_GB", 10); err != nil {
		return c, err
	}
	if c.RedisGiB, err = intSetting(getenv, "REDIS_MEMORY_GB", 1); err != nil {
		return c, err
	}
	c.StorageGB = 1
	if s := getenv("GCS_ESTIMATED_GB"); s != "" {
		if c.StorageGB, err = strconv.ParseFloat(s, 64); err != nil || c.StorageGB < 0 {
			return c, fmt.Errorf("%w: GCS_ESTIMATED_GB %q is not a non-negative number", ErrConfig, s)
		}
	}
	if c.Prices, err = cost.ParsePrices(getenv("PRICE_TABLE")); err != nil {
		return c, err
	}
	if c.CostLimit, err = cost.ParseLimit(getenv("COST_LIMIT")); err != nil {
		return c, err
	}
	if c.Mode == Disabled {
		return c, nil
	}
	if k := getenv("GCP_SERVICE_ACCOUNT_KEY"); k != "" {
		key, err := parseKey(k)
		if err != nil {
			return c, err
		}
		c.Credentials = key.raw
		c.ProjectID = firstOf(c.ProjectID, key.ProjectID)
	}
	c.ProjectID = firstOf(c.ProjectID, env.ProjectID)
	if c.ProjectID == "" {
		return c, fmt.Errorf("%w: GCP_PROJECT_ID is not set and no key or metadata server provides it", ErrConfig)
	}
	return c, nil
}

func intSetting(getenv func(string) string, name string, def int64) (int64, error) {
	s := getenv(name)
	if s == "" {
		return def, nil
	}
	v, err := strconv.ParseInt(s, 10, 64)
	if err != nil || v < 1 {
		return 0, fmt.Errorf("%w: %s %q is not a positive integer", ErrConfig, name, s)
	}
	return v, nil
}

func firstOf(v ...string) string {
	for _, s := range v {
		if s != "" {
			return s
		}
	}
	return ""
}
