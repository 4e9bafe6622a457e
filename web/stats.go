package web

import (
	"context"
	"math"
	"runtime"
	"time"

	"github.com/gofiber/fiber/v2"

	"github.com/symposium/symposium/supervisor/blocksvc"
	"github.com/symposium/symposium/supervisor/cgroup"
	"github.com/symposium/symposium/supervisor/isolate"
	"github.com/symposium/symposium/supervisor/monitor"
	"github.com/symposium/symposium/web/auth"
)

const mb = 1 << 20

func round2(f float64) float64 { return math.Round(f*100) / 100 }

// apiMetrics: GET /api/metrics. A tenant sees its own isolates only; the
// system's figures, alerts and capacity are the admin's view.
func (s *Server) apiMetrics(c *fiber.Ctx) error {
	p := principalOf(c)
	smp := s.metrics.Latest()
	list := make([]fiber.Map, 0, len(smp.Isolates))
	var mem uint64
	for _, is := range smp.Isolates {
		id, ok := ViewID(p, is.BlockID)
		if !ok || is.BlockID == "" && !p.Admin {
			continue
		}
		mem += is.Stats.MemoryCurrent
		list = append(list, fiber.Map{
			"id": id, "isolateId": is.ID, "pid": is.PID,
			"memoryMB":      round2(float64(is.Stats.MemoryCurrent) / mb),
			"memoryLimitMB": round2(float64(is.Stats.MemoryLimit) / mb),
			"cpuPercent":    round2(is.CPUPercent),
		})
	}
	if !p.Admin {
		out := fiber.Map{
			"timestamp": smp.Time,
			"isolates": fiber.Map{"activeIsolates": len(list), "totalMemoryUsed": round2(float64(mem) / mb),
				"resourceAlerts": s.alertsFor(p), "isolates": list},
		}
		// The tenant's use against its quotas (TENANT_MAX_BLOCKS, ...).
		if u, ok := s.blockService().(interface {
			TenantUsage(context.Context, string) (blocksvc.TenantUsage, error)
		}); ok {
			if use, err := u.TenantUsage(c.UserContext(), p.Tenant); err == nil {
				out["quota"] = use
			}
		}
		return c.JSON(out)
	}
	out := fiber.Map{
		"timestamp": smp.Time,
		"system": fiber.Map{
			"memory": fiber.Map{
				"heapUsed":  round2(float64(smp.System.HeapUsed) / mb),
				"heapTotal": round2(float64(smp.System.HeapTotal) / mb),
				"rss":       round2(float64(smp.System.RSS) / mb),
			},
			"cpu": fiber.Map{
				"count":        smp.System.CPUCount,
				"loadAverage":  smp.System.LoadAverage,
				"usagePercent": round2(smp.System.CPUUsagePercent),
				// the supervisor's own CPU, as a share of all cores like the machine's
				"supervisorPercent": round2(smp.System.SupervisorCPUPercent),
			},
			"goroutines": runtime.NumGoroutine(),
		},
		"isolates": fiber.Map{
			"activeIsolates":  len(smp.Isolates),
			"maxIsolates":     smp.MaxIsolates,
			"executing":       smp.Executing,
			"pooled":          smp.Pooled,
			"totalMemoryUsed": round2(float64(smp.IsolateMem) / mb),
			"resourceAlerts":  s.alertsFor(p),
			"isolates":        list,
		},
	}
	// Storage use against the quotas (MAX_BLOCKS, MAX_STORAGE_MB).
	if u, ok := s.blockService().(interface {
		Usage(context.Context) (blocksvc.Usage, error)
	}); ok {
		if use, err := u.Usage(c.UserContext()); err == nil {
			out["storage"] = use
		}
	}
	return c.JSON(out)
}

// blockService is the block service beneath the web layer's wrappers
// (tenant scoping, session endings), for its quota reports.
func (s *Server) blockService() any {
	var svc any = s.blocks
	for {
		switch v := svc.(type) {
		case scoped:
			svc = v.svc
		case SessionBlocks:
			svc = v.Blocks
		default:
			return svc
		}
	}
}

// alertsFor is the alerts p may see: an admin all, a tenant those about
// its own blocks (by their public id).
func (s *Server) alertsFor(p auth.Principal) []monitor.Alert {
	out := []monitor.Alert{}
	for _, a := range s.metrics.Alerts() {
		if a, ok := AlertFor(p, a); ok {
			out = append(out, a)
		}
	}
	return out
}

// AlertFor is alert a as p sees it; system alerts (no block) are admins' only.
func AlertFor(p auth.Principal, a monitor.Alert) (monitor.Alert, bool) {
	if a.BlockID == "" {
		return a, p.Admin
	}
	id, ok := ViewID(p, a.BlockID)
	a.BlockID = id
	return a, ok
}

