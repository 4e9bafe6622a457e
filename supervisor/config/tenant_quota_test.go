package config

import (
	"errors"
	"strings"
	"testing"
)

func TestTenantQuota(t *testing.T) {
	q, err := LoadTenantQuota(envOf(nil))
	if err != nil || q != (TenantQuota{MaxBlocks: 100, MaxStorageBytes: 100 << 20, MaxIsolates: 4, ExecutionsPerMinute: 300}) {
		t.Fatalf("defaults: %+v %v", q, err)
	}
	q, err = LoadTenantQuota(envOf(map[string]string{"TENANT_MAX_BLOCKS": "0", "TENANT_MAX_STORAGE_MB": "5", "TENANT_MAX_ISOLATES": "2", "TENANT_EXECUTIONS_PER_MINUTE": "60"}))
	if err != nil || q != (TenantQuota{MaxBlocks: 0, MaxStorageBytes: 5 << 20, MaxIsolates: 2, ExecutionsPerMinute: 60}) {
		t.Fatalf("set: %+v %v", q, err)
	}
	_, err = LoadTenantQuota(envOf(map[string]string{"TENANT_MAX_ISOLATES": "-1", "TENANT_EXECUTIONS_PER_MINUTE": "many"}))
	if !errors.Is(err, ErrInvalid) || !strings.Contains(err.Error(), "TENANT_MAX_ISOLATES") || !strings.Contains(err.Error(), "TENANT_EXECUTIONS_PER_MINUTE") {
		t.Fatalf("bad values: %v", err)
	}
}
