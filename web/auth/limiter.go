package auth

import (
	"math"
	"sync"
	"time"
)

// Limiter is a token bucket per key: perMinute tokens a minute, bursts up
// to perMinute. Every entry point calls the same Limiter, so a client cannot
// get around REST's limit through the WebSocket.
type Limiter struct {
	rate    float64 // tokens per second
	burst   float64
	maxKeys int
	now     func() time.Time

	mu      sync.Mutex
	buckets map[string]*bucket
}

type bucket struct {
	tokens float64
	at     time.Time
}

// NewLimiter returns a limiter; perMinute <= 0 allows everything.
func NewLimiter(perMinute int) *Limiter {
	return &Limiter{rate: float64(perMinute) / 60, burst: float64(perMinute), maxKeys: 100_000,
		now: time.Now, buckets: map[string]*bucket{}}
}

// Allow takes one token for key. When none is left it reports how long
// until one is.
func (l *Limiter) Allow(key string) (bool, time.Duration) {
	if l == nil || l.rate <= 0 {
		return true, 0
	}
	now := l.now()
	l.mu.Lock()
	defer l.mu.Unlock()
	b, ok := l.buckets[key]
	if !ok {
		if len(l.buckets) >= l.maxKeys {
			l.sweep(now)
		}
		b = &bucket{tokens: l.burst, at: now}
		l.buckets[key] = b
	}
	b.tokens = math.Min(l.burst, b.tokens+now.Sub(b.at).Seconds()*l.rate)
	b.at = now
	if b.tokens >= 1 {
		b.tokens--
		return true, 0
	}
	wait := time.Duration((1 - b.tokens) / l.rate * float64(time.Second))
	return false, max(wait, time.Second)
}

// sweep drops buckets that are full again: they hold nothing a new bucket
// would not. Memory stays bounded by the number of recently active keys.
func (l *Limiter) sweep(now time.Time) {
	for k, b := range l.buckets {
		if b.tokens+now.Sub(b.at).Seconds()*l.rate >= l.burst {
			delete(l.buckets, k)
		}
	}
}

// Key is the limiter key of a request: the tenant, then the client address,
// so tenants do not share buckets and neither do clients of one tenant.
func Key(p Principal, clientIP string) string { return p.Tenant + "|" + clientIP }

// LimitError is a refusal by the limiter; it matches ErrRateLimited and
// says when to retry.
type LimitError struct{ RetryAfter time.Duration }

func (e *LimitError) Error() string { return ErrRateLimited.Error() }

// Unwrap makes errors.Is(err, ErrRateLimited) hold.
func (e *LimitError) Unwrap() error { return ErrRateLimited }

// Take is Allow as an error: nil, or a *LimitError.
func (l *Limiter) Take(key string) error {
	if ok, wait := l.Allow(key); !ok {
		return &LimitError{RetryAfter: wait}
	}
	return nil
}