// isolateStats: GET /api/isolate-stats?id=ID (a block id or an isolate id).
// A tenant finds only its own blocks' isolates, without host paths.
func (s *Server) isolateStats(c *fiber.Ctx) error {
	p := principalOf(c)
	id := c.Query("id")
	if id == "" {
		return apiError(c, fiber.StatusBadRequest, "invalid_request", "query parameter \"id\" (a block id) is required")
	}
	find := func(smp monitor.Sample) (isolate.IsolateSample, bool) {
		// The tenant's own block first, then an isolate id (or, for an
		// admin, any internal block id).
		for _, key := range []string{InternalID(p.Tenant, id), id} {
			if is, ok := smp.Find(key); ok {
				if _, visible := ViewID(p, is.BlockID); visible && (is.BlockID != "" || p.Admin) {
					return is, true
				}
			}
		}
		return isolate.IsolateSample{}, false
	}
	is, ok := find(s.metrics.Latest())
	if !ok {
		// Bound since the last sample? The runtime reads its kernel files
		// anew only when its table changed.
		is, ok = find(s.metrics.Sample())
	}
	if !ok {
		return apiError(c, fiber.StatusNotFound, "not_found", "no live isolate for that id")
	}
	m := isolateJSON(is)
	m["id"], _ = ViewID(p, is.BlockID)
	if !p.Admin {
		delete(m["cgroup"].(fiber.Map), "path") // host paths name the container
	}
	return c.JSON(m)
}

func isolateJSON(is isolate.IsolateSample) fiber.Map {
	st := is.Stats
	m := fiber.Map{
		"id":            is.BlockID,
		"isolateId":     is.ID,
		"pid":           is.PID,
		"state":         is.State,
		"executions":    is.Executions,
		"uptimeSeconds": round2(time.Since(is.Created).Seconds()),
		"cgroup":        fiber.Map{"version": is.CgroupMode, "path": is.CgroupPath},
		"memory": fiber.Map{
			"currentBytes": st.MemoryCurrent, "peakBytes": st.MemoryPeak,
			"limitBytes": st.MemoryLimit, "oomKills": st.OOMKills,
		},
		"cpu": fiber.Map{
			"usageMicros": st.CPUUsageUsec, "userMicros": st.CPUUserUsec, "systemMicros": st.CPUSystemUsec,
			"throttledMicros": st.ThrottledUsec, "throttledPeriods": st.ThrottledPeriods,
			"limitCores": is.Limits.CPU,
		},
		"pids":     fiber.Map{"current": st.PidsCurrent, "limit": st.PidsLimit},
		"pressure": fiber.Map{"memory": pressureJSON(st.MemoryPressure), "cpu": pressureJSON(st.CPUPressure)},
	}
	if !is.StatsOK {
		m["cgroupError"] = "kernel figures unavailable: limits are not kernel-enforced for this isolate"
	}
	if is.SeccompOK {
		sec := is.Seccomp
		m["seccomp"] = fiber.Map{"mode": sec.SeccompMode, "modeName": sec.SeccompName(), "noNewPrivs": sec.NoNewPrivs}
	}
	return m
}

func pressureJSON(p *cgroup.Pressure) any {
	if p == nil {
		return nil
	}
	return fiber.Map{
		"some": fiber.Map{"avg10": p.Some10, "avg60": p.Some60, "avg300": p.Some300, "totalMicros": p.SomeTotalUsec},
		"full": fiber.Map{"avg10": p.Full10, "avg60": p.Full60, "avg300": p.Full300, "totalMicros": p.FullTotalUsec},
	}
}

// healthz: GET /api/health
func (s *Server) healthz(c *fiber.Ctx) error {
	out := fiber.Map{"status": "ok", "uptimeSeconds": round2(time.Since(s.started).Seconds())}
	// The runtime's own verdict: can it start (or has it served) a runner
	// within its health interval?
	smp := s.metrics.Latest()
	rt := fiber.Map{"ok": smp.Health.OK, "liveIsolates": len(smp.Isolates), "maxIsolates": smp.MaxIsolates,
		"executing": smp.Executing, "pooled": smp.Pooled, "interval": smp.Health.Interval}
	if !smp.Health.LastStarted.IsZero() {
		rt["lastStarted"] = smp.Health.LastStarted
	}
	if !smp.Health.LastServed.IsZero() {
		rt["lastServed"] = smp.Health.LastServed
	}
	if !smp.Health.OK {
		out["status"] = "degraded"
		rt["reason"] = smp.Health.Reason
		out["reason"] = smp.Health.Reason
	}
	out["runtime"] = rt
	if s.health != nil {
		for k, v := range s.health(c.UserContext()) {
			out[k] = v
			if sec, ok := v.(map[string]any); ok {
				if d, _ := sec["degraded"].(bool); d {
					out["status"] = "degraded"
				}
			}
		}
	}
	return c.JSON(out)
}
