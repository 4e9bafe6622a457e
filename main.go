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
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/gofiber/fiber/v2"
	"github.com/redis/go-redis/v9"

	"github.com/symposium/symposium/provisioning"
	"github.com/symposium/symposium/storage/apikeys"
	"github.com/symposium/symposium/storage/backends"
	"github.com/symposium/symposium/storage/blockdata"
	"github.com/symposium/symposium/storage/blocks"
	"github.com/symposium/symposium/supervisor/blocksvc"
	"github.com/symposium/symposium/supervisor/cgroup"
	"github.com/symposium/symposium/supervisor/config"
	"github.com/symposium/symposium/supervisor/egress"
	"github.com/symposium/symposium/supervisor/hostcap"
	"github.com/symposium/symposium/supervisor/isolate"
	"github.com/symposium/symposium/supervisor/monitor"
	"github.com/symposium/symposium/supervisor/session"
	"github.com/symposium/symposium/web"
	"github.com/symposium/symposium/web/auth"
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
	case "healthcheck":
		return healthcheck(cfg)
	case "provision":
		return provisioning.RunCLI(ctx, args[1:], env, os.Stdout, os.Stderr, logger)
	case "keys":
		return keysCommand(ctx, args[1:], env, logger)
	case "-h", "--help", "help":
		fmt.Println(usage)
		return 0
	default:
		fmt.Fprintf(os.Stderr, "symposium: unknown command %q (want serve, selftest, healthcheck, provision or keys)\n", cmd)
		return 2
	}
}

const usage = `usage: symposium [command]
  serve                          run the server (the default)
  selftest                       prove a runner's confinement and exit
  healthcheck                    probe a running server's /api/health (for container health checks)
  provision plan|apply|outputs   show, create or print the cloud resources behind the storage
  keys create|list|revoke        manage API keys (AUTH_MODE=keys) in the configured kv store`

// keysCommand opens the storage as serve does (without provisioning) and
// manages the API keys in its kv store.
func keysCommand(ctx context.Context, args []string, env config.Getenv, logger *slog.Logger) int {
	scfg, err := backends.ConfigFromEnv(env)
	if err != nil {
		fmt.Fprintln(os.Stderr, "symposium keys:", err)
		return 2
	}
	stores, err := backends.Open(ctx, scfg, logger)
	if err != nil {
		fmt.Fprintln(os.Stderr, "symposium keys: cannot open storage:", err)
		return 1
	}
	defer stores.Close()
	return keysCLI(ctx, args, apikeys.New(stores.KV), os.Stdout, os.Stderr)
}

func newLogger(level string) *slog.Logger {
	var l slog.Level
	_ = l.UnmarshalText([]byte(level))
	return slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: l}))
}

// start brings up the cgroups and the isolate runtime.
func start(cfg config.Config, logger *slog.Logger, opts ...isolate.Option) (*cgroup.Manager, *isolate.Runtime, error) {
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
	rt, err := isolate.New(isolate.Config{
		RunnerPath:            cfg.RunnerPath,
		RunDir:                cfg.RunDir,
		MaxIsolates:           cfg.MaxIsolates,
		PoolSize:              cfg.PoolSize,
		PoolMax:               cfg.PoolMax,
		NoPool:                cfg.PoolSize == 0,
		IdleTimeout:           cfg.IdleTimeout,
		ExecTimeout:           cfg.ExecTimeout,
		Locale:                cfg.BlockLocale,
		TimeZone:              cfg.BlockTimeZone,
		HealthInterval:        cfg.HealthInterval,
		MaxSessionsPerIsolate: cfg.SessionsPerIsolate,
		Limits:                cgroup.Limits{MemoryBytes: cfg.IsolateMemory, CPU: cfg.IsolateCPU, Pids: cfg.IsolatePids},
	}, cg, append([]isolate.Option{isolate.WithLogger(logger.With("component", "isolate"))}, opts...)...)
	if err != nil {
		_ = cg.Close()
		return nil, nil, err
	}
	return cg, rt, nil
}

