package web

import (
	"context"
	"errors"
	"log/slog"
	"time"

	"github.com/gofiber/fiber/v2"
	"github.com/gofiber/fiber/v2/middleware/limiter"
	"github.com/gofiber/fiber/v2/middleware/recover"
	"github.com/prometheus/client_golang/prometheus"

	"github.com/symposium/symposium/supervisor/isolate"
	"github.com/symposium/symposium/supervisor/monitor"
)

// Isolates is what the API needs of the isolate manager.
type Isolates interface {
	Execute(ctx context.Context, b isolate.Block) (*isolate.Result, error)
	Update(ctx context.Context, id string, p isolate.Patch) (*isolate.Result, error)
	Terminate(ctx context.Context, id string) error
	Output(ctx context.Context, id string) (*isolate.Result, error)
	Blocks(ctx context.Context) ([]isolate.Block, error)
	Rename(ctx context.Context, id, name string) error
	Find(id string) (*isolate.Isolate, bool)
	Isolates() []*isolate.Isolate
	Config() isolate.Config
}

// Metrics is what the API needs of the monitor.
type Metrics interface {
	Latest() monitor.Sample
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
	RateLimit int // requests per minute per client on the block endpoints; 0 disables
}

// Server is the fiber application.
type Server struct {
	app      *fiber.App
	isolates Isolates
	metrics  Metrics
	health   HealthFunc
	pages    PageCache
	logger   *slog.Logger
	prom     *promMetrics
	started  time.Time
}

// Option configures a Server.
type Option func(*Server)

// WithLogger sets the logger.
func WithLogger(l *slog.Logger) Option { return func(s *Server) { s.logger = l } }

// WithPageCache caches rendered output pages.
func WithPageCache(c PageCache) Option { return func(s *Server) { s.pages = c } }

// WithHealth adds health sections.
func WithHealth(h HealthFunc) Option { return func(s *Server) { s.health = h } }

// New builds the application and its routes.
func New(cfg Config, iso Isolates, met Metrics, opts ...Option) *Server {
	if cfg.BodyLimit <= 0 {
		cfg.BodyLimit = 1 << 20
	}
	s := &Server{isolates: iso, metrics: met, logger: slog.New(slog.DiscardHandler), started: time.Now()}
	for _, o := range opts {
		o(s)
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
	s.prom = newPromMetrics(iso)

	blocks := []fiber.Handler{}
	if cfg.RateLimit > 0 {
		blocks = append(blocks, limiter.New(limiter.Config{
			Max:        cfg.RateLimit,
			Expiration: time.Minute,
			LimitReached: func(c *fiber.Ctx) error {
				c.Set(fiber.HeaderRetryAfter, "60")
				return apiError(c, fiber.StatusTooManyRequests, "rate_limited",
					"too many requests from this client; wait a minute and try again")
			},
		}))
	}
	api := s.app.Group("/api")
	api.Post("/execute-content-block", append(blocks, s.executeBlock)...)
	api.Post("/update-content-block", append(blocks, s.updateBlock)...)
	api.Delete("/content-block/:id", append(blocks, s.deleteBlock)...)
	api.Patch("/content-block/:id", append(blocks, s.renameBlock)...)
	api.Get("/content-blocks", s.listBlocks)
	api.Get("/content-block-output/:id", s.blockOutput)
	api.Get("/metrics", s.apiMetrics)
	api.Get("/isolate-stats", s.isolateStats)
	api.Get("/health", s.healthz)
	s.app.Get("/metrics", s.prometheus)
	return s
}

// App exposes the fiber app, for mounting the UI and the WebSocket.
func (s *Server) App() *fiber.App { return s.app }

// Registry is the Prometheus registry, for other collectors.
func (s *Server) Registry() *prometheus.Registry { return s.prom.reg }

// Listen serves on addr until Shutdown.
func (s *Server) Listen(addr string) error { return s.app.Listen(addr) }

// Shutdown stops accepting and waits for in-flight requests.
func (s *Server) Shutdown(ctx context.Context) error { return s.app.ShutdownWithContext(ctx) }

// errorHandler answers every error as JSON without internals.
func (s *Server) errorHandler(c *fiber.Ctx, err error) error {
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
