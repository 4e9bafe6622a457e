package blocksvc

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/symposium/symposium/storage/blockdata"
	"github.com/symposium/symposium/storage/kv/bolt"
	"github.com/symposium/symposium/supervisor/isolate"
)

// TestSaveDataStormCannotPassTheQuota: data saved by scripts (blockdata,
// one row per key) counts in the tenant's and the global bytes; 200
// concurrent saves of 60 kB store no more than the quota allows, and the
// tally matches what is stored.
func TestSaveDataStormCannotPassTheQuota(t *testing.T) {
	ctx := context.Background()
	kv, err := bolt.Open(filepath.Join(t.TempDir(), "kv.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer kv.Close()
	data := blockdata.New(kv)
	s := New(newHoldRuntime(), WithQuota(Quota{Bytes: 400_000}), WithTenantOf(tenantOf),
		WithTenantQuota(TenantQuota{Bytes: 250_000, Isolates: -1, ExecutionsPerMinute: -1}))
	data.SetAccountant(s)
	for i := range 4 {
		if _, err := s.Execute(ctx, Block{ID: fmt.Sprintf("a.b%d", i), Code: isolate.Code{JavaScript: "x"}}); err != nil {
			t.Fatal(err)
		}
	}
	value := []byte(`"` + strings.Repeat("v", 60_000) + `"`)
	var wg sync.WaitGroup
	var mu sync.Mutex
	saved, refused := 0, 0
	for i := range 200 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			err := data.Save(ctx, fmt.Sprintf("a.b%d", i%4), fmt.Sprintf("k%d", i), value)
			mu.Lock()
			defer mu.Unlock()
			switch {
			case err == nil:
				saved++
			case errors.Is(err, blockdata.ErrQuota) && errors.Is(err, ErrQuota) && strings.Contains(err.Error(), "TENANT_MAX_STORAGE_MB"):
				refused++
			default:
				t.Errorf("save %d: %v", i, err)
			}
		}()
	}
	wg.Wait()
	stored := int64(0)
	for i := range 4 {
		n, err := data.Size(ctx, fmt.Sprintf("a.b%d", i))
		if err != nil {
			t.Fatal(err)
		}
		stored += int64(n)
	}
	tu, err := s.TenantUsage(ctx, "a")
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("200 saves of 60 kB: %d saved, %d refused; %d bytes of data stored; tenant a counts %d of %d", saved, refused, stored, tu.Bytes, tu.MaxBytes)
	if saved == 0 || saved+refused != 200 || tu.Bytes > 250_000 || stored > 250_000 {
		t.Fatalf("the storm passed the quota or nothing was saved: %d saved, tenant at %d bytes", saved, tu.Bytes)
	}
	codeAndOutput := int64(0)
	for i := range 4 {
		codeAndOutput += s.usage.blocks[fmt.Sprintf("a.b%d", i)].block + s.usage.blocks[fmt.Sprintf("a.b%d", i)].output
	}
	if tu.Bytes != stored+codeAndOutput {
		t.Fatalf("tally %d bytes, stored %d of data and %d of code and output", tu.Bytes, stored, codeAndOutput)
	}
	// The global quota counts data too: tenant b reaches it where a's
	// 250,000 and b's 150,000 meet 400,000.
	if _, err := s.Execute(ctx, Block{ID: "b.x", Code: isolate.Code{JavaScript: "x"}}); err != nil {
		t.Fatal(err)
	}
	var gerr error
	for i := 0; gerr == nil && i < 10; i++ {
		gerr = data.Save(ctx, "b.x", fmt.Sprintf("k%d", i), value)
	}
	if !errors.Is(gerr, ErrQuota) || !strings.Contains(gerr.Error(), "MAX_STORAGE_MB") {
		t.Fatalf("tenant b past the global quota: %v", gerr)
	}
	if u, _ := s.Usage(ctx); u.Bytes > 400_000 {
		t.Fatalf("global use %d past 400,000", u.Bytes)
	}
	// Overwriting a key counts the difference only; deleting one frees it.
	before, _ := s.TenantUsage(ctx, "a")
	var block, key string
	for i := 0; key == "" && i < 4; i++ {
		block = fmt.Sprintf("a.b%d", i)
		all, _ := data.All(ctx, block)
		for k := range all {
			key = k
			break
		}
	}
	if err := data.Save(ctx, block, key, value); err != nil {
		t.Fatalf("overwriting with the same size at the quota: %v", err)
	}
	if err := data.Delete(ctx, block, key); err != nil {
		t.Fatal(err)
	}
	after, _ := s.TenantUsage(ctx, "a")
	if want := before.Bytes - int64(len(key)+len(value)); after.Bytes != want {
		t.Fatalf("after deleting a key: %d bytes, want %d", after.Bytes, want)
	}
	// Deleting the block forgets its data's share too.
	for i := 0; i < 4; i++ {
		if n, _ := data.Size(ctx, fmt.Sprintf("a.b%d", i)); n > 0 {
			block = fmt.Sprintf("a.b%d", i)
		}
	}
	if err := s.Delete(ctx, block); err != nil {
		t.Fatal(err)
	}
	if final, _ := s.TenantUsage(ctx, "a"); final.Blocks != 3 || final.Bytes >= after.Bytes-60_000 {
		t.Fatalf("after deleting a block with data: %+v (before %+v)", final, after)
	}
}

// The tally counts data already stored when the service starts.
func TestUsageReadsStoredData(t *testing.T) {
	ctx := context.Background()
	st := &sizedStore{memStore: newMemStore(), sizes: map[string]int64{"x": 5000}}
	_ = st.SaveBlock(ctx, Block{ID: "x"})
	s := New(newHoldRuntime(), WithStore(st))
	u, err := s.Usage(ctx)
	if err != nil || u.Blocks != 1 || u.Bytes < 5000 {
		t.Fatalf("usage: %+v %v", u, err)
	}
}

type sizedStore struct {
	*memStore
	sizes map[string]int64
}

func (s *sizedStore) DataSize(_ context.Context, id string) (int64, error) { return s.sizes[id], nil }