type selftestReport struct {
	AllDenied   bool `json:"allDenied"`
	SeccompMode int  `json:"seccompMode"`
	NoNewPrivs  bool `json:"noNewPrivs"`
	UID         int  `json:"uid"`
}

func selftest(ctx context.Context, cfg config.Config, logger *slog.Logger) int {
	cfg.PoolSize = 0 // a selftest needs no pool
	cg, rt, err := start(cfg, logger)
	if err != nil {
		fmt.Fprintln(os.Stderr, "symposium:", err)
		return 1
	}
	defer cg.Close()
	defer rt.Close()
	out, err := rt.Selftest(ctx)
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
	mode, err := auth.ParseMode(cfg.AuthMode, cfg.Host)
	if err != nil {
		logger.Error("access control", "err", err)
		return 2
	}
	proxies, err := auth.ParseProxies(cfg.TrustedProxies)
	if err != nil {
		logger.Error("access control", "err", err)
		return 2
	}

	// Where are we, and which cloud resources (if any) back the storage?
	// Creating Cloud SQL and Memorystore takes minutes, longer than Cloud
	// Run waits for a port: meanwhile a placeholder answers 503 on the
	// socket the server takes over.
	sock, err := listenHandoff(addr)
	if err != nil {
		logger.Error("cannot listen", "addr", addr, "err", err)
		return 1
	}
	defer sock.close()
	stopPlaceholder := placeholder(sock.view(false))
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
	fetch := egress.New(allow, egress.WithLogger(logger.With("component", "egress")), egress.WithSelfPort(cfg.Port))
	hosts := hostcap.New(blockData{data}, fetcher{fetch}, hostErrors, logger)

	// Who may do what: one authenticator and one rate limiter for REST and
	// the WebSocket alike.
	keyStore := apikeys.New(stores.KV)
	authn, err := auth.New(ctx, mode, keyAdapter(keyStore), stores.KV, auth.WithSecureCookies(cfg.CookieSecure))
	if err != nil {
		logger.Error("access control", "err", err)
		return 1
	}
	if spec := env("ADMIN_KEY_HASH"); spec != "" && mode == auth.ModeKeys {
		// The deploy script's first admin key: only its hash is in the settings.
		added, err := keyStore.Bootstrap(ctx, spec, "admin")
		if err != nil {
			logger.Error("ADMIN_KEY_HASH", "err", err)
			return 2
		}
		if added {
			logger.Info("first admin key recorded from ADMIN_KEY_HASH", "tenant", "admin")
		}
	}
	limiter := auth.NewLimiter(cfg.RateLimit)
	logger.Info("access control", "mode", mode, "trustedProxies", len(proxies), "rateLimitPerMinute", cfg.RateLimit)

	// The live hub exists before the manager: the pool's first isolates
	// already emit events. With Redis, block updates reach every instance.
	// One id names this instance in session ids and on the Redis channel.
	instanceID := newInstanceID()
	liveOpts := []live.Option{live.WithLogger(logger), live.WithLimiter(limiter), live.WithInstanceID(instanceID),
		live.WithConnLimits(cfg.WSPerTenant, cfg.WSPerAddr)}
	if mode == auth.ModeKeys {
		liveOpts = append(liveOpts, live.WithAuth(authn.Identify))
	}
	var rdb *redis.Client
	if u := storeEnv("REDIS_URL"); u != "" {
		ro, err := redis.ParseURL(u)
		if err != nil {
			logger.Error("REDIS_URL is not a redis:// URL", "err", errors.New("unparseable"))
			return 2
		}
		rdb = redis.NewClient(ro)
		defer rdb.Close()
		liveOpts = append(liveOpts, live.WithRedis(rdb))
	}
	hub := live.New(liveOpts...)
	defer hub.Close()

	// The session manager needs the runtime, and the runtime tells it when
	// an isolate ends with sessions: the callback finds it once it exists.
	var sessions atomic.Pointer[session.Manager]
	cg, rt, err := start(cfg, logger,
		isolate.WithHost(hosts.For),
		isolate.WithEvents(hub.Event),
		isolate.WithSessionsEnded(func(blockID string, ids []string, why isolate.EventType) {
			if m := sessions.Load(); m != nil {
				m.IsolateEnded(blockID, ids, why)
			}
		}))
	if err != nil {
		logger.Error("cannot start", "err", err)
		return 1
	}
	defer cg.Close()
	defer rt.Close()
	store := blockStore{blocks.New(stores.KV, stores.Blob, data)}
	svcOpts := []blocksvc.Option{blocksvc.WithStore(store),
		blocksvc.WithLimits(blocksvc.Limits{HTMLBytes: cfg.MaxOutputHTMLBytes, CSSBytes: cfg.MaxOutputCSSBytes, LogBytes: cfg.MaxOutputLogBytes, BlockBytes: cfg.MaxBlockBytes}),
		blocksvc.WithQuota(blocksvc.Quota{Blocks: cfg.MaxBlocks, Bytes: cfg.MaxStorageBytes}),
		blocksvc.WithRenderer(web.RenderPage)}
	if mode == auth.ModeKeys {
		// Each tenant's share (AUTH_MODE=local has one tenant: the global quotas).
		tq, err := config.LoadTenantQuota(env)
		if err != nil {
			logger.Error("invalid configuration", "err", err)
			return 2
		}
		unbounded := func(n int64) int64 { return map[bool]int64{true: -1, false: n}[n == 0] } // config's 0 is blocksvc's -1
		svcOpts = append(svcOpts,
			blocksvc.WithTenantOf(func(id string) string { t, _ := web.SplitID(id); return t }),
			blocksvc.WithTenantQuota(blocksvc.TenantQuota{
				Blocks: int(unbounded(int64(tq.MaxBlocks))), Bytes: unbounded(tq.MaxStorageBytes),
				Isolates: int(unbounded(int64(tq.MaxIsolates))), ExecutionsPerMinute: int(unbounded(int64(tq.ExecutionsPerMinute))),
			}))
	}
	svc := blocksvc.New(rt, svcOpts...)
	data.SetAccountant(svc) // saved data counts in the storage quotas
	mgr := session.New(rt, session.Config{InstanceID: instanceID, IdleTimeout: cfg.SessionIdleTimeout,
		EventsPerSecond: cfg.SessionEventsPerSecond, MaxSessions: cfg.MaxSessions, MaxPerOwner: cfg.MaxSessionsPerTenant, Logger: logger.With("component", "session")})
	sessions.Store(mgr)
	// With Redis, an event that reaches the wrong instance is forwarded to
	// the one holding its session, and code changes end sessions everywhere.
	var liveSessions sessionAPI = mgr
	if rdb != nil {
		liveSessions = session.NewForwarder(mgr, rdb, session.ForwardConfig{Timeout: cfg.ExecTimeout + 5*time.Second,
			Logger: logger.With("component", "session")})
	}
	defer liveSessions.Shutdown() // before the runtime closes (defers run last first)
	embedKey, err := embedSecret(ctx, cfg.EmbedSecret, stores.KV)
	if err != nil {
		logger.Error("embed secret", "err", err)
		return 1
	}
	// Code changes and deletes end the block's sessions, on either transport.
	blocksAPI := web.SessionBlocks{Blocks: svc, Ends: liveSessions}

	// Prove the confinement once at start, exactly as a served runner gets it.
	var st selftestReport
	out, stErr := rt.Selftest(ctx)
	if err := json.Unmarshal(out, &st); err != nil || stErr != nil || !st.AllDenied {
		logger.Error("CONFINEMENT SELFTEST FAILED: isolates may not be confined", "err", errors.Join(stErr, err))
	}

	mon := monitor.New(rt, monitor.Thresholds{
		IsolateMemoryPercent: cfg.AlertIsolateMemPercent,
		TotalMemoryBytes:     uint64(cfg.AlertTotalMemoryMB * (1 << 20)),
		CPUPercent:           cfg.AlertCPUPercent,
		CPUWindow:            cfg.AlertCPUWindow,
		CapacityPercent:      cfg.AlertCapacityPercent,
	}, monitor.WithLogger(logger.With("component", "monitor")), monitor.OnSample(hub.Sample), monitor.OnAlert(hub.Alert))
	monCtx, monStop := context.WithCancel(ctx)
	defer monStop()
	go mon.Run(monCtx)

	det := cg.Detection()
	enforcement := map[string]any{
		"cgroup":         map[string]any{"mode": det.Mode, "layout": det.Layout, "writable": det.Writable, "reason": det.Reason},
		"seccomp":        map[string]any{"mode": seccompName(st.SeccompMode), "selftestPassed": stErr == nil && st.AllDenied, "noNewPrivs": st.NoNewPrivs},
		"namespaces":     rt.Namespaces(),
		"user":           st.UID,
		"kernelEnforced": det.Mode != cgroup.ModeNone,
	}
	var warnings []string
	if det.Mode == cgroup.ModeNone {
		warnings = append(warnings, "memory, CPU and process limits are NOT kernel-enforced: only rlimits and the wall-clock kill apply")
	}
	if len(rt.Namespaces()) == 0 {
		warnings = append(warnings, "runners have no namespaces (no CAP_SYS_ADMIN): confined by uid 65534, no_new_privs, seccomp and rlimits only")
	}
	if len(warnings) > 0 {
		enforcement["warning"] = strings.Join(warnings, "; ")
		enforcement["degraded"] = true
	}
	srv := web.New(web.Config{BodyLimit: cfg.BodyLimit, RateLimit: cfg.RateLimit}, blocksAPI, mon,
		web.WithSessions(liveSessions, store),
		web.WithEmbedSecret(embedKey),
		web.WithLogger(logger),
		web.WithAuth(authn),
		web.WithProxies(proxies),
		web.WithLimiter(limiter),
		web.WithPageCache(stores.Cache),
		web.WithHealth(func(ctx context.Context) map[string]any {
			roles := stores.Health(ctx)
			storage := map[string]any{"roles": roles}
			for _, h := range roles {
				if !h.OK {
					storage["degraded"] = true
				}
			}
			return map[string]any{"environment": platformEnv, "enforcement": enforcement, "storage": storage,
				"locale": map[string]string{"default": cfg.BlockLocale, "timeZone": cfg.BlockTimeZone},
				"sessions": map[string]any{"open": mgr.Stats().Open, "max": cfg.MaxSessions, "perIsolate": cfg.SessionsPerIsolate,
					"idleTimeout": cfg.SessionIdleTimeout.String(), "instance": instanceID, "forwarding": rdb != nil}}
		}))

	ui.Mount(srv.App())
	hub.UseSessions(srv.Sessions())
	hub.Mount(srv.App(), blocksAPI)

	stopPlaceholder()
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(sock.view(true)) }()
	url := browseURL(cfg.Host, cfg.Port)
	logger.Info("symposium serving", "url", url, "listen", addr, "startup", time.Since(began).Round(time.Millisecond))
	fmt.Fprintf(os.Stderr, "\nSymposium is running: open %s\n\n", url)
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

// placeholder answers every request with 503 on ln until the server is
// ready, so a platform probing the port sees the process alive while it
// provisions. The returned func stops it; the socket stays open for the
// server.
func placeholder(ln net.Listener) func() {
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
			// Close the view first: Shutdown alone misses a Serve that
			// has not registered it yet.
			_ = ln.Close()
			_ = app.ShutdownWithTimeout(time.Second)
			<-done
		})
	}
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

// browseURL is the address a person opens: a wildcard or loopback host is
// this machine.
func browseURL(host string, port int) string {
	switch host {
	case "", "0.0.0.0", "::", "[::]", "127.0.0.1", "::1":
		host = "localhost"
	}
	return "http://" + net.JoinHostPort(host, strconv.Itoa(port)) + "/"
}

// sessionAPI is the session manager as the server uses it: one instance's
// (session.Manager) or the cluster's (session.Forwarder).
type sessionAPI interface {
	web.SessionManager
	CodeChanged(blockID string, p session.CodePatch)
	EndBlock(blockID string, reason session.Reason)
	Shutdown()
}
