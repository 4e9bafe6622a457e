package ipc

import (
	"context"
	"sync"
	"time"

	plugin "github.com/hashicorp/go-plugin"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	"github.com/symposium/symposium/ipc/sandboxpb"
)

// Handshake is shared by the supervisor and the runner. The cookie only
// stops the runner from being started by hand by mistake; it is no security
// boundary (confinement is).
var Handshake = plugin.HandshakeConfig{
	ProtocolVersion:  1,
	MagicCookieKey:   "SYMPOSIUM_SANDBOX_PLUGIN",
	MagicCookieValue: "f3d1c2a8-isolate",
}

// PluginName is the single plugin the runner serves.
const PluginName = "sandbox"

// Executor runs a content block inside the isolate. host is nil when the
// supervisor offers no Host service for this request.
type Executor interface {
	Execute(ctx context.Context, req Request, host Host) (Response, error)
}

// SessionExecutor keeps live sessions in the runner: an Executor that also
// has it serves the session calls (else they answer UNIMPLEMENTED). Errors:
// ErrNoSession, ErrNoTarget (keep the engine's words in a *TargetError),
// ErrSessionLimit; a response with Ended set means the session is released.
type SessionExecutor interface {
	OpenSession(ctx context.Context, req SessionRequest, host Host) (SessionResponse, error)
	Dispatch(ctx context.Context, sessionID string, ev Event, timeout time.Duration) (SessionResponse, error)
	Tick(ctx context.Context, sessionID string, timeout time.Duration) (SessionResponse, error)
	CloseSession(sessionID string)
}

// SandboxPlugin is the go-plugin definition of the sandbox. The runner sets
// Executor; the supervisor leaves it nil and gets a *Client from Dispense.
type SandboxPlugin struct {
	plugin.NetRPCUnsupportedPlugin
	Executor Executor
}

// Plugins returns the plugin set for either side.
func Plugins(e Executor) plugin.PluginSet {
	return plugin.PluginSet{PluginName: &SandboxPlugin{Executor: e}}
}

// GRPCServer registers the sandbox service in the runner.
func (p *SandboxPlugin) GRPCServer(broker *plugin.GRPCBroker, s *grpc.Server) error {
	sandboxpb.RegisterSandboxServer(s, &server{exec: p.Executor, broker: broker})
	return nil
}

// GRPCClient returns the supervisor's handle on one isolate.
func (p *SandboxPlugin) GRPCClient(_ context.Context, broker *plugin.GRPCBroker, cc *grpc.ClientConn) (interface{}, error) {
	return &Client{rpc: sandboxpb.NewSandboxClient(cc), broker: broker}, nil
}

// Client is the supervisor side of one isolate.
type Client struct {
	rpc    sandboxpb.SandboxClient
	broker *plugin.GRPCBroker

	mu     sync.Mutex
	hostID uint32
}

// ServeHost offers h to the isolate over the go-plugin broker. With broker
// multiplexing the isolate reaches it over its existing connection, so it
// never needs to open a socket of its own. It is served once per isolate.
func (c *Client) ServeHost(h HostServer) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.hostID != 0 || h == nil {
		return
	}
	id := c.broker.NextId()
	go c.broker.AcceptAndServe(id, func(opts []grpc.ServerOption) *grpc.Server {
		s := grpc.NewServer(opts...)
		sandboxpb.RegisterHostServer(s, h)
		return s
	})
	c.hostID = id
}

// Execute runs a block in the isolate.
func (c *Client) Execute(ctx context.Context, req Request) (Response, error) {
	p := toRequest(req)
	c.mu.Lock()
	p.HostBrokerId = c.hostID
	c.mu.Unlock()
	resp, err := c.rpc.Execute(ctx, p)
	if err != nil {
		return Response{}, err
	}
	return fromResponse(resp), nil
}

// OpenSession opens a live session in the isolate, with the isolate's Host.
func (c *Client) OpenSession(ctx context.Context, req SessionRequest) (SessionResponse, error) {
	p := toRequest(req.Request)
	c.mu.Lock()
	p.HostBrokerId = c.hostID
	c.mu.Unlock()
	resp, err := c.rpc.OpenSession(ctx, &sandboxpb.OpenSessionRequest{Execute: p, SessionId: req.SessionID, Annotate: req.Annotate})
	if err != nil {
		return SessionResponse{}, fromStatus(err)
	}
	return fromTurn(resp), nil
}

