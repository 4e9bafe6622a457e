package web

import (
	"testing"
	"time"

	"github.com/symposium/symposium/supervisor/blocksvc"
)

func TestProblemForTenantQuotas(t *testing.T) {
	rate := &blocksvc.QuotaError{Limit: blocksvc.ErrTenantRate, Message: "your tenant used its 3 executions per minute (TENANT_EXECUTIONS_PER_MINUTE); the next is allowed in 19.5s", RetryAfter: 19500 * time.Millisecond}
	p, ok := ProblemFor(rate)
	if !ok || p.Status != 429 || p.Code != "execution_quota" || p.RetryAfter != 20 || p.Message != rate.Message {
		t.Fatalf("rate: %+v", p)
	}
	iso := &blocksvc.QuotaError{Limit: blocksvc.ErrTenantIsolates, Message: "all 4 isolates ...", RetryAfter: time.Second}
	if p, ok := ProblemFor(iso); !ok || p.Status != 429 || p.Code != "isolate_quota" || p.RetryAfter != 1 {
		t.Fatalf("isolates: %+v", p)
	}
}
