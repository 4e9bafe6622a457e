package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"os"
	"os/signal"
	"strconv"
	"sync"
	"syscall"
	"time"

	"github.com/gofiber/fiber/v2"
	"github.com/redis/go-redis/v9"

	"github.com/symposium/symposium/provisioning"
	"github.com/symposium/symposium/storage/backends"
	"github.com/symposium/symposium/storage/blockdata"
	"github.com/symposium/symposium/storage/blocks"
	"github.com/symposium/symposium/supervisor/cgroup"
	"github.com/symposium/symposium/supervisor/config"
	"github.com/symposium/symposium/supervisor/egress"
	"github.com/symposium/symposium/supervisor/hostcap"
	"github.com/symposium/symposium/supervisor/isolate"
	"github.com/symposium/symposium/supervisor/monitor"
	"github.com/symposium/symposium/web"
	"github.com/symposium/symposium/web/live"
	"github.com/symposium/symposium/web/ui"
)

func main() {
	os.Exit(run(os.Args[1:]))
}

func run(args []string) int {
	env, err := config.LoadDotEnv(".env", os.Getenv)
	if err != nil {
		fmt.Fprintln(os.Stderr, "symposium:", err)
		return 2
	}
	cfg, err := config.Load(env)
	if err != nil {
		fmt.Fprintln(os.Stderr, "symposium:", err)
		return 2
	}
	logger := newLogger(cfg.LogLevel)
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGINT, syscall.SIGTERM)
	defer stop()

	cmd := ""
	if len(args) > 0 {
		cmd = args[0]
	}
	switch cmd {
	case "", "serve":
		return serve(ctx, cfg, env, logger)
	case "selftest":
		return selftest(ctx, cfg, logger)
	case "provision":
		return provisioning.RunCLI(ctx, args[1:], env, os.Stdout, os.Stderr, logger)
	case "-h", "--help", "help":
		fmt.Println("usage: symposium [serve | selftest | provision plan|apply]")
		return 0
	default:
		fmt.Fprintf(os.Stderr, "symposium: unknown command %q (want serve, selftest or provision)\n", cmd)
		return 2
	}
}

func newLogger(level string) *slog.Logger {
	var l slog.Level
	_ = l.UnmarshalText([]byte(level))
	return slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: l}))
}

// start brings up the cgroup and isolate managers.
func start(cfg config.Config, logger *slog.Logger, opts ...isolate.Option) (*cgroup.Manager, *isolate.Manager, error) {
	cg, err := cgroup.New(cgroup.WithLogger(logger), cgroup.WithName(cfg.CgroupName))
	if err != nil {
		return nil, nil, fmt.Errorf("cgroups: %w", err)
	}
	det := cg.Detection()
	if det.Mode == cgroup.ModeNone {
		logger.Error("NO KERNEL RESOURCE LIMITS: no writable cgroup hierarchy; isolates run with rlimits and the wall-clock kill only",
			"reason", det.Reason)
	} else {
		logger.Info("cgroups", "mode", det.Mode, "layout", det.Layout)
	}
	mgr, err := isolate.NewManager(isolate.Config{
		RunnerPath:  cfg.RunnerPath,
		RunDir:      cfg.RunDir,
		MaxIsolates: cfg.MaxIsolates,
		PoolSize:    cfg.PoolSize,
		NoPool:      cfg.PoolSize == 0,
		IdleTimeout: cfg.IdleTimeout,
		ExecTimeout: cfg.ExecTimeout,
		Limits:      cgroup.Limits{MemoryBytes: cfg.IsolateMemory, CPU: cfg.IsolateCPU, Pids: cfg.IsolatePids},
	}, cg, append([]isolate.Option{isolate.WithLogger(logger)}, opts...)...)
	if err != nil {
		_ = cg.Close()
		return nil, nil, err
	}
	return cg, mgr, nil
}

type selftestReport struct {
	AllDenied   bool `json:"allDenied"`
	SeccompMode int  `json:"seccompMode"`
	NoNewPrivs  bool `json:"noNewPrivs"`
	UID         int  `json:"uid"`
}

