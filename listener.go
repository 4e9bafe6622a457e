package main

import (
	"errors"
	"net"
	"sync"
	"time"
)

// handoff is one listening socket served first by the start-up placeholder,
// then by the real server. Listening once and handing the socket over
// leaves no moment without a listener and no second bind that can fail
// with "address already in use" (it raced in 2 of 25 container starts when
// the placeholder closed and the server listened again). One accept loop
// feeds whichever view is current; a connection accepted between the two
// waits in the queue for the server.
type handoff struct {
	ln    net.Listener
	conns chan net.Conn
	errs  chan error
	done  chan struct{}
	once  sync.Once
}

func listenHandoff(addr string) (*handoff, error) {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, err
	}
	h := &handoff{ln: ln, conns: make(chan net.Conn), errs: make(chan error), done: make(chan struct{})}
	go h.loop()
	return h, nil
}

func (h *handoff) loop() {
	backoff := 5 * time.Millisecond
	for {
		c, err := h.ln.Accept()
		if err != nil {
			if errors.Is(err, net.ErrClosed) {
				return
			}
			// Passed on so the view's server logs and paces it (fd
			// exhaustion, say); paced here too so the loop cannot spin.
			select {
			case h.errs <- err:
			case <-h.done:
				return
			}
			time.Sleep(backoff)
			backoff = min(2*backoff, time.Second)
			continue
		}
		backoff = 5 * time.Millisecond
		select {
		case h.conns <- c:
		case <-h.done:
			_ = c.Close()
			return
		}
	}
}

// view is a listener over the shared socket. Closing a view stops its
// server only; closing a final view closes the socket.
func (h *handoff) view(final bool) net.Listener {
	return &view{h: h, final: final, closed: make(chan struct{})}
}

// close releases the socket (when no final view took it over).
func (h *handoff) close() {
	h.once.Do(func() {
		close(h.done)
		_ = h.ln.Close()
	})
}

type view struct {
	h      *handoff
	final  bool
	closed chan struct{}
	once   sync.Once
}

func (v *view) Accept() (net.Conn, error) {
	select {
	case <-v.closed:
		return nil, net.ErrClosed
	case <-v.h.done:
		return nil, net.ErrClosed
	default:
	}
	select {
	case c := <-v.h.conns:
		return c, nil
	case err := <-v.h.errs:
		return nil, err
	case <-v.closed:
		return nil, net.ErrClosed
	case <-v.h.done:
		return nil, net.ErrClosed
	}
}

func (v *view) Close() error {
	v.once.Do(func() { close(v.closed) })
	if v.final {
		v.h.close()
	}
	return nil
}

func (v *view) Addr() net.Addr { return v.h.ln.Addr() }
