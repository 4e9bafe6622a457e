package isolate

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"time"
)

var errWarmDied = errors.New("a new runner died during its first execution")

// Health is whether the runtime can serve new blocks, from what it saw:
// ok only when a runner was started or served within the interval, and no
// start failed since the last one that worked.
type Health struct {
	OK          bool      `json:"ok"`
	Reason      string    `json:"reason,omitempty"`
	LastStarted time.Time `json:"lastStarted"`
	LastServed  time.Time `json:"lastServed"`
	Interval    string    `json:"interval"`
}

type health struct {
	mu         sync.Mutex
	started    time.Time // the runtime's start
	lastStart  time.Time
	lastServe  time.Time
	lastFail   time.Time
	lastErr    error
	failLogged bool
}

func (h *health) startedOne() {
	h.mu.Lock()
	h.lastStart = time.Now()
	h.mu.Unlock()
}

func (h *health) servedOne() {
	h.mu.Lock()
	h.lastServe = time.Now()
	h.mu.Unlock()
}

func (h *health) failed(err error) {
	h.mu.Lock()
	h.lastFail, h.lastErr = time.Now(), err
	h.mu.Unlock()
}

func (h *health) idleFor(now time.Time) time.Duration {
	h.mu.Lock()
	defer h.mu.Unlock()
	last := h.lastStart
	if h.lastServe.After(last) {
		last = h.lastServe
	}
	if last.IsZero() {
		last = h.started
	}
	return now.Sub(last)
}

func (h *health) report(interval time.Duration) Health {
	h.mu.Lock()
	defer h.mu.Unlock()
	now := time.Now()
	out := Health{OK: true, LastStarted: h.lastStart, LastServed: h.lastServe, Interval: interval.String()}
	last := h.lastStart
	if h.lastServe.After(last) {
		last = h.lastServe
	}
	switch {
	case h.lastErr != nil && !h.lastFail.Before(h.lastStart):
		out.OK, out.Reason = false, "cannot start a sandbox runner: "+strings.TrimPrefix(h.lastErr.Error(), ErrSpawn.Error()+": ")
	case last.IsZero() && now.Sub(h.started) > interval:
		out.OK, out.Reason = false, "no sandbox runner has started yet"
	case !last.IsZero() && now.Sub(last) > interval:
		out.OK, out.Reason = false, fmt.Sprintf("no sandbox runner started or served in the last %s", interval)
	}
	return out
}

// Health reports whether new blocks can be served, and why not.
func (r *Runtime) Health() Health { return r.health.report(r.cfg.HealthInterval) }

// watchHealth proves, when nothing else has, that a runner can still be
// started: it recycles a pooled runner (or, with no pool, starts and ends
// one). It also keeps our run directory and lock in place and trims the
// pool once new blocks slow down.
func (r *Runtime) watchHealth() {
	defer r.wg.Done()
	every := max(r.cfg.HealthInterval/3, 50*time.Millisecond)
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		select {
		case <-r.stop:
			return
		case <-t.C:
		}
		if r.inst != nil {
			if err := r.inst.ensure(); err != nil {
				r.logger.Error("cannot keep our run directory", "err", err)
				r.health.failed(err)
			}
		}
		r.pool.trim()
		if r.health.idleFor(time.Now()) < every {
			continue
		}
		if r.pool.recycle() {
			continue
		}
		ctx, cancel := context.WithTimeout(context.Background(), 15*time.Second)
		iso, err := r.spawn(ctx)
		cancel()
		if err == nil {
			iso.warm()
			if iso.Dead() {
				r.health.failed(errWarmDied)
			} else {
				r.health.servedOne()
			}
			iso.destroy()
		}
	}
}
