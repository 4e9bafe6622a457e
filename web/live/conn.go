package live

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/url"
	"sort"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	fastws "github.com/fasthttp/websocket"
	"github.com/gofiber/contrib/websocket"
	"github.com/gofiber/fiber/v2"

	"github.com/symposium/symposium/supervisor/isolate"
)

// Isolates is what the hub needs of the isolate manager.
type Isolates interface {
	Execute(ctx context.Context, b isolate.Block) (*isolate.Result, error)
	Update(ctx context.Context, id string, p isolate.Patch) (*isolate.Result, error)
	Terminate(ctx context.Context, id string) error
	Rename(ctx context.Context, id, name string) error
}

// Mount serves the WebSocket at /ws, running commands on iso.
func (h *Hub) Mount(app *fiber.App, iso Isolates) {
	app.Get("/ws", h.checkUpgrade, websocket.New(func(c *websocket.Conn) { h.serve(c, iso) }))
}

// checkUpgrade refuses plain requests and pages of other origins: a foreign
// site must not drive a visitor's browser into running blocks here.
func (h *Hub) checkUpgrade(c *fiber.Ctx) error {
	if !websocket.IsWebSocketUpgrade(c) {
		return fiber.NewError(fiber.StatusUpgradeRequired, "this endpoint speaks WebSocket only")
	}
	if o := c.Get(fiber.HeaderOrigin); o != "" {
		u, err := url.Parse(o)
		if err != nil || u.Host != c.Hostname() {
			return fiber.NewError(fiber.StatusForbidden, "cross-origin WebSocket refused")
		}
	}
	return c.Next()
}

// client is one connected tab.
type client struct {
	conn   *fastws.Conn // not the contrib wrapper: that is pooled and reused after serve returns
	remote string
	send   chan []byte
	topics atomic.Uint32
	done   chan struct{}
	once   sync.Once
	code   int // close code and reason, written before done is closed
	reason string
}

func (c *client) wants(t topic) bool { return topic(c.topics.Load())&t != 0 }

// kill asks serve to end the connection and returns at once: the hub must
// never wait on a tab's socket.
func (c *client) kill(code int, reason string) {
	c.once.Do(func() {
		c.code, c.reason = code, reason
		close(c.done)
	})
}

func (h *Hub) serve(conn *websocket.Conn, iso Isolates) {
	c := &client{conn: conn.Conn, remote: conn.IP(), send: make(chan []byte, h.queue), done: make(chan struct{})}
	c.topics.Store(uint32(allTopics))
	ctx, cancel := context.WithCancel(h.ctx)
	defer cancel()

	h.mu.Lock()
	h.clients[c] = struct{}{}
	h.mu.Unlock()
	h.reply(c, helloMsg{Type: "hello", Instance: h.instance, MaxMessage: h.maxMessage, Topics: topicList(allTopics)})

	var wg sync.WaitGroup
	wg.Add(2)
	go func() { defer wg.Done(); h.writeLoop(c) }()
	go func() {
		// Closing the socket also frees a writer stuck on a full one.
		defer wg.Done()
		<-c.done
		_ = c.conn.WriteControl(websocket.CloseMessage,
			websocket.FormatCloseMessage(c.code, c.reason), time.Now().Add(time.Second))
		_ = c.conn.NetConn().Close()
	}()
	h.readLoop(ctx, c, iso)

	h.mu.Lock()
	delete(h.clients, c)
	h.mu.Unlock()
	c.kill(websocket.CloseNormalClosure, "")
	// fasthttp and the contrib package reuse the connection objects once we
	// return: nothing may touch them after.
	wg.Wait()
}

func (h *Hub) writeLoop(c *client) {
	ping := time.NewTicker(h.pingEvery)
	defer ping.Stop()
	for {
		var err error
		select {
		case <-c.done:
			return
		case b := <-c.send:
			_ = c.conn.SetWriteDeadline(time.Now().Add(h.writeWait))
			err = c.conn.WriteMessage(websocket.TextMessage, b)
		case <-ping.C:
			err = c.conn.WriteControl(websocket.PingMessage, nil, time.Now().Add(h.writeWait))
		}
		if err != nil {
			c.kill(websocket.CloseGoingAway, "")
			return
		}
	}
}

