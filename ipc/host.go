package ipc

import (
	"context"
	"errors"
	"sync"

	plugin "github.com/hashicorp/go-plugin"
	"google.golang.org/grpc/status"

	"github.com/symposium/symposium/ipc/sandboxpb"
)

// Host is what a script may ask of its supervisor, as the runner sees it.
// Errors carry only the supervisor's user-facing text, never gRPC codes.
type Host interface {
	SaveData(ctx context.Context, key string, value []byte) error
	GetData(ctx context.Context, key string) (value []byte, found bool, err error)
	DeleteData(ctx context.Context, key string) error
	Fetch(ctx context.Context, url string) (status int, contentType string, body []byte, err error)
}

// lazyHost dials the broker on its first call, so blocks that never call
// their host pay nothing.
type lazyHost struct {
	broker *plugin.GRPCBroker
	id     uint32

	once sync.Once
	c    sandboxpb.HostClient
	err  error
}

var _ Host = (*lazyHost)(nil)

func (h *lazyHost) client() (sandboxpb.HostClient, error) {
	h.once.Do(func() {
		conn, err := h.broker.Dial(h.id)
		if err != nil {
			h.err = err
			return
		}
		h.c = sandboxpb.NewHostClient(conn)
	})
	return h.c, h.err
}

// plain keeps only a status's message: scripts read the supervisor's words.
func plain(err error) error {
	if err == nil {
		return nil
	}
	if s, ok := status.FromError(err); ok {
		return errors.New(s.Message())
	}
	return err
}

func (h *lazyHost) SaveData(ctx context.Context, key string, value []byte) error {
	c, err := h.client()
	if err != nil {
		return err
	}
	_, err = c.SaveData(ctx, &sandboxpb.SaveDataRequest{Key: key, ValueJson: value})
	return plain(err)
}

func (h *lazyHost) GetData(ctx context.Context, key string) ([]byte, bool, error) {
	c, err := h.client()
	if err != nil {
		return nil, false, err
	}
	r, err := c.GetData(ctx, &sandboxpb.GetDataRequest{Key: key})
	if err != nil {
		return nil, false, plain(err)
	}
	return r.GetValueJson(), r.GetFound(), nil
}

func (h *lazyHost) DeleteData(ctx context.Context, key string) error {
	c, err := h.client()
	if err != nil {
		return err
	}
	_, err = c.DeleteData(ctx, &sandboxpb.DeleteDataRequest{Key: key})
	return plain(err)
}

func (h *lazyHost) Fetch(ctx context.Context, url string) (int, string, []byte, error) {
	c, err := h.client()
	if err != nil {
		return 0, "", nil, err
	}
	r, err := c.Fetch(ctx, &sandboxpb.FetchRequest{Url: url})
	if err != nil {
		return 0, "", nil, plain(err)
	}
	return int(r.GetStatus()), r.GetContentType(), r.GetBody(), nil
}
