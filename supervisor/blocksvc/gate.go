package blocksvc

import "sync"

// gate makes a block's writes linearisable on this instance: an execution
// notes the block's epoch before it runs and stores its result only if no
// delete bumped the epoch since, checked and written under the block's
// lock, which a delete holds while it deletes. So a delete that answered
// always wins over an execution in flight. Entries live only while someone
// holds them, so the map stays as small as the work in flight.
type gate struct {
	mu     sync.Mutex
	blocks map[string]*blockGate
}

type blockGate struct {
	mu    sync.Mutex // serialises the block's store writes and deletes
	epoch uint64     // bumped by every delete; under gate.mu
	refs  int        // holders; under gate.mu
}

// enter holds the block's entry and returns it with the current epoch.
func (g *gate) enter(id string) (*blockGate, uint64) {
	g.mu.Lock()
	defer g.mu.Unlock()
	if g.blocks == nil {
		g.blocks = map[string]*blockGate{}
	}
	b, ok := g.blocks[id]
	if !ok {
		b = &blockGate{}
		g.blocks[id] = b
	}
	b.refs++
	return b, b.epoch
}

func (g *gate) leave(id string, b *blockGate) {
	g.mu.Lock()
	defer g.mu.Unlock()
	if b.refs--; b.refs == 0 {
		delete(g.blocks, id)
	}
}

// current reports whether no delete happened since epoch e.
func (g *gate) current(b *blockGate, e uint64) bool {
	g.mu.Lock()
	defer g.mu.Unlock()
	return b.epoch == e
}

func (g *gate) bump(b *blockGate) {
	g.mu.Lock()
	defer g.mu.Unlock()
	b.epoch++
}
