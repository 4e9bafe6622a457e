package cost

import (
	"errors"
	"math"
	"strings"
	"testing"
)

func near(a, b float64) bool { return math.Abs(a-b) < 1e-9 }

func TestDefaultEstimates(t *testing.T) {
	p := DefaultPrices()
	sql, err := p.CloudSQL("db-f1-micro", 10)
	if err != nil {
		t.Fatal(err)
	}
	// 0.0105 $/h * 730 h + 10 GiB * 0.17 $/GiB-month
	if !near(sql, 7.665+1.7) {
		t.Errorf("db-f1-micro + 10 GiB = %v", sql)
	}
	if small, _ := p.CloudSQL("db-g1-small", 0); !near(small, 25.55) {
		t.Errorf("db-g1-small = %v", small)
	}
	if r := p.Memorystore(1); !near(r, 35.77) {
		t.Errorf("1 GiB Memorystore = %v", r)
	}
	if s := p.Storage(5); !near(s, 0.1) {
		t.Errorf("5 GB storage = %v", s)
	}
	if _, err := p.CloudSQL("db-custom-2-7680", 10); !errors.Is(err, ErrUnknownTier) {
		t.Errorf("unknown tier: %v", err)
	}
}

func TestParsePrices(t *testing.T) {
	p, err := ParsePrices(`{"sql_tier_hourly":{"db-custom-1-3840":0.0575},"redis_basic_gib_hour":0.06}`)
	if err != nil {
		t.Fatal(err)
	}
	if got, _ := p.CloudSQL("db-custom-1-3840", 0); !near(got, 0.0575*730) {
		t.Errorf("added tier = %v", got)
	}
	if got, _ := p.CloudSQL("db-f1-micro", 0); !near(got, 0.0105*730) {
		t.Errorf("default tier lost: %v", got)
	}
	if !near(p.RedisBasicGiBHour, 0.06) || !near(p.SQLSSDGiBMonth, 0.17) {
		t.Errorf("overlay wrong: %+v", p)
	}
	for _, bad := range []string{`{`, `{"sql_ssd_gib_month":-1}`, `{"sql_tier_hourly":{"x":-2}}`} {
		if _, err := ParsePrices(bad); !errors.Is(err, ErrBadPrice) {
			t.Errorf("%s: err = %v", bad, err)
		}
	}
}

func TestLimit(t *testing.T) {
	if l, err := ParseLimit(""); err != nil || l != DefaultLimit {
		t.Fatalf("default limit = %v, %v", l, err)
	}
	if l, err := ParseLimit("12.5"); err != nil || l != 12.5 {
		t.Fatalf("limit = %v, %v", l, err)
	}
	for _, bad := range []string{"ten", "-1", "NaN"} {
		if _, err := ParseLimit(bad); !errors.Is(err, ErrBadPrice) {
			t.Errorf("%q: err = %v", bad, err)
		}
	}
	if err := CheckLimit(45.16, 100); err != nil {
		t.Fatal(err)
	}
	err := CheckLimit(45.16, 20)
	if !errors.Is(err, ErrOverLimit) || !strings.Contains(err.Error(), "by $25.16") {
		t.Fatalf("over limit: %v", err)
	}
}
