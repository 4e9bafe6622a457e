package isolate

import (
	"context"
	"log/slog"
	"sync"
)

// pool keeps a few runners started and confined ahead of need, so a new
// block does not wait for a spawn. Its runners are not bound to any block.
type pool struct {
	size   int
	spawn  func(context.Context) (*Isolate, error)
	logger *slog.Logger

	mu      sync.Mutex
	ready   []*Isolate
	filling bool
	closed  bool
	wg      sync.WaitGroup
}

func newPool(size int, spawn func(context.Context) (*Isolate, error), logger *slog.Logger) *pool {
	p := &pool{size: size, spawn: spawn, logger: logger}
	p.refill()
	return p
}

// get takes a ready runner, or starts one now if the pool is empty.
func (p *pool) get(ctx context.Context) (*Isolate, error) {
	p.mu.Lock()
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

// refill tops the pool up in the background; one filler at a time.
func (p *pool) refill() {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.filling || p.closed || len(p.ready) >= p.size {
		return
	}
	p.filling = true
	p.wg.Add(1)
	go func() {
		defer p.wg.Done()
		for {
			p.mu.Lock()
			if p.closed || len(p.ready) >= p.size {
				p.filling = false
				p.mu.Unlock()
				return
			}
			p.mu.Unlock()
			iso, err := p.spawn(context.Background())
			if err == nil {
				iso.warm()
			}
			p.mu.Lock()
			if err != nil {
				p.filling = false
				p.mu.Unlock()
				p.logger.Error("pool: could not start a runner", "err", err)
				return
			}
			if p.closed {
				p.mu.Unlock()
				iso.destroy()
				return
			}
			p.ready = append(p.ready, iso)
			p.mu.Unlock()
		}
	}()
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
	p.wg.Wait()
	for _, iso := range ready {
		k := KindOK
		iso.killedBy.CompareAndSwap(nil, &k)
		iso.destroy()
	}
}