func selftest(ctx context.Context, cfg config.Config, logger *slog.Logger) int {
	cg, mgr, err := start(cfg, logger)
	if err != nil {
		fmt.Fprintln(os.Stderr, "symposium:", err)
		return 1
	}
	defer cg.Close()
	defer mgr.Close()
	out, err := mgr.Selftest(ctx)
	os.Stdout.Write(out)
	if err != nil {
		fmt.Fprintln(os.Stderr, "symposium:", err)
		return 1
	}
	return 0
}

func serve(ctx context.Context, cfg config.Config, env config.Getenv, logger *slog.Logger) int {
	began := time.Now()
	addr := net.JoinHostPort(cfg.Host, strconv.Itoa(cfg.Port))

	// Where are we, and which cloud resources (if any) back the storage?
	// Creating Cloud SQL and Memorystore takes minutes, longer than Cloud
	// Run waits for a port: meanwhile a placeholder answers 503.
	stopPlaceholder, err := placeholder(addr)
	if err != nil {
		logger.Error("cannot listen", "addr", addr, "err", err)
		return 1
	}
	defer stopPlaceholder()
	platformEnv, outs, err := provisioning.Resolve(ctx, env, logger)
	if err != nil {
		logger.Error("cannot resolve the environment or provision resources", "err", err)
		return 1
	}
	logger.Info("environment", "name", platformEnv.Name, "source", platformEnv.Source, "service", platformEnv.Service, "region", platformEnv.Region)
	storeEnv := func(k string) string {
		if v := env(k); v != "" {
			return v // explicit settings win over provisioned ones
		}
		switch k {
		case "DATABASE_URL":
			return outs.DatabaseURL
		case "REDIS_URL":
			return outs.RedisURL
		case "GCS_BUCKET":
			return outs.GCSBucket
		}
		return ""
	}
	scfg, err := backends.ConfigFromEnv(storeEnv)
	if err != nil {
		logger.Error("storage configuration", "err", err)
		return 2
	}
	stores, err := backends.Open(ctx, scfg, logger)
	if err != nil {
		logger.Error("cannot open storage", "err", err)
		return 1
	}
	defer stores.Close()
	allow, err := egress.ParseAllowlist(env("FETCH_ALLOWLIST"))
	if err != nil {
		logger.Error("fetch allowlist", "err", err)
		return 2
	}
	data := blockdata.New(stores.KV)
	hosts := hostcap.New(blockData{data}, fetcher{egress.New(allow)}, hostErrors, logger)

	// The live hub exists before the manager: the pool's first isolates
	// already emit events. With Redis, block updates reach every instance.
	liveOpts := []live.Option{live.WithLogger(logger)}
	if u := storeEnv("REDIS_URL"); u != "" {
		ro, err := redis.ParseURL(u)
		if err != nil {
			logger.Error("REDIS_URL is not a redis:// URL", "err", errors.New("unparseable"))
			return 2
		}
		rdb := redis.NewClient(ro)
		defer rdb.Close()
		liveOpts = append(liveOpts, live.WithRedis(rdb))
	}
	hub := live.New(liveOpts...)
	defer hub.Close()

	cg, mgr, err := start(cfg, logger,
		isolate.WithBlockStore(blockStore{blocks.New(stores.KV, stores.Blob, data)}),
		isolate.WithHost(hosts.For),
		isolate.WithEvents(hub.Event))
	if err != nil {
		logger.Error("cannot start", "err", err)
		return 1
	}
	defer cg.Close()
	defer mgr.Close()

	// Prove the confinement once at start, exactly as a served runner gets it.
	var st selftestReport
	out, stErr := mgr.Selftest(ctx)
	if err := json.Unmarshal(out, &st); err != nil || stErr != nil || !st.AllDenied {
		logger.Error("CONFINEMENT SELFTEST FAILED: isolates may not be confined", "err", errors.Join(stErr, err))
	}

	mon := monitor.New(mgr, monitor.Thresholds{
		IsolateMemoryPercent: cfg.AlertIsolateMemPercent,
		TotalMemoryBytes:     uint64(cfg.AlertTotalMemoryMB * (1 << 20)),
		CPUPercent:           cfg.AlertCPUPercent,
		CPUWindow:            cfg.AlertCPUWindow,
		CapacityPercent:      cfg.AlertCapacityPercent,
	}, monitor.WithLogger(logger), monitor.OnSample(hub.Sample), monitor.OnAlert(hub.Alert))
	monCtx, monStop := context.WithCancel(ctx)
	defer monStop()
	go mon.Run(monCtx)

	det := cg.Detection()
	enforcement := map[string]any{
		"cgroup":         map[string]any{"mode": det.Mode, "layout": det.Layout, "writable": det.Writable, "reason": det.Reason},
		"seccomp":        map[string]any{"mode": seccompName(st.SeccompMode), "selftestPassed": stErr == nil && st.AllDenied, "noNewPrivs": st.NoNewPrivs},
		"namespaces":     []string{"net", "pid", "ipc", "uts", "mount", "cgroup"},
		"user":           st.UID,
		"kernelEnforced": det.Mode != cgroup.ModeNone,
	}
	if det.Mode == cgroup.ModeNone {
		enforcement["warning"] = "memory, CPU and process limits are NOT kernel-enforced: only rlimits and the wall-clock kill apply"
		enforcement["degraded"] = true
	}
	srv := web.New(web.Config{BodyLimit: cfg.BodyLimit, RateLimit: cfg.RateLimit}, mgr, mon,
		web.WithLogger(logger),
		web.WithPageCache(stores.Cache),
		web.WithHealth(func(ctx context.Context) map[string]any {
			roles := stores.Health(ctx)
			storage := map[string]any{"roles": roles}
			for _, h := range roles {
				if !h.OK {
					storage["degraded"] = true
				}
			}
			return map[string]any{"environment": platformEnv, "enforcement": enforcement, "storage": storage}
		}))

	ui.Mount(srv.App())
	hub.Mount(srv.App(), mgr)

	stopPlaceholder()
	errc := make(chan error, 1)
	go func() { errc <- srv.Listen(addr) }()
	logger.Info("symposium serving", "addr", addr, "startup", time.Since(began).Round(time.Millisecond))
	select {
	case err := <-errc:
		logger.Error("server stopped", "err", err)
		return 1
	case <-ctx.Done():
	}
	logger.Info("shutting down")
	sctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	_ = hub.Close() // WebSockets would hold the graceful shutdown open
	_ = srv.Shutdown(sctx)
	return 0
}