// Dispatch runs one user event in a live session.
func (c *Client) Dispatch(ctx context.Context, sessionID string, ev Event, timeout time.Duration) (SessionResponse, error) {
	resp, err := c.rpc.Dispatch(ctx, &sandboxpb.DispatchRequest{SessionId: sessionID, Event: toEvent(ev), TimeoutMs: timeout.Milliseconds()})
	if err != nil {
		return SessionResponse{}, fromStatus(err)
	}
	return fromTurn(resp), nil
}

// Tick runs a live session's timers that are due.
func (c *Client) Tick(ctx context.Context, sessionID string, timeout time.Duration) (SessionResponse, error) {
	resp, err := c.rpc.Tick(ctx, &sandboxpb.TickRequest{SessionId: sessionID, TimeoutMs: timeout.Milliseconds()})
	if err != nil {
		return SessionResponse{}, fromStatus(err)
	}
	return fromTurn(resp), nil
}

// CloseSession releases a live session in the isolate.
func (c *Client) CloseSession(ctx context.Context, sessionID string) error {
	_, err := c.rpc.CloseSession(ctx, &sandboxpb.CloseSessionRequest{SessionId: sessionID})
	return fromStatus(err)
}

var _ Sandbox = (*Client)(nil)

type server struct {
	sandboxpb.UnimplementedSandboxServer
	exec   Executor
	broker *plugin.GRPCBroker

	mu    sync.Mutex
	hosts map[uint32]*lazyHost
}

func (s *server) Execute(ctx context.Context, req *sandboxpb.ExecuteRequest) (*sandboxpb.ExecuteResponse, error) {
	var host Host
	if h := s.host(req.GetHostBrokerId()); h != nil {
		host = h
	}
	resp, err := s.exec.Execute(ctx, fromRequest(req), host)
	if err != nil {
		return nil, err
	}
	return toResponse(resp), nil
}

// sessions is the runner's SessionExecutor, or UNIMPLEMENTED.
func (s *server) sessions() (SessionExecutor, error) {
	if e, ok := s.exec.(SessionExecutor); ok {
		return e, nil
	}
	return nil, status.Error(codes.Unimplemented, "this runner keeps no live sessions")
}

func (s *server) OpenSession(ctx context.Context, req *sandboxpb.OpenSessionRequest) (*sandboxpb.SessionTurn, error) {
	e, err := s.sessions()
	if err != nil {
		return nil, err
	}
	var host Host
	if h := s.host(req.GetExecute().GetHostBrokerId()); h != nil {
		host = h
	}
	sr := SessionRequest{Request: fromRequest(req.GetExecute()), SessionID: req.GetSessionId(), Annotate: req.GetAnnotate()}
	resp, err := e.OpenSession(ctx, sr, host)
	if err != nil {
		return nil, toStatus(err)
	}
	return toTurn(resp), nil
}

func (s *server) Dispatch(ctx context.Context, req *sandboxpb.DispatchRequest) (*sandboxpb.SessionTurn, error) {
	e, err := s.sessions()
	if err != nil {
		return nil, err
	}
	resp, err := e.Dispatch(ctx, req.GetSessionId(), fromEvent(req.GetEvent()), time.Duration(req.GetTimeoutMs())*time.Millisecond)
	if err != nil {
		return nil, toStatus(err)
	}
	return toTurn(resp), nil
}

func (s *server) Tick(ctx context.Context, req *sandboxpb.TickRequest) (*sandboxpb.SessionTurn, error) {
	e, err := s.sessions()
	if err != nil {
		return nil, err
	}
	resp, err := e.Tick(ctx, req.GetSessionId(), time.Duration(req.GetTimeoutMs())*time.Millisecond)
	if err != nil {
		return nil, toStatus(err)
	}
	return toTurn(resp), nil
}

func (s *server) CloseSession(_ context.Context, req *sandboxpb.CloseSessionRequest) (*sandboxpb.CloseSessionResponse, error) {
	e, err := s.sessions()
	if err != nil {
		return nil, err
	}
	e.CloseSession(req.GetSessionId())
	return &sandboxpb.CloseSessionResponse{}, nil
}

// host returns a client for the supervisor's Host service, dialled lazily on
// first use so that blocks which never call the host pay nothing.
func (s *server) host(id uint32) *lazyHost {
	if id == 0 {
		return nil
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if h, ok := s.hosts[id]; ok {
		return h
	}
	h := &lazyHost{broker: s.broker, id: id}
	if s.hosts == nil {
		s.hosts = map[uint32]*lazyHost{}
	}
	s.hosts[id] = h
	return h
}
