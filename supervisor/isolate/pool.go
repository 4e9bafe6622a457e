package isolate

import (
	"context"
	"log/slog"
	"math"
	"sync"
	"time"
)

// rateWindow is how far back the pool looks to size itself: short, since
// new blocks come in bursts (a page of blocks opened at once).
const rateWindow = 2 * time.Second

// pool keeps runners started and confined ahead of need, so a new block
// does not wait for a spawn. Its runners are not bound to any block. Its
// size follows the recent rate of new blocks: enough to cover the demand
// that arrives while one runner starts, twice over, between min and max.
type pool struct {
	min, max int
	spawn    func(context.Context) (*Isolate, error)
	logger   *slog.Logger
	health   *health

	mu       sync.Mutex
	ready    []*Isolate
	takes    []time.Time // new-block takes within rateWindow
	startDur float64     // seconds per start (spawn and warm), moving average
	filling  bool
	closed   bool
	wake     chan struct{}
	wg       sync.WaitGroup
}

func newPool(min, max int, spawn func(context.Context) (*Isolate, error), logger *slog.Logger, h *health) *pool {
	p := &pool{min: min, max: max, spawn: spawn, logger: logger, health: h, startDur: 0.02, wake: make(chan struct{}, 1)}
	p.refill()
	return p
}

// target is the size the pool aims for now. Called with p.mu held.
func (p *pool) target(now time.Time) int {
	if p.max == 0 {
		return 0
	}
	cut := now.Add(-rateWindow)
	i := 0
	for i < len(p.takes) && p.takes[i].Before(cut) {
		i++
	}
	p.takes = p.takes[i:]
	rate := float64(len(p.takes)) / rateWindow.Seconds()
	want := int(math.Ceil(2 * rate * p.startDur))
	return min(max(want, p.min), p.max)
}

// get takes a ready runner, or starts one now if the pool is empty.
func (p *pool) get(ctx context.Context) (*Isolate, error) {
	p.mu.Lock()
	now := time.Now()
	if len(p.takes) < 4096 {
		p.takes = append(p.takes, now)
	}
	for len(p.ready) > 0 {
		iso := p.ready[0]
		p.ready = p.ready[1:]
		if iso.Dead() {
			continue
		}
		p.mu.Unlock()
		p.refill()
		return iso, nil
	}
	closed := p.closed
	p.mu.Unlock()
	if closed {
		return nil, ErrClosed
	}
	p.refill()
	return p.spawn(ctx)
}

// size is the number of ready runners and the current target.
func (p *pool) size() (ready, target int) {
	p.mu.Lock()
	defer p.mu.Unlock()
	return len(p.ready), p.target(time.Now())
}

// refill tops the pool up in the background; one filler at a time. After a
// failed start it retries with a growing pause, so the pool recovers by
// itself when the runner can start again.
func (p *pool) refill() {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.closed || p.max == 0 {
		return
	}
	if p.filling {
		select {
		case p.wake <- struct{}{}:
		default:
		}
		return
	}
	if len(p.ready) >= p.target(time.Now()) {
		return
	}
	p.filling = true
	p.wg.Add(1)
	go p.fill()
}

func (p *pool) fill() {
	defer p.wg.Done()
	backoff := 100 * time.Millisecond
	for {
		p.mu.Lock()
		if p.closed || len(p.ready) >= p.target(time.Now()) {
			p.filling = false
			p.mu.Unlock()
			return
		}
		p.mu.Unlock()
		began := time.Now()
		iso, err := p.spawn(context.Background())
		if err != nil {
			p.logger.Error("pool: could not start a runner; retrying", "err", err, "in", backoff)
			select {
			case <-time.After(backoff):
			case <-p.wake:
			}
			backoff = min(2*backoff, 5*time.Second)
			continue
		}
		backoff = 100 * time.Millisecond
		iso.warm()
		if iso.Dead() {
			p.health.failed(errWarmDied)
		} else {
			p.health.servedOne()
		}
		p.mu.Lock()
		p.startDur = 0.8*p.startDur + 0.2*time.Since(began).Seconds()
		if p.closed {
			p.mu.Unlock()
			iso.destroy()
			return
		}
		p.ready = append(p.ready, iso)
		p.mu.Unlock()
	}
}

// trim ends pooled runners beyond the current target, oldest first, once
// the rate of new blocks has fallen.
func (p *pool) trim() {
	p.mu.Lock()
	var extra []*Isolate
	if t := p.target(time.Now()); len(p.ready) > t {
		extra = append(extra, p.ready[:len(p.ready)-t]...)
		p.ready = append([]*Isolate(nil), p.ready[len(p.ready)-t:]...)
	}
	p.mu.Unlock()
	for _, iso := range extra {
		iso.destroy()
	}
}

// recycle replaces the oldest pooled runner by a fresh one: a health probe
// that also keeps pooled runners young. It reports whether there was one.
func (p *pool) recycle() bool {
	p.mu.Lock()
	if len(p.ready) == 0 || p.closed {
		p.mu.Unlock()
		return false
	}
	old := p.ready[0]
	p.ready = p.ready[1:]
	p.mu.Unlock()
	old.destroy()
	p.refill()
	return true
}

func (p *pool) list() []*Isolate {
	p.mu.Lock()
	defer p.mu.Unlock()
	return append([]*Isolate(nil), p.ready...)
}

func (p *pool) close() {
	p.mu.Lock()
	p.closed = true
	ready := p.ready
	p.ready = nil
	p.mu.Unlock()
	select {
	case p.wake <- struct{}{}:
	default:
	}
	p.wg.Wait()
	for _, iso := range ready {
		iso.destroy()
	}
}
