package web

import (
	"context"
	"errors"
	"log/slog"
	"net"
	"strconv"
	"time"

	"github.com/gofiber/fiber/v2"
	"github.com/gofiber/fiber/v2/middleware/recover"
	"github.com/prometheus/client_golang/prometheus"

	"github.com/symposium/symposium/supervisor/blocksvc"
	"github.com/symposium/symposium/supervisor/isolate"
	"github.com/symposium/symposium/supervisor/monitor"
	"github.com/symposium/symposium/web/auth"
	"github.com/symposium/symposium/web/netguard"
)

// Blocks is what the API needs of the block service; the live WebSocket
// needs the same, so both transports share one behaviour.
type Blocks interface {
	Execute(ctx context.Context, b blocksvc.Block) (*isolate.Result, error)
	Update(ctx context.Context, id string, p blocksvc.Patch) (*isolate.Result, error)
	Delete(ctx context.Context, id string) error
	Output(ctx context.Context, id string) (*isolate.Result, error)
	List(ctx context.Context) ([]blocksvc.Block, error)
	Rename(ctx context.Context, id, name string) error
	Save(ctx context.Context, b blocksvc.Block) error // a draft: stored, not run
}

// Metrics is what the API needs of the monitor: its one sample, which
// carries the runtime's, feeds /api/metrics, /metrics, isolate stats and
// the runtime's health alike.
type Metrics interface {
	Latest() monitor.Sample
	Sample() monitor.Sample // one taken now
	Alerts() []monitor.Alert
}

// PageCache keeps rendered output pages (the storage layer's cache: an
// in-process LRU, or Redis shared by every instance). Any error is a miss.
type PageCache interface {
	Get(ctx context.Context, key string) ([]byte, error)
	Set(ctx context.Context, key string, value []byte, ttl time.Duration) error
}

// HealthFunc adds sections to /api/health (environment, enforcement,
// storage). A section may set "degraded": true to mark the service degraded.
type HealthFunc func(ctx context.Context) map[string]any

// Config of the HTTP layer.
type Config struct {
	BodyLimit int // bytes; default 1 MiB
	RateLimit int // requests per minute per tenant and client address, every entry point; 0 disables
}

// Server is the fiber application.
type Server struct {
	app     *fiber.App
	blocks  Blocks
	metrics Metrics
	health  HealthFunc
	pages   PageCache
	logger  *slog.Logger
	prom    *promMetrics
	started time.Time
	auth    *auth.Authenticator
	proxies auth.Proxies
	limiter *auth.Limiter

	sessionMgr SessionManager
	sessionSrc BlockSource
	sessions   *Sessions
	embedKey   []byte
}

// Option configures a Server.
type Option func(*Server)

// WithLogger sets the logger.
func WithLogger(l *slog.Logger) Option { return func(s *Server) { s.logger = l } }

// WithPageCache caches rendered output pages.
func WithPageCache(c PageCache) Option { return func(s *Server) { s.pages = c } }

// WithAuth sets who may do what (default: AUTH_MODE=local, one built-in
// tenant, no sign-in).
func WithAuth(a *auth.Authenticator) Option { return func(s *Server) { s.auth = a } }

// WithProxies names the proxies whose X-Forwarded-For is believed.
func WithProxies(p auth.Proxies) Option { return func(s *Server) { s.proxies = p } }

// WithLimiter shares a rate limiter with the live hub (default: one of
// Config.RateLimit a minute, for this server alone).
func WithLimiter(l *auth.Limiter) Option { return func(s *Server) { s.limiter = l } }

// WithSessions serves the live sessions of interactive blocks from m; a
// session opened without code loads its block from src (nil: the block
// service's listing).
func WithSessions(m SessionManager, src BlockSource) Option {
	return func(s *Server) { s.sessionMgr, s.sessionSrc = m, src }
}

// WithHealth adds health sections.
func WithHealth(h HealthFunc) Option { return func(s *Server) { s.health = h } }