func (h *Hub) readLoop(ctx context.Context, c *client, iso Isolates) {
	idle := 2*h.pingEvery + h.writeWait
	_ = c.conn.SetReadDeadline(time.Now().Add(idle))
	c.conn.SetPongHandler(func(string) error { return c.conn.SetReadDeadline(time.Now().Add(idle)) })
	for {
		typ, r, err := c.conn.NextReader()
		if err != nil {
			return
		}
		_ = c.conn.SetReadDeadline(time.Now().Add(idle))
		// Read at most the cap and discard the rest: an oversized message is
		// answered, not fatal, and never buffered whole.
		b, err := io.ReadAll(io.LimitReader(r, int64(h.maxMessage)+1))
		if err != nil {
			return
		}
		switch {
		case len(b) > h.maxMessage:
			if _, err := io.Copy(io.Discard, r); err != nil {
				return
			}
			h.reply(c, errorMsg{Type: "error", Code: "too_large", Message: "message is larger than the limit of " + strconv.Itoa(h.maxMessage) + " bytes"})
		case typ != websocket.TextMessage:
			h.reply(c, errorMsg{Type: "error", Code: "invalid_message", Message: "send JSON text messages, not binary"})
		default:
			h.handle(ctx, c, iso, b)
		}
	}
}

// reply queues a message for one client.
func (h *Hub) reply(c *client, msg any) {
	b, err := json.Marshal(msg)
	if err != nil {
		h.logger.Error("live: encode", "err", err)
		return
	}
	h.mu.Lock()
	defer h.mu.Unlock()
	h.enqueue(c, b)
}

// handle runs one command. Commands of one tab run in order; the UI sends
// its next edit only when the previous result arrived.
func (h *Hub) handle(ctx context.Context, c *client, iso Isolates, b []byte) {
	r, err := parseRequest(b)
	if err != nil {
		h.reply(c, errorMsg{Type: "error", Ref: r.Ref, Code: "invalid_message", Message: errText(err)})
		return
	}
	switch r.Type {
	case "subscribe":
		var t topic
		for _, name := range r.Topics {
			t |= topicNames[name]
		}
		c.topics.Store(uint32(t))
		h.reply(c, subscribedMsg{Type: "subscribed", Ref: r.Ref, Topics: topicList(t)})
	case "execute", "update":
		var res *isolate.Result
		if r.Type == "execute" {
			res, err = iso.Execute(ctx, isolate.Block{ID: r.BlockID, Name: deref(r.Name),
				Code: isolate.Code{HTML: deref(r.Code.HTML), CSS: deref(r.Code.CSS), JavaScript: deref(r.Code.JavaScript)},
				Data: r.Data})
		} else {
			p := isolate.Patch{Data: r.Data}
			if r.Code != nil {
				p.HTML, p.CSS, p.JavaScript = r.Code.HTML, r.Code.CSS, r.Code.JavaScript
			}
			res, err = iso.Update(ctx, r.BlockID, p)
		}
		if err != nil {
			h.fail(c, r.Ref, err)
			return
		}
		h.reply(c, newResult(r.Ref, res))
		h.share(c, newResult("", res))
	case "delete":
		if err := iso.Terminate(ctx, r.BlockID); err != nil {
			h.fail(c, r.Ref, err)
			return
		}
		h.reply(c, blockMsg{Type: "deleted", Ref: r.Ref, BlockID: r.BlockID})
		h.share(c, blockMsg{Type: "deleted", BlockID: r.BlockID})
	case "rename":
		if err := iso.Rename(ctx, r.BlockID, *r.Name); err != nil {
			h.fail(c, r.Ref, err)
			return
		}
		h.reply(c, blockMsg{Type: "renamed", Ref: r.Ref, BlockID: r.BlockID, Name: *r.Name})
		h.share(c, blockMsg{Type: "renamed", BlockID: r.BlockID, Name: *r.Name})
	}
}

// fail answers a manager error in words, never with internals.
func (h *Hub) fail(c *client, ref string, err error) {
	m := errorMsg{Type: "error", Ref: ref}
	switch {
	case errors.Is(err, isolate.ErrUnknownBlock):
		m.Code, m.Message = "not_found", "no content block with that id"
	case errors.Is(err, isolate.ErrCapacity):
		m.Code, m.Message = "no_capacity", "every isolate is in use; try again in a few seconds"
	case errors.Is(err, isolate.ErrClosed):
		m.Code, m.Message = "shutting_down", "the server is shutting down"
	case errors.Is(err, context.Canceled):
		return // the tab went away
	default:
		h.logger.Error("live: command failed", "err", err)
		m.Code, m.Message = "internal", "internal error; see the server log"
	}
	h.reply(c, m)
}

func errText(err error) string {
	return strings.TrimPrefix(err.Error(), errInvalid.Error()+": ")
}

func topicList(t topic) []string {
	out := []string{}
	for name, bit := range topicNames {
		if t&bit != 0 {
			out = append(out, name)
		}
	}
	sort.Strings(out)
	return out
}
