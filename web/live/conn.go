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

	"github.com/symposium/symposium/supervisor/blocksvc"
	"github.com/symposium/symposium/supervisor/isolate"
	"github.com/symposium/symposium/web"
	"github.com/symposium/symposium/web/auth"
)

// Blocks is what the hub needs of the block service: the same service the
// REST API calls, so a block behaves alike on both transports.
type Blocks interface {
	Execute(ctx context.Context, b blocksvc.Block) (*isolate.Result, error)
	Update(ctx context.Context, id string, p blocksvc.Patch) (*isolate.Result, error)
	Delete(ctx context.Context, id string) error
	Rename(ctx context.Context, id, name string) error
}

// Mount serves the WebSocket at /ws, running commands on iso (the block
// service itself: the hub maps ids per tenant as the REST API does).
func (h *Hub) Mount(app *fiber.App, iso Blocks) {
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
	// Refuse before upgrading where we can; serve re-checks under the lock.
	p, ip := h.who(func(k string) any { return c.Locals(k) })
	h.mu.Lock()
	over := h.over(p, ip)
	h.mu.Unlock()
	if over {
		c.Set(fiber.HeaderRetryAfter, "5")
		return fiber.NewError(fiber.StatusTooManyRequests, "too many live connections from this tenant or address; close a tab and try again")
	}
	return c.Next()
}

// who is the principal and client address the server's guard left on the
// upgrade request; with no guard (a bare app) the local tenant and the peer.
func (h *Hub) who(locals func(string) any) (auth.Principal, string) {
	p, ok := locals(web.LocalPrincipal).(auth.Principal)
	if !ok {
		p = auth.Principal{Tenant: auth.LocalTenant, Admin: true}
	}
	ip, _ := locals(web.LocalClientIP).(string)
	return p, ip
}

// over reports whether one more socket of p from ip passes a cap; h.mu held.
func (h *Hub) over(p auth.Principal, ip string) bool {
	// An embed's viewers are anyone's: they count per address only, or a
	// popular embed would lock its tenant out of the UI.
	embed := p.KeyID == embedKeyID
	return (!embed && h.perTenant > 0 && h.byTenant[p.Tenant] >= h.perTenant) || (h.perAddr > 0 && ip != "" && h.byAddr[ip] >= h.perAddr)
}

// client is one connected tab.
type client struct {
	conn      *fastws.Conn // not the contrib wrapper: that is pooled and reused after serve returns
	remote    string
	principal auth.Principal
	ip        string // behind trusted proxies, as the guard saw it
	authz     string // credentials of the upgrade, re-checked on every command
	cookie    string
	send      chan []byte
	topics    atomic.Uint32
	done      chan struct{}
	once      sync.Once
	code      int // close code and reason, written before done is closed
	reason    string
	embed     string // an embed's socket: the one block (public id) it may use
	sess      socketSessions
}

func (c *client) wants(t topic) bool { return topic(c.topics.Load())&t != 0 }

// kill asks serve to end the connection and returns at once: the hub must
// never wait on a tab's socket.
// kill ends the client once; it reports whether this call was the one.
func (c *client) kill(code int, reason string) (first bool) {
	c.once.Do(func() {
		c.code, c.reason = code, reason
		close(c.done)
		first = true
	})
	return first
}