// New builds the application and its routes.
func New(cfg Config, svc Blocks, met Metrics, opts ...Option) *Server {
	if cfg.BodyLimit <= 0 {
		cfg.BodyLimit = 1 << 20
	}
	s := &Server{blocks: scoped{svc}, metrics: met, logger: slog.New(slog.DiscardHandler), started: time.Now(),
		limiter: auth.NewLimiter(cfg.RateLimit)}
	for _, o := range opts {
		o(s)
	}
	if s.auth == nil {
		s.auth, _ = auth.New(context.Background(), auth.ModeLocal, nil, nil) // local mode needs no store
	}
	if len(s.embedKey) < 32 {
		s.embedKey = randomSecret()
	}
	if s.sessionMgr != nil {
		s.sessions = NewSessions(s.sessionMgr, s.sessionSrc, svc)
	}
	s.app = fiber.New(fiber.Config{
		BodyLimit:             cfg.BodyLimit,
		DisableStartupMessage: true,
		ErrorHandler:          s.errorHandler,
		ReadTimeout:           30 * time.Second,
		WriteTimeout:          30 * time.Second,
		IdleTimeout:           2 * time.Minute,
	})
	s.app.Use(recover.New())
	s.prom = newPromMetrics(met)
	if s.sessions != nil {
		s.prom.reg.MustRegister(sessionCollector{s.sessions.Manager})
	}

	// Everything but the health probe needs a principal; /ws is checked here
	// too, before the hub's upgrade, so a socket belongs to a tenant.
	s.app.Use(s.guard)
	limited := s.limit
	api := s.app.Group("/api")
	api.Post("/session", limited, s.signIn)
	api.Delete("/session", s.signOut)
	api.Get("/session", s.whoami)
	api.Post("/execute-content-block", limited, s.executeBlock)
	api.Post("/update-content-block", limited, s.updateBlock)
	api.Delete("/content-block/:id", limited, s.deleteBlock)
	api.Patch("/content-block/:id", limited, s.renameBlock)
	api.Put("/content-block/:id", limited, s.saveDraft)
	api.Get("/content-blocks", s.listBlocks)
	if s.sessions != nil {
		api.Post("/content-block/:id/sessions", limited, s.openSession)
		api.Post("/content-block/:id/sessions/:sid/events", limited, s.sessionEvent)
		api.Get("/content-block/:id/sessions/:sid", s.getSession)
		api.Delete("/content-block/:id/sessions/:sid", s.closeSession)
	}
	api.Post("/content-block/:id/embed", limited, s.createEmbed)
	api.Get("/content-block-output/:id", s.blockOutput)
	api.Get("/content-block-result/:id", s.blockResult)
	api.Get("/metrics", s.apiMetrics)
	api.Get("/isolate-stats", s.isolateStats)
	api.Get("/health", s.healthz)
	s.app.Get("/metrics", s.adminOnly, s.prometheus)
	return s
}

// Sessions is the live sessions as both transports reach them (nil when
// the server has none), for the live hub.
func (s *Server) Sessions() *Sessions { return s.sessions }

// Limiter is the one rate limiter, for the live hub's messages.
func (s *Server) Limiter() *auth.Limiter { return s.limiter }

// Auth is the authenticator, for the live hub's per-message re-checks.
func (s *Server) Auth() *auth.Authenticator { return s.auth }

// App exposes the fiber app, for mounting the UI and the WebSocket.
func (s *Server) App() *fiber.App { return s.app }

// Registry is the Prometheus registry, for other collectors.
func (s *Server) Registry() *prometheus.Registry { return s.prom.reg }

// Listen serves on addr until Shutdown; see Serve.
func (s *Server) Listen(addr string) error {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return err
	}
	return s.Serve(ln)
}

// Serve serves on ln (one handed over by the start-up placeholder, say)
// until Shutdown, behind a guarded listener: Accept errors are retried with
// a backoff and connections are capped.
func (s *Server) Serve(ln net.Listener) error {
	return s.app.Listener(netguard.New(ln, netguard.Config{Logger: s.logger}))
}

// Shutdown stops accepting and waits for in-flight requests.
func (s *Server) Shutdown(ctx context.Context) error { return s.app.ShutdownWithContext(ctx) }

// errorHandler answers every error as JSON without internals: the service's
// through the one mapping both transports use, fiber's by status.
func (s *Server) errorHandler(c *fiber.Ctx, err error) error {
	if p, ok := ProblemFor(err); ok {
		if p.Status >= 500 && p.Code != "no_capacity" && p.Code != "shutting_down" {
			s.logger.Error("request failed", "path", c.Path(), "err", err)
		}
		if p.RetryAfter > 0 {
			c.Set(fiber.HeaderRetryAfter, strconv.Itoa(p.RetryAfter))
		}
		return apiError(c, p.Status, p.Code, p.Message)
	}
	var fe *fiber.Error
	if errors.As(err, &fe) {
		code := "error"
		msg := fe.Message
		switch fe.Code {
		case fiber.StatusRequestEntityTooLarge:
			code, msg = "too_large", "request body is larger than the configured limit"
		case fiber.StatusNotFound:
			code, msg = "not_found", "no such endpoint"
		case fiber.StatusMethodNotAllowed:
			code = "method_not_allowed"
		case fiber.StatusBadRequest:
			code = "invalid_request"
		}
		if fe.Code >= 500 {
			s.logger.Error("request failed", "path", c.Path(), "err", err)
			msg = "internal error"
		}
		return apiError(c, fe.Code, code, msg)
	}
	s.logger.Error("request failed", "path", c.Path(), "err", err)
	return apiError(c, fiber.StatusInternalServerError, "internal", "internal error; see the server log")
}

func apiError(c *fiber.Ctx, status int, code, msg string) error {
	return c.Status(status).JSON(fiber.Map{"success": false, "error": fiber.Map{"code": code, "message": msg}})
}
