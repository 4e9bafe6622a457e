package blocksvc

import (
	"errors"
	"time"
)

var (
	// ErrUnknownBlock means no stored code and no isolate exist for the block.
	ErrUnknownBlock = errors.New("blocksvc: unknown content block")
	// ErrStorage means the block store did not answer.
	ErrStorage = errors.New("blocksvc: block storage is unavailable")
	// ErrTooLarge means the block would not fit in storage; it was not run.
	ErrTooLarge = errors.New("blocksvc: content block too large")
	// ErrDeleted means the block was deleted while it executed (on this
	// instance or another sharing the store); the delete won and nothing of
	// the execution was stored. A FencedStore answers it for a write whose
	// block was deleted since the epoch the write names.
	ErrDeleted = errors.New("blocksvc: content block deleted during its execution")
	// ErrQuota means a quota refused the request: storing the block would
	// pass the storage quota (global or the tenant's), or the tenant is at
	// its isolate or execution-rate quota. The block was not run, or its
	// output was not stored.
	ErrQuota = errors.New("blocksvc: quota exceeded")
	// ErrTenantIsolates means every isolate the tenant may hold is busy
	// executing (TENANT_MAX_ISOLATES); a *QuotaError carries it with
	// ErrQuota and a retry delay.
	ErrTenantIsolates = errors.New("blocksvc: tenant isolate quota exceeded")
	// ErrTenantRate means the tenant ran its executions of the minute
	// (TENANT_EXECUTIONS_PER_MINUTE); a *QuotaError carries it with
	// ErrQuota and when the next one is allowed.
	ErrTenantRate = errors.New("blocksvc: tenant execution rate exceeded")
)

// QuotaError is a refusal that waiting can lift (a tenant's isolates or
// execution rate), so a transport can answer 429 with Retry-After: it
// matches ErrQuota and Limit, and its text after ErrQuota's is Message.
type QuotaError struct {
	Limit      error // ErrTenantIsolates or ErrTenantRate
	Message    string
	RetryAfter time.Duration
}

func (e *QuotaError) Error() string { return ErrQuota.Error() + ": " + e.Message }

// Unwrap makes errors.Is match both ErrQuota and the specific limit.
func (e *QuotaError) Unwrap() []error { return []error{ErrQuota, e.Limit} }
