package web

import (
	"math"
	"time"

	"github.com/gofiber/fiber/v2"

	"github.com/symposium/symposium/supervisor/cgroup"
	"github.com/symposium/symposium/supervisor/isolate"
	"github.com/symposium/symposium/supervisor/monitor"
)

const mb = 1 << 20

func round2(f float64) float64 { return math.Round(f*100) / 100 }

// apiMetrics: GET /api/metrics
func (s *Server) apiMetrics(c *fiber.Ctx) error {
	smp := s.metrics.Latest()
	alerts := s.metrics.Alerts()
	if alerts == nil {
		alerts = []monitor.Alert{}
	}
	list := make([]fiber.Map, 0, len(smp.Isolates))
	for _, is := range smp.Isolates {
		list = append(list, fiber.Map{
			"id": is.BlockID, "isolateId": is.ID, "pid": is.PID,
			"memoryMB":      round2(float64(is.Stats.MemoryCurrent) / mb),
			"memoryLimitMB": round2(float64(is.Stats.MemoryLimit) / mb),
			"cpuPercent":    round2(is.CPUPercent),
		})
	}
	return c.JSON(fiber.Map{
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
			},
		},
		"isolates": fiber.Map{
			"activeIsolates":  len(s.isolates.Isolates()),
			"maxIsolates":     s.isolates.Config().MaxIsolates,
			"totalMemoryUsed": round2(float64(smp.IsolateMem) / mb),
			"resourceAlerts":  alerts,
			"isolates":        list,
		},
	})
}

// isolateStats: GET /api/isolate-stats?id=ID (a block id or an isolate id)
func (s *Server) isolateStats(c *fiber.Ctx) error {
	id := c.Query("id")
	if id == "" {
		return apiError(c, fiber.StatusBadRequest, "invalid_request", "query parameter \"id\" (a block id) is required")
	}
	iso, ok := s.isolates.Find(id)
	if !ok {
		return apiError(c, fiber.StatusNotFound, "not_found", "no live isolate for that id")
	}
	return c.JSON(isolateJSON(iso))
}

func isolateJSON(iso *isolate.Isolate) fiber.Map {
	st, err := iso.Group().Stats()
	m := fiber.Map{
		"id":            iso.BlockID(),
		"isolateId":     iso.ID,
		"pid":           iso.PID(),
		"state":         iso.State(),
		"executions":    iso.Executions(),
		"uptimeSeconds": round2(time.Since(iso.Created).Seconds()),
		"cgroup":        fiber.Map{"version": iso.CgroupMode(), "path": iso.Group().Path()},
		"memory": fiber.Map{
			"currentBytes": st.MemoryCurrent, "peakBytes": st.MemoryPeak,
			"limitBytes": st.MemoryLimit, "oomKills": st.OOMKills,
		},
		"cpu": fiber.Map{
			"usageMicros": st.CPUUsageUsec, "userMicros": st.CPUUserUsec, "systemMicros": st.CPUSystemUsec,
			"throttledMicros": st.ThrottledUsec, "throttledPeriods": st.ThrottledPeriods,
			"limitCores": iso.Limits().CPU,
		},
		"pids":     fiber.Map{"current": st.PidsCurrent, "limit": st.PidsLimit},
		"pressure": fiber.Map{"memory": pressureJSON(st.MemoryPressure), "cpu": pressureJSON(st.CPUPressure)},
	}
	if err != nil {
		m["cgroupError"] = "kernel figures unavailable: limits are not kernel-enforced for this isolate"
	}
	if sec, err := isolate.ProcStatus(iso.PID()); err == nil {
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
