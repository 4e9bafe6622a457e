package ipc

import (
	"context"
	"sync"

	plugin "github.com/hashicorp/go-plugin"
	"google.golang.org/grpc"

	"github.com/symposium/symposium/ipc/sandboxpb"
)

// lazyHost dials the broker on its first call.
type lazyHost struct {
	broker *plugin.GRPCBroker
	id     uint32

	once sync.Once
	c    sandboxpb.HostClient
	err  error
}

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

func (h *lazyHost) SaveData(ctx context.Context, in *sandboxpb.SaveDataRequest, opts ...grpc.CallOption) (*sandboxpb.SaveDataResponse, error) {
	c, err := h.client()
	if err != nil {
		return nil, err
	}
	return c.SaveData(ctx, in, opts...)
}

func (h *lazyHost) GetData(ctx context.Context, in *sandboxpb.GetDataRequest, opts ...grpc.CallOption) (*sandboxpb.GetDataResponse, error) {
	c, err := h.client()
	if err != nil {
		return nil, err
	}
	return c.GetData(ctx, in, opts...)
}

func (h *lazyHost) DeleteData(ctx context.Context, in *sandboxpb.DeleteDataRequest, opts ...grpc.CallOption) (*sandboxpb.DeleteDataResponse, error) {
	c, err := h.client()
	if err != nil {
		return nil, err
	}
	return c.DeleteData(ctx, in, opts...)
}

func (h *lazyHost) Fetch(ctx context.Context, in *sandboxpb.FetchRequest, opts ...grpc.CallOption) (*sandboxpb.FetchResponse, error) {
	c, err := h.client()
	if err != nil {
		return nil, err
	}
	return c.Fetch(ctx, in, opts...)
}
