package config

import (
	"fmt"
	"strings"
)

// TenantQuota is each tenant's share of the service in AUTH_MODE=keys
// (issue 12), so one tenant cannot take the store or the runtime from the
// others. It is read apart from Config (LoadTenantQuota) so its settings
// live in one file; 0 in any field means no bound.
type TenantQuota struct {
	MaxBlocks           int   // TENANT_MAX_BLOCKS: stored blocks (default 100)
	MaxStorageBytes     int64 // TENANT_MAX_STORAGE_MB: code, data and outputs (default 100 MiB)
	MaxIsolates         int   // TENANT_MAX_ISOLATES: live isolates per instance (default 4)
	ExecutionsPerMinute int   // TENANT_EXECUTIONS_PER_MINUTE: per instance (default 300)
}

// LoadTenantQuota reads the per-tenant quotas, collecting all problems
// into one error as Load does.
func LoadTenantQuota(env Getenv) (TenantQuota, error) {
	p := parser{env: env}
	q := TenantQuota{
		MaxBlocks:           p.intRange("TENANT_MAX_BLOCKS", 100, 0, 10_000_000),
		MaxStorageBytes:     int64(p.intRange("TENANT_MAX_STORAGE_MB", 100, 0, 1<<24)) << 20,
		MaxIsolates:         p.intRange("TENANT_MAX_ISOLATES", 4, 0, 1000),
		ExecutionsPerMinute: p.intRange("TENANT_EXECUTIONS_PER_MINUTE", 300, 0, 1_000_000),
	}
	if len(p.errs) > 0 {
		return TenantQuota{}, fmt.Errorf("%w:\n  %s", ErrInvalid, strings.Join(p.errs, "\n  "))
	}
	return q, nil
}
