package engine

import (
	"context"
	"errors"
	"fmt"

	"github.com/dop251/goja"
)

// symposiumMember builds one symposium.* function. Every call returns a
// Promise; the Host call itself runs on its own goroutine and its result is
// settled back on the loop goroutine by runLoop.
func (ex *execution) symposiumMember(name string) goja.Value {
	var fn func(c goja.FunctionCall) goja.Value
	switch name {
	case "saveData":
		fn = func(c goja.FunctionCall) goja.Value {
			key := c.Argument(0).String()
			val, err := ex.stringifyJSON(c.Argument(1))
			return ex.hostCall(name, err, func(ctx context.Context) (func() goja.Value, error) {
				return nil, ex.host.SaveData(ctx, key, []byte(val))
			})
		}
	case "getData":
		fn = func(c goja.FunctionCall) goja.Value {
			key := c.Argument(0).String()
			return ex.hostCall(name, nil, func(ctx context.Context) (func() goja.Value, error) {
				raw, found, err := ex.host.GetData(ctx, key)
				if err != nil || !found {
					return nil, err
				}
				return func() goja.Value {
					v, err := ex.parseJSON(string(raw))
					if err != nil {
						panic(err)
					}
					return v
				}, nil
			})
		}
	case "deleteData":
		fn = func(c goja.FunctionCall) goja.Value {
			key := c.Argument(0).String()
			return ex.hostCall(name, nil, func(ctx context.Context) (func() goja.Value, error) {
				return nil, ex.host.DeleteData(ctx, key)
			})
		}
	default: // fetch
		fn = func(c goja.FunctionCall) goja.Value {
			url := c.Argument(0).String()
			return ex.hostCall(name, nil, func(ctx context.Context) (func() goja.Value, error) {
				status, contentType, body, err := ex.host.Fetch(ctx, url)
				if err != nil {
					return nil, err
				}
				return func() goja.Value { return ex.response(url, status, contentType, string(body)) }, nil
			})
		}
	}
	return ex.function(name, fn)
}

// hostCall returns a promise settled by work's outcome. argErr rejects at
// once (bad arguments); work's value constructor runs on the loop goroutine
// and a nil constructor resolves with null.
func (ex *execution) hostCall(name string, argErr error, work func(context.Context) (func() goja.Value, error)) goja.Value {
	return ex.hostAsync(argErr, func(err error) goja.Value {
		return ex.newError(fmt.Sprintf("symposium.%s: %v", name, err))
	}, work)
}

// hostAsync is hostCall with the rejection reason built by reason (fetch
// rejects with a TypeError, symposium.* with an Error naming the call).
func (ex *execution) hostAsync(argErr error, reason func(error) goja.Value, work func(context.Context) (func() goja.Value, error)) goja.Value {
	p, resolve, reject := ex.rt.NewPromise()
	switch {
	case ex.host == nil:
		argErr = ErrHostUnavailable
	case argErr == nil:
		ex.inflight++
		go func() {
			mk, err := work(ex.ctx)
			settle := func() error {
				if err != nil {
					return reject(reason(err))
				}
				if mk == nil {
					return resolve(goja.Null())
				}
				v, verr := ex.tryValue(mk)
				if verr != nil {
					return reject(verr)
				}
				return resolve(v)
			}
			select {
			case ex.done <- settle:
			case <-ex.ctx.Done(): // Execute has returned or timed out
			}
		}()
		return ex.rt.ToValue(p)
	}
	if err := reject(reason(argErr)); err != nil {
		panic(err)
	}
	return ex.rt.ToValue(p)
}

// tryValue runs mk, turning a JS exception it raises into a rejection reason.
func (ex *execution) tryValue(mk func() goja.Value) (v goja.Value, reason goja.Value) {
	defer func() {
		if r := recover(); r != nil {
			var jsErr *goja.Exception
			if err, ok := r.(error); ok && errors.As(err, &jsErr) {
				reason = jsErr.Value()
				return
			}
			reason = ex.newError(fmt.Sprint(r))
		}
	}()
	return mk(), nil
}

// response is the fetch-like object symposium.fetch resolves with.
func (ex *execution) response(url string, status int, contentType, body string) goja.Value {
	rt := ex.rt
	r := rt.NewObject()
	_ = r.Set("url", url)
	_ = r.Set("status", status)
	_ = r.Set("ok", status >= 200 && status < 300)
	_ = r.Set("contentType", contentType)
	_ = r.Set("text", func(goja.FunctionCall) goja.Value {
		p, resolve, _ := rt.NewPromise()
		_ = resolve(body)
		return rt.ToValue(p)
	})
	_ = r.Set("json", func(goja.FunctionCall) goja.Value {
		p, resolve, reject := rt.NewPromise()
		if v, err := ex.parseJSON(body); err != nil {
			_ = reject(err)
		} else {
			_ = resolve(v)
		}
		return rt.ToValue(p)
	})
	return r
}

func (ex *execution) newError(msg string) goja.Value {
	if ex.errorCtor == nil {
		ex.errorCtor, _ = goja.AssertConstructor(ex.rt.Get("Error"))
	}
	e, err := ex.errorCtor(nil, ex.rt.ToValue(msg))
	if err != nil {
		panic(err)
	}
	return e
}

// parseJSON runs the runtime's own JSON.parse; errors are JS exceptions.
func (ex *execution) parseJSON(s string) (goja.Value, error) {
	if ex.jsonParse == nil {
		ex.jsonParse, _ = goja.AssertFunction(ex.rt.Get("JSON").ToObject(ex.rt).Get("parse"))
	}
	return ex.jsonParse(goja.Undefined(), ex.rt.ToValue(s))
}

// stringifyJSON runs JSON.stringify; values with no JSON form are an error.
func (ex *execution) stringifyJSON(v goja.Value) (string, error) {
	if ex.jsonStr == nil {
		ex.jsonStr, _ = goja.AssertFunction(ex.rt.Get("JSON").ToObject(ex.rt).Get("stringify"))
	}
	s, err := ex.jsonStr(goja.Undefined(), v)
	if err != nil {
		return "", err
	}
	if goja.IsUndefined(s) {
		return "", errors.New("value is not JSON-serializable")
	}
	return s.String(), nil
}
