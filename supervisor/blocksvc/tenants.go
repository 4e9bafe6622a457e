package blocksvc

import (
	"fmt"
	"math"
	"sync"
	"time"
)

// tenantRuns is what the per-tenant isolate and execution-rate quotas
// keep: executions in flight per block, when each of a tenant's blocks
// last started one, and each tenant's execution bucket. All of it is
// this instance's, and bounded by the work in flight and the live
// isolates.
type tenantRuns struct {
	mu       sync.Mutex
	inflight map[string]int                  // block id → executions in flight
	lastRun  map[string]map[string]time.Time // tenant → block id → last start
	buckets  map[string]*bucket              // tenant → executions left
}

type bucket struct {
	tokens float64
	at     time.Time
}

// IdleEnder is a Runtime that can end a block's isolate only if it is idle
// (no execution and no live session in it); the isolate quota then never
// ends a busy one. Without it, the service ends isolates it knows are not
// executing through it.
type IdleEnder interface {
	EndIdle(blockID string) bool
}

// held is the tenant's blocks that hold an isolate: live now or with an
// execution in flight. Called with runs.mu held.
func (s *Service) held(tenant string, live map[string]bool) map[string]bool {
	out := map[string]bool{}
	for id := range live {
		if s.tenantOf(id) == tenant {
			out[id] = true
		}
	}
	for id, n := range s.runs.inflight {
		if n > 0 && s.tenantOf(id) == tenant {
			out[id] = true
		}
	}
	return out
}

// startRun admits an execution of the block under its tenant's isolate
// and rate quotas and holds its place until done is called. To make room
// for a new block it ends the tenant's least recently run idle isolates.
func (s *Service) startRun(id string) (done func(), err error) {
	if s.tenantOf == nil || s.tenantQuota.Isolates <= 0 && s.tenantQuota.ExecutionsPerMinute <= 0 {
		return func() {}, nil
	}
	t := s.tenantOf(id)
	live := s.rt.LiveBlocks()
	r := &s.runs
	r.mu.Lock()
	held := s.held(t, live)
	now := s.now()
	victims, err := s.isolateRoom(t, id, held, live)
	if err == nil {
		err = s.takeExecution(t, now)
	}
	if err != nil {
		r.mu.Unlock()
		return nil, err
	}
	r.inflight[id]++
	runs := r.lastRun[t]
	if runs == nil {
		runs = map[string]time.Time{}
		r.lastRun[t] = runs
	}
	runs[id] = now
	for b := range runs { // keep only the blocks that still hold an isolate
		if !held[b] && b != id {
			delete(runs, b)
		}
	}
	for _, v := range victims {
		delete(runs, v)
	}
	r.mu.Unlock()
	// Outside the lock: ending an isolate waits for its process. An
	// execution of a victim starting meanwhile would see it end (a crash
	// outcome): only possible if it began in this instant.
	done = func() {
		r.mu.Lock()
		defer r.mu.Unlock()
		if r.inflight[id]--; r.inflight[id] <= 0 {
			delete(r.inflight, id)
		}
	}
	for _, v := range victims {
		ie, ok := s.rt.(IdleEnder)
		if !ok {
			s.rt.End(v)
			continue
		}
		if !ie.EndIdle(v) { // busy after all (a live session): no room
			done()
			s.giveBack(t)
			return nil, &QuotaError{Limit: ErrTenantIsolates, RetryAfter: time.Second,
				Message: fmt.Sprintf("all %d isolates your tenant may hold are in use (TENANT_MAX_ISOLATES); try again when one is free", s.tenantQuota.Isolates)}
		}
	}
	return done, nil
}

// Admit admits a run of the block that does not go through Execute (a
// live session's first render) under the same tenant isolate and rate
// quotas; done releases its place once the run has started or failed.
func (s *Service) Admit(blockID string) (done func(), err error) { return s.startRun(blockID) }

