package cost

import (
	"encoding/json"
	"fmt"
	"maps"
	"math"
	"strconv"
	"strings"
)

// HoursPerMonth is the month Google's calculator bills by.
const HoursPerMonth = 730

// DefaultLimit is COST_LIMIT's default, in USD per month.
const DefaultLimit = 100.0

// PriceTable holds list prices in USD. The JSON names are those PRICE_TABLE
// uses; a PRICE_TABLE overrides only the fields it sets, and its tiers are
// added to (or replace) the default ones.
type PriceTable struct {
	SQLTierHourly      map[string]float64 `json:"sql_tier_hourly"`       // per instance-hour
	SQLSSDGiBMonth     float64            `json:"sql_ssd_gib_month"`     // SSD storage
	RedisBasicGiBHour  float64            `json:"redis_basic_gib_hour"`  // Memorystore Basic tier
	GCSStandardGBMonth float64            `json:"gcs_standard_gb_month"` // Cloud Storage Standard
}

// DefaultPrices are us-central1 list prices (2024) for the sizes Symposium
// uses; other regions cost up to ~30% more, hence PRICE_TABLE.
func DefaultPrices() PriceTable {
	return PriceTable{
		SQLTierHourly:      map[string]float64{"db-f1-micro": 0.0105, "db-g1-small": 0.035},
		SQLSSDGiBMonth:     0.17,
		RedisBasicGiBHour:  0.049,
		GCSStandardGBMonth: 0.020,
	}
}

// ParsePrices overlays a PRICE_TABLE JSON document on the defaults.
func ParsePrices(doc string) (PriceTable, error) {
	t := DefaultPrices()
	if strings.TrimSpace(doc) == "" {
		return t, nil
	}
	var o PriceTable
	if err := json.Unmarshal([]byte(doc), &o); err != nil {
		return t, fmt.Errorf("%w: PRICE_TABLE is not valid JSON: %w", ErrBadPrice, err)
	}
	for tier, p := range o.SQLTierHourly {
		if p < 0 {
			return t, fmt.Errorf("%w: PRICE_TABLE tier %s is negative", ErrBadPrice, tier)
		}
	}
	maps.Copy(t.SQLTierHourly, o.SQLTierHourly)
	for _, f := range []struct {
		dst  *float64
		v    float64
		name string
	}{
		{&t.SQLSSDGiBMonth, o.SQLSSDGiBMonth, "sql_ssd_gib_month"},
		{&t.RedisBasicGiBHour, o.RedisBasicGiBHour, "redis_basic_gib_hour"},
		{&t.GCSStandardGBMonth, o.GCSStandardGBMonth, "gcs_standard_gb_month"},
	} {
		if f.v < 0 {
			return t, fmt.Errorf("%w: PRICE_TABLE %s is negative", ErrBadPrice, f.name)
		}
		if f.v > 0 {
			*f.dst = f.v
		}
	}
	return t, nil
}

// ParseLimit reads COST_LIMIT (USD per month); empty means DefaultLimit.
func ParseLimit(s string) (float64, error) {
	if strings.TrimSpace(s) == "" {
		return DefaultLimit, nil
	}
	v, err := strconv.ParseFloat(strings.TrimSpace(s), 64)
	if err != nil || v < 0 || math.IsNaN(v) || math.IsInf(v, 0) {
		return 0, fmt.Errorf("%w: COST_LIMIT %q is not a non-negative number of USD", ErrBadPrice, s)
	}
	return v, nil
}

// CloudSQL is the monthly cost of one instance of tier with diskGiB of SSD.
func (t PriceTable) CloudSQL(tier string, diskGiB int64) (float64, error) {
	hourly, ok := t.SQLTierHourly[tier]
	if !ok {
		return 0, fmt.Errorf("%w %q: add it to PRICE_TABLE sql_tier_hourly", ErrUnknownTier, tier)
	}
	return hourly*HoursPerMonth + float64(diskGiB)*t.SQLSSDGiBMonth, nil
}

// Memorystore is the monthly cost of a Basic-tier instance of gib GiB.
func (t PriceTable) Memorystore(gib int64) float64 {
	return float64(gib) * t.RedisBasicGiBHour * HoursPerMonth
}

// Storage is the monthly cost of gb GB in a Standard bucket.
func (t PriceTable) Storage(gb float64) float64 {
	return gb * t.GCSStandardGBMonth
}

// CheckLimit refuses a total over limit, saying by how much.
func CheckLimit(total, limit float64) error {
	if total > limit {
		return fmt.Errorf("%w: estimated $%.2f/month exceeds the $%.2f limit by $%.2f", ErrOverLimit, total, limit, total-limit)
	}
	return nil
}
