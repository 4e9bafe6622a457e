package blockdata_test

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"

	"github.com/symposium/symposium/storage/blockdata"
	"github.com/symposium/symposium/storage/kv"
)

// ledger is an Accountant that keeps each block's reserved bytes and
// refuses growth past a limit.
type ledger struct {
	mu    sync.Mutex
	limit int64
	used  map[string]int64
}

var errFull = errors.New("ledger full")

func (l *ledger) ReserveData(_ context.Context, block string, delta int64) (func(), error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if delta > 0 && l.total()+delta > l.limit {
		return nil, errFull
	}
	l.used[block] += delta
	return func() {
		l.mu.Lock()
		defer l.mu.Unlock()
		l.used[block] -= delta
	}, nil
}

func (l *ledger) total() int64 {
	n := int64(0)
	for _, v := range l.used {
		n += v
	}
	return n
}

// TestAccountantSeesEveryChange: concurrent saves, overwrites and deletes
// (with compare-and-write conflicts retried) leave the accountant's count
// equal to what is stored, and its refusal stops a write.
func TestAccountantSeesEveryChange(t *testing.T) {
	backends(t, func(t *testing.T, newKV func(t *testing.T) kv.Store) {
		ctx := context.Background()
		s := blockdata.New(newKV(t))
		l := &ledger{limit: 20_000, used: map[string]int64{}}
		s.SetAccountant(l)
		var wg sync.WaitGroup
		for i := range 60 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				key := fmt.Sprintf("k%d", i%20)
				var err error
				switch i % 3 {
				case 0, 1:
					err = s.Save(ctx, "blk", key, []byte(fmt.Sprintf(`"%0*d"`, 100+i*10, i)))
				default:
					err = s.Delete(ctx, "blk", key)
				}
				if err != nil && !errors.Is(err, blockdata.ErrBusy) {
					t.Errorf("op %d: %v", i, err)
				}
			}()
		}
		wg.Wait()
		n, err := s.Size(ctx, "blk")
		if err != nil {
			t.Fatal(err)
		}
		if got := l.used["blk"]; got != int64(n) {
			t.Fatalf("accountant counts %d bytes, %d stored", got, n)
		}
		l.limit = l.total()
		err = s.Save(ctx, "blk", "more", []byte(`"x"`))
		if !errors.Is(err, blockdata.ErrQuota) || !errors.Is(err, errFull) {
			t.Fatalf("save refused by the accountant: %v", err)
		}
		if _, err := s.Get(ctx, "blk", "more"); !errors.Is(err, blockdata.ErrNotFound) {
			t.Fatalf("a refused save was written: %v", err)
		}
	})
}