func (h *Hub) serve(conn *websocket.Conn, iso Blocks) {
	c := &client{conn: conn.Conn, remote: conn.IP(), send: make(chan []byte, h.queue), done: make(chan struct{})}
	c.principal, c.ip = h.who(func(k string) any { return conn.Locals(k) })
	c.authz, _ = conn.Locals(web.LocalAuthz).(string)
	c.cookie, _ = conn.Locals(web.LocalCookie).(string)
	c.embed, _ = conn.Locals(web.LocalEmbed).(string)
	c.sess.m = map[string]*socketSession{}
	if c.ip == "" {
		c.ip = c.remote
	}
	if c.embed == "" {
		c.topics.Store(uint32(allTopics))
	}
	ctx, cancel := context.WithCancel(web.WithPrincipal(h.ctx, c.principal))
	defer cancel()

	h.mu.Lock()
	if h.over(c.principal, c.ip) {
		h.mu.Unlock()
		_ = c.conn.WriteControl(websocket.CloseMessage, websocket.FormatCloseMessage(websocket.ClosePolicyViolation,
			"too many live connections from this tenant or address"), time.Now().Add(time.Second))
		return
	}
	h.clients[c] = struct{}{}
	h.byTenant[c.principal.Tenant]++
	h.byAddr[c.ip]++
	h.mu.Unlock()
	h.reply(c, helloMsg{Type: "hello", Instance: h.instance, MaxMessage: h.maxMessage, Topics: topicList(topic(c.topics.Load()))})

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
	if h.sessions != nil {
		h.closeSessions(c) // a socket's sessions end with it
	}

	h.mu.Lock()
	delete(h.clients, c)
	if h.byTenant[c.principal.Tenant]--; h.byTenant[c.principal.Tenant] <= 0 {
		delete(h.byTenant, c.principal.Tenant)
	}
	if h.byAddr[c.ip]--; h.byAddr[c.ip] <= 0 {
		delete(h.byAddr, c.ip)
	}
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

func (h *Hub) readLoop(ctx context.Context, c *client, iso Blocks) {
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
func (h *Hub) handle(ctx context.Context, c *client, iso Blocks, b []byte) {
	r, err := parseRequest(b)
	if err != nil {
		h.reply(c, errorMsg{Type: "error", Ref: r.Ref, Code: "invalid_message", Message: errText(err)})
		return
	}
	if c.embed != "" && !embedAllows(c.embed, r) {
		h.reply(c, errorMsg{Type: "error", Ref: r.Ref, Code: "forbidden",
			Message: "an embed's socket runs live sessions of its one block only (session.open, session.event, session.close)"})
		return
	}
	if h.identify != nil && c.embed == "" {
		// A revoked key ends the socket at its next command, as REST's
		// (an embed's token is its credential, checked at the upgrade).
		p, err := h.identify(ctx, c.authz, c.cookie)
		if err != nil || p.Tenant != c.principal.Tenant {
			if !errors.Is(err, auth.ErrUnauthenticated) && err != nil {
				h.logger.Warn("live: key store", "err", err)
			}
			h.reply(c, errorMsg{Type: "error", Ref: r.Ref, Code: "unauthenticated", Message: auth.ErrUnauthenticated.Error()})
			c.kill(websocket.ClosePolicyViolation, "signed out")
			return
		}
	}
	if r.Type != "subscribe" {
		if err := h.limiter.Take(auth.Key(c.principal, c.ip)); err != nil {
			h.fail(c, r.Ref, err)
			return
		}
	}
	if isSession(r.Type) {
		h.handleSession(ctx, c, r)
		return
	}
	public := r.BlockID
	r.BlockID = web.InternalID(c.principal.Tenant, r.BlockID)
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
			res, err = iso.Execute(ctx, blocksvc.Block{ID: r.BlockID, Name: deref(r.Name),
				Code: isolate.Code{HTML: deref(r.Code.HTML), CSS: deref(r.Code.CSS), JavaScript: deref(r.Code.JavaScript)},
				Data: r.Data})
		} else {
			p := blocksvc.Patch{Data: r.Data}
			if r.Code != nil {
				p.HTML, p.CSS, p.JavaScript = r.Code.HTML, r.Code.CSS, r.Code.JavaScript
			}
			res, err = iso.Update(ctx, r.BlockID, p)
		}
		if err != nil {
			h.fail(c, r.Ref, err)
			return
		}
		res = web.PublicResult(res)
		h.reply(c, newResult(r.Ref, res))
		h.share(c, newResult("", res))
	case "delete":
		if err := iso.Delete(ctx, r.BlockID); err != nil {
			h.fail(c, r.Ref, err)
			return
		}
		h.reply(c, blockMsg{Type: "deleted", Ref: r.Ref, BlockID: public})
		h.share(c, blockMsg{Type: "deleted", BlockID: public})
	case "rename":
		if err := iso.Rename(ctx, r.BlockID, *r.Name); err != nil {
			h.fail(c, r.Ref, err)
			return
		}
		h.reply(c, blockMsg{Type: "renamed", Ref: r.Ref, BlockID: public, Name: *r.Name})
		h.share(c, blockMsg{Type: "renamed", BlockID: public, Name: *r.Name})
	}
}

// fail answers a service error in words, never with internals, through
// the one mapping the REST API uses too.
func (h *Hub) fail(c *client, ref string, err error) {
	if errors.Is(err, context.Canceled) {
		return // the tab went away
	}
	p, ok := web.ProblemFor(err)
	if !ok {
		h.logger.Error("live: command failed", "err", err)
		p = web.Internal
	} else if p.Status >= 500 && p.Code != "no_capacity" && p.Code != "shutting_down" && p.Code != "session_limit" {
		h.logger.Error("live: command failed", "err", err)
	}
	h.reply(c, errorMsg{Type: "error", Ref: ref, Code: p.Code, Message: p.Message, RetryAfter: p.RetryAfter})
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