// giveBack returns an execution taken for a run that did not start.
func (s *Service) giveBack(tenant string) {
	s.runs.mu.Lock()
	defer s.runs.mu.Unlock()
	if b := s.runs.buckets[tenant]; b != nil && s.tenantQuota.ExecutionsPerMinute > 0 {
		b.tokens = min(float64(s.tenantQuota.ExecutionsPerMinute), b.tokens+1)
	}
}

// isolateRoom returns the tenant's idle isolates to end so the block can
// have one within TENANT_MAX_ISOLATES, or a *QuotaError when too few are
// idle. Called with runs.mu held.
func (s *Service) isolateRoom(tenant, id string, held, live map[string]bool) ([]string, error) {
	q := s.tenantQuota.Isolates
	if q <= 0 || held[id] || len(held) < q {
		return nil, nil
	}
	need := len(held) - q + 1
	runs := s.runs.lastRun[tenant]
	var idle []string
	for b := range held {
		if live[b] && s.runs.inflight[b] == 0 {
			idle = append(idle, b)
		}
	}
	if len(idle) < need {
		return nil, &QuotaError{Limit: ErrTenantIsolates, RetryAfter: time.Second,
			Message: fmt.Sprintf("all %d isolates your tenant may hold are executing (TENANT_MAX_ISOLATES=%d); try again when one finishes", len(held), q)}
	}
	// Least recently run first; a block never run here (zero time) first of all.
	for i := range need {
		for j := i + 1; j < len(idle); j++ {
			if runs[idle[j]].Before(runs[idle[i]]) || runs[idle[j]].Equal(runs[idle[i]]) && idle[j] < idle[i] {
				idle[i], idle[j] = idle[j], idle[i]
			}
		}
	}
	return idle[:need], nil
}

// takeExecution spends one of the tenant's executions of the minute, or
// refuses with a *QuotaError saying when the next is allowed. Called
// with runs.mu held.
func (s *Service) takeExecution(tenant string, now time.Time) error {
	q := s.tenantQuota.ExecutionsPerMinute
	if q <= 0 {
		return nil
	}
	b := s.refill(tenant, now)
	if b.tokens < 1 {
		wait := time.Duration(math.Ceil((1 - b.tokens) / s.perSecond() * float64(time.Second)))
		return &QuotaError{Limit: ErrTenantRate, RetryAfter: wait,
			Message: fmt.Sprintf("your tenant used its %d executions per minute (TENANT_EXECUTIONS_PER_MINUTE); the next is allowed in %s", q, wait.Round(time.Millisecond))}
	}
	b.tokens--
	if len(s.runs.buckets) > 1024 {
		for k, o := range s.runs.buckets { // full buckets hold nothing a new one would not
			if o.tokens+now.Sub(o.at).Seconds()*s.perSecond() >= float64(q) {
				delete(s.runs.buckets, k)
			}
		}
	}
	return nil
}

func (s *Service) perSecond() float64 { return float64(s.tenantQuota.ExecutionsPerMinute) / 60 }

// refill brings the tenant's bucket to now. Called with runs.mu held.
func (s *Service) refill(tenant string, now time.Time) *bucket {
	burst := float64(s.tenantQuota.ExecutionsPerMinute)
	b := s.runs.buckets[tenant]
	if b == nil {
		b = &bucket{tokens: burst, at: now}
		s.runs.buckets[tenant] = b
	}
	b.tokens = min(burst, b.tokens+now.Sub(b.at).Seconds()*s.perSecond())
	b.at = now
	return b
}

// executionsLeft is how many executions the tenant may start now; -1
// without a rate quota.
// heldCount is how many isolates the tenant holds on this instance.
func (s *Service) heldCount(tenant string) int {
	live := s.rt.LiveBlocks()
	s.runs.mu.Lock()
	defer s.runs.mu.Unlock()
	return len(s.held(tenant, live))
}

func (s *Service) executionsLeft(tenant string) int {
	if s.tenantQuota.ExecutionsPerMinute <= 0 {
		return -1
	}
	s.runs.mu.Lock()
	defer s.runs.mu.Unlock()
	return int(s.refill(tenant, s.now()).tokens)
}
