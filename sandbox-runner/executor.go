package main

import (
	"context"
	"errors"
	"time"

	"google.golang.org/grpc/status"

	"github.com/symposium/symposium/ipc/sandboxpb"
	"github.com/symposium/symposium/sandbox-runner/engine"
)

// executor adapts the engine to the ipc protocol.
type executor struct{}

func (executor) Execute(ctx context.Context, req *sandboxpb.ExecuteRequest, host sandboxpb.HostClient) (*sandboxpb.ExecuteResponse, error) {
	start := time.Now()
	if ms := req.GetTimeoutMs(); ms > 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, time.Duration(ms)*time.Millisecond)
		defer cancel()
	}
	b := req.GetBlock()
	opts := engine.Options{}
	if host != nil {
		opts.Host = hostAdapter{host}
	}
	res := engine.Execute(ctx, engine.Block{
		HTML:       b.GetHtml(),
		CSS:        b.GetCss(),
		JavaScript: b.GetJavascript(),
		Data:       b.GetData(),
	}, opts)

	out := &sandboxpb.ExecuteResponse{
		Html:     res.HTML,
		Css:      res.CSS,
		TimedOut: res.TimedOut,
		Logs:     make([]*sandboxpb.LogEntry, len(res.Logs)),
	}
	for i, l := range res.Logs {
		out.Logs[i] = &sandboxpb.LogEntry{Level: l.Level, Message: l.Message}
	}
	if res.Error != nil {
		out.Error = &sandboxpb.ScriptError{Message: res.Error.Message, Stack: res.Error.Stack}
	}
	out.DurationMicros = time.Since(start).Microseconds()
	return out, nil
}

// hostAdapter turns the supervisor's Host service into the engine's Host,
// keeping only the status message so that scripts see the supervisor's
// user-facing text, not gRPC codes.
type hostAdapter struct{ c sandboxpb.HostClient }

func plain(err error) error {
	if err == nil {
		return nil
	}
	if s, ok := status.FromError(err); ok {
		return errors.New(s.Message())
	}
	return err
}

func (h hostAdapter) SaveData(ctx context.Context, key string, value []byte) error {
	_, err := h.c.SaveData(ctx, &sandboxpb.SaveDataRequest{Key: key, ValueJson: value})
	return plain(err)
}

func (h hostAdapter) GetData(ctx context.Context, key string) ([]byte, bool, error) {
	r, err := h.c.GetData(ctx, &sandboxpb.GetDataRequest{Key: key})
	if err != nil {
		return nil, false, plain(err)
	}
	return r.GetValueJson(), r.GetFound(), nil
}

func (h hostAdapter) DeleteData(ctx context.Context, key string) error {
	_, err := h.c.DeleteData(ctx, &sandboxpb.DeleteDataRequest{Key: key})
	return plain(err)
}

func (h hostAdapter) Fetch(ctx context.Context, url string) (int, string, []byte, error) {
	r, err := h.c.Fetch(ctx, &sandboxpb.FetchRequest{Url: url})
	if err != nil {
		return 0, "", nil, plain(err)
	}
	return int(r.GetStatus()), r.GetContentType(), r.GetBody(), nil
}