// placeholder answers every request with 503 until the server is ready,
// so a platform probing the port sees the process alive while it
// provisions. The returned func stops it and frees the port.
func placeholder(addr string) (func(), error) {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, err
	}
	// No keep-alive: a client must come back on a fresh connection, which
	// the real server will accept.
	app := fiber.New(fiber.Config{DisableStartupMessage: true, DisableKeepalive: true})
	app.Use(func(c *fiber.Ctx) error {
		c.Set(fiber.HeaderRetryAfter, "10")
		return c.Status(fiber.StatusServiceUnavailable).JSON(fiber.Map{
			"success": false, "status": "starting",
			"error": fiber.Map{"code": "starting", "message": "the server is starting (provisioning its storage); try again shortly"},
		})
	})
	done := make(chan struct{})
	go func() { _ = app.Listener(ln); close(done) }()
	var once sync.Once
	return func() {
		once.Do(func() {
			// Close the listener first: Shutdown alone misses a Serve that
			// has not registered it yet, which would keep the port.
			_ = ln.Close()
			_ = app.ShutdownWithTimeout(time.Second)
			<-done
		})
	}, nil
}

func seccompName(mode int) string {
	switch mode {
	case 2:
		return "filter"
	case 1:
		return "strict"
	default:
		return "none"
	}
}
