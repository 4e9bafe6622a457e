package web

import (
	"strconv"

	"github.com/gofiber/fiber/v2"
	"github.com/gofiber/fiber/v2/middleware/adaptor"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/symposium/symposium/supervisor/isolate"
	"github.com/symposium/symposium/supervisor/session"
)

// promMetrics exposes the one sample at scrape time: every isolate's kernel
// figures, and the runtime's execution counts and latencies by outcome
// (counted in the runtime, so REST and WebSocket runs alike).
type promMetrics struct {
	reg     *prometheus.Registry
	handler fiber.Handler
}

func newPromMetrics(met Metrics) *promMetrics {
	p := &promMetrics{reg: prometheus.NewRegistry()}
	p.reg.MustRegister(sampleCollector{met},
		collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	p.handler = adaptor.HTTPHandler(promhttp.HandlerFor(p.reg, promhttp.HandlerOpts{}))
	return p
}

func (s *Server) prometheus(c *fiber.Ctx) error { return s.prom.handler(c) }

var (
	labels       = []string{"block", "isolate", "pid"}
	descMem      = prometheus.NewDesc("symposium_isolate_memory_bytes", "cgroup memory usage of the isolate.", labels, nil)
	descMemPeak  = prometheus.NewDesc("symposium_isolate_memory_peak_bytes", "cgroup peak memory usage of the isolate.", labels, nil)
	descMemLimit = prometheus.NewDesc("symposium_isolate_memory_limit_bytes", "cgroup memory limit of the isolate.", labels, nil)
	descOOM      = prometheus.NewDesc("symposium_isolate_oom_kills_total", "OOM kills in the isolate's cgroup.", labels, nil)
	descCPU      = prometheus.NewDesc("symposium_isolate_cpu_seconds_total", "CPU time used by the isolate's cgroup.", labels, nil)
	descThrottle = prometheus.NewDesc("symposium_isolate_cpu_throttled_seconds_total", "Time the isolate was throttled by its CPU quota.", labels, nil)
	descPids     = prometheus.NewDesc("symposium_isolate_pids", "Tasks (threads) in the isolate's cgroup.", labels, nil)
	descExecs    = prometheus.NewDesc("symposium_isolate_executions_total", "Executions run by the isolate.", labels, nil)
	descRuns     = prometheus.NewDesc("symposium_executions_total", "Content block executions by outcome, from every transport.", []string{"outcome"}, nil)
	descLatency  = prometheus.NewDesc("symposium_execution_duration_seconds", "End-to-end execution time in the supervisor, by outcome.", []string{"outcome"}, nil)
	descLive     = prometheus.NewDesc("symposium_isolates", "Live isolates bound to blocks.", nil, nil)
	descMax      = prometheus.NewDesc("symposium_isolates_max", "MAX_ISOLATES: the bound on live isolates.", nil, nil)
	descBusy     = prometheus.NewDesc("symposium_isolates_executing", "Isolates executing at the sample.", nil, nil)
	descPooled   = prometheus.NewDesc("symposium_pool_ready", "Pre-started runners waiting for a block.", nil, nil)
	descHealthy  = prometheus.NewDesc("symposium_runtime_healthy", "1 when a runner was started or served within the health interval.", nil, nil)
)

type sampleCollector struct{ met Metrics }

func (sampleCollector) Describe(ch chan<- *prometheus.Desc) {
	for _, d := range []*prometheus.Desc{descMem, descMemPeak, descMemLimit, descOOM, descCPU, descThrottle, descPids, descExecs,
		descRuns, descLatency, descLive, descMax, descBusy, descPooled, descHealthy} {
		ch <- d
	}
}

func (c sampleCollector) Collect(ch chan<- prometheus.Metric) {
	smp := c.met.Latest()
	for _, is := range smp.Isolates {
		lv := []string{is.BlockID, is.ID, strconv.Itoa(is.PID)}
		ch <- prometheus.MustNewConstMetric(descExecs, prometheus.CounterValue, float64(is.Executions), lv...)
		if !is.StatsOK {
			continue
		}
		st := is.Stats
		ch <- prometheus.MustNewConstMetric(descMem, prometheus.GaugeValue, float64(st.MemoryCurrent), lv...)
		ch <- prometheus.MustNewConstMetric(descMemPeak, prometheus.GaugeValue, float64(st.MemoryPeak), lv...)
		ch <- prometheus.MustNewConstMetric(descMemLimit, prometheus.GaugeValue, float64(st.MemoryLimit), lv...)
		ch <- prometheus.MustNewConstMetric(descOOM, prometheus.CounterValue, float64(st.OOMKills), lv...)
		ch <- prometheus.MustNewConstMetric(descCPU, prometheus.CounterValue, float64(st.CPUUsageUsec)/1e6, lv...)
		ch <- prometheus.MustNewConstMetric(descThrottle, prometheus.CounterValue, float64(st.ThrottledUsec)/1e6, lv...)
		ch <- prometheus.MustNewConstMetric(descPids, prometheus.GaugeValue, float64(st.PidsCurrent), lv...)
	}
	for _, o := range smp.Outcomes {
		ch <- prometheus.MustNewConstMetric(descRuns, prometheus.CounterValue, float64(o.Count), string(o.Kind))
		buckets := make(map[float64]uint64, len(isolate.LatencyBuckets))
		for i, b := range isolate.LatencyBuckets {
			if i < len(o.Buckets) {
				buckets[b] = o.Buckets[i]
			}
		}
		ch <- prometheus.MustNewConstHistogram(descLatency, o.Count, o.SumSeconds, buckets, string(o.Kind))
	}
	ch <- prometheus.MustNewConstMetric(descLive, prometheus.GaugeValue, float64(len(smp.Isolates)))
	ch <- prometheus.MustNewConstMetric(descMax, prometheus.GaugeValue, float64(smp.MaxIsolates))
	ch <- prometheus.MustNewConstMetric(descBusy, prometheus.GaugeValue, float64(smp.Executing))
	ch <- prometheus.MustNewConstMetric(descPooled, prometheus.GaugeValue, float64(smp.Pooled))
	healthy := 0.0
	if smp.Health.OK {
		healthy = 1
	}
	ch <- prometheus.MustNewConstMetric(descHealthy, prometheus.GaugeValue, healthy)
}

var (
	descSessions      = prometheus.NewDesc("symposium_sessions_open", "Live sessions of interactive blocks on this instance.", nil, nil)
	descSessionOpened = prometheus.NewDesc("symposium_sessions_opened_total", "Live sessions opened on this instance.", nil, nil)
	descSessionEvents = prometheus.NewDesc("symposium_session_events_total", "User events dispatched into live sessions, from every transport.", nil, nil)
	descSessionTicks  = prometheus.NewDesc("symposium_session_ticks_total", "Timer turns run in live sessions.", nil, nil)
	descSessionEnded  = prometheus.NewDesc("symposium_sessions_ended_total", "Live sessions ended, by reason.", []string{"reason"}, nil)
)

// sessionCollector exposes the session manager's figures at scrape time.
type sessionCollector struct{ m SessionManager }

func (sessionCollector) Describe(ch chan<- *prometheus.Desc) {
	for _, d := range []*prometheus.Desc{descSessions, descSessionOpened, descSessionEvents, descSessionTicks, descSessionEnded} {
		ch <- d
	}
}

func (c sessionCollector) Collect(ch chan<- prometheus.Metric) {
	st := c.m.Stats()
	ch <- prometheus.MustNewConstMetric(descSessions, prometheus.GaugeValue, float64(st.Open))
	ch <- prometheus.MustNewConstMetric(descSessionOpened, prometheus.CounterValue, float64(st.Opened))
	ch <- prometheus.MustNewConstMetric(descSessionEvents, prometheus.CounterValue, float64(st.Events))
	ch <- prometheus.MustNewConstMetric(descSessionTicks, prometheus.CounterValue, float64(st.Ticks))
	for _, r := range []session.Reason{session.ReasonIdle, session.ReasonClosed, session.ReasonCodeChanged, session.ReasonDeleted,
		session.ReasonIsolateEnded, session.ReasonTimeout, session.ReasonOOM, session.ReasonCrash, session.ReasonShutdown} {
		ch <- prometheus.MustNewConstMetric(descSessionEnded, prometheus.CounterValue, float64(st.Ended[r]), string(r))
	}
}
