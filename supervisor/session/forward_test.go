package session

import (
	"context"
	"errors"
	"fmt"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/symposium/symposium/supervisor/isolate"
)

func redisFor(t *testing.T) *redis.Client {
	t.Helper()
	rdb := redis.NewClient(&redis.Options{Addr: "127.0.0.1:6379"})
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	if err := rdb.Ping(ctx).Err(); err != nil {
		rdb.Close()
		if os.Getenv("CI") == "true" {
			t.Fatalf("redis at 127.0.0.1:6379: %v", err)
		}
		t.Skipf("redis at 127.0.0.1:6379 unreachable: %v", err)
	}
	t.Cleanup(func() { rdb.Close() })
	return rdb
}

// Two instances on one Redis: a session's events, state and close reach
// it from the other instance, with its errors intact; a code change made on
// one ends the other's sessions; an instance that is gone is session_moved.
func TestForwardingBetweenInstances(t *testing.T) {
	rdb := redisFor(t)
	prefix := fmt.Sprintf("symposium:test:%d:%d:", os.Getpid(), time.Now().UnixNano())
	ra, rb := newFake(), newFake()
	a := NewForwarder(New(ra, Config{InstanceID: "i-a"}), rdb, ForwardConfig{ChannelPrefix: prefix, Timeout: 2 * time.Second})
	b := NewForwarder(New(rb, Config{InstanceID: "i-b"}), rdb, ForwardConfig{ChannelPrefix: prefix, Timeout: 2 * time.Second})
	t.Cleanup(b.Shutdown)
	<-a.Ready()
	<-b.Ready()
	ctx := context.Background()
	code := isolate.Code{HTML: "v1"}
	turn, err := a.Open(ctx, "t", "blk", code, nil, false)
	if err != nil {
		t.Fatal(err)
	}
	sid := turn.SessionID
	for range 2 {
		if turn, err = b.Event(ctx, "t", "blk", sid, click); err != nil {
			t.Fatalf("forwarded event: %v", err)
		}
	}
	if !strings.Contains(turn.HTML, "<p>2</p>") || turn.SessionID != sid {
		t.Fatalf("forwarded turn: %+v", turn)
	}
	if got, err := b.Get("t", "blk", sid); err != nil || !strings.Contains(got.HTML, "<p>2</p>") {
		t.Fatalf("forwarded get: %+v %v", got, err)
	}
	// Errors keep their kind across instances.
	if _, err := b.Event(ctx, "other", "blk", sid, click); !errors.Is(err, ErrSessionGone) {
		t.Fatalf("another tenant, forwarded: %v", err)
	}
	if _, err := b.Event(ctx, "t", "blk", sid, isolate.UserEvent{Type: "click", Target: "#missing"}); !errors.Is(err, isolate.ErrNoTarget) || !strings.Contains(err.Error(), "#missing") {
		t.Fatalf("no target, forwarded: %v", err)
	}
	// A code change made on b ends a's session.
	w, _ := watch(a.Manager, sid)
	js := "v2"
	b.CodeChanged("blk", CodePatch{JavaScript: &js})
	if u := w.next(t, 2*time.Second); !u.Ended || u.Reason != ReasonCodeChanged {
		t.Fatalf("code change from b: %+v", u)
	}
	var gone *GoneError
	if _, err := b.Event(ctx, "t", "blk", sid, click); !errors.As(err, &gone) || gone.Reason != ReasonCodeChanged {
		t.Fatalf("after the change, forwarded: %v", err)
	}
	// Close through b.
	turn, _ = a.Open(ctx, "t", "blk", code, nil, false)
	if err := b.Close("t", "blk", turn.SessionID); err != nil || ra.isLive(turn.SessionID) {
		t.Fatalf("forwarded close: %v", err)
	}
	// a goes: its ids are session_moved on b, at once.
	turn, _ = a.Open(ctx, "t", "blk", code, nil, false)
	a.Shutdown()
	start := time.Now()
	var moved *MovedError
	if _, err := b.Event(ctx, "t", "blk", turn.SessionID, click); !errors.As(err, &moved) || moved.Instance != "i-a" {
		t.Fatalf("holder gone: %v", err)
	}
	if el := time.Since(start); el > time.Second {
		t.Fatalf("session_moved took %v: it should not wait for the timeout", el)
	}
}
