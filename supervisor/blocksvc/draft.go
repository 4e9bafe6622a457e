package blocksvc

import (
	"context"
	"fmt"
	"time"
)

// Save stores a block's code, data and name without running it: a draft,
// kept even while no isolate is free to run it. An empty name keeps the
// one the block has. Its last output stays as it was. A block too large
// to store is refused (ErrTooLarge), and so is one past a storage quota
// (ErrQuota).
func (s *Service) Save(ctx context.Context, b Block) error {
	b.Live = false
	g, _ := s.gate.enter(b.ID)
	defer s.gate.leave(b.ID, g)
	g.mu.Lock() // a save and a delete of one block do not interleave
	defer g.mu.Unlock()
	if b.Name == "" {
		old, ok, err := s.store.LoadBlock(ctx, b.ID)
		if err != nil {
			return fmt.Errorf("%w: load block: %w", ErrStorage, err)
		}
		if ok {
			b.Name = old.Name
		}
	}
	if err := s.checkBlock(b); err != nil {
		return err
	}
	if err := s.admit(ctx, b, nil); err != nil {
		return err
	}
	b.UpdatedAt = time.Now().UTC()
	if err := s.store.SaveBlock(ctx, b); err != nil {
		return fmt.Errorf("%w: save block: %w", ErrStorage, err)
	}
	s.account(b, nil)
	// What this instance remembers writing is no longer what is stored.
	s.forget(b.ID)
	return nil
}
