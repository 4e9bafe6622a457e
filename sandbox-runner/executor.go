package main

import (
	"context"
	"time"

	"github.com/symposium/symposium/ipc"
	"github.com/symposium/symposium/sandbox-runner/engine"
)

// executor adapts the engine to the ipc protocol; ipc maps the wire types.
type executor struct{}

func (executor) Execute(ctx context.Context, req ipc.Request, host ipc.Host) (ipc.Response, error) {
	start := time.Now()
	if req.Timeout > 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, req.Timeout)
		defer cancel()
	}
	opts := engine.Options{Locale: req.Locale, TimeZone: req.TimeZone}
	if host != nil {
		// ipc.Host already turns gRPC statuses into the supervisor's words.
		opts.Host = host
	}
	res := engine.Execute(ctx, engine.Block{
		HTML:       req.Code.HTML,
		CSS:        req.Code.CSS,
		JavaScript: req.Code.JavaScript,
		Data:       req.Data,
	}, opts)

	out := ipc.Response{
		HTML:        res.HTML,
		CSS:         res.CSS,
		TimedOut:    res.TimedOut,
		OutOfMemory: res.OutOfMemory,
		Notices:     res.Notices,
		Logs:        make([]ipc.Log, len(res.Logs)),
	}
	for i, l := range res.Logs {
		out.Logs[i] = ipc.Log{Level: l.Level, Message: l.Message}
	}
	if res.Error != nil {
		out.Error = &ipc.ScriptError{Message: res.Error.Message, Stack: res.Error.Stack}
	}
	out.Duration = time.Since(start)
	return out, nil
}
