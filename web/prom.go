package web

import (
	"strconv"

	"github.com/gofiber/fiber/v2"
	"github.com/gofiber/fiber/v2/middleware/adaptor"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/symposium/symposium/supervisor/isolate"
)

// promMetrics exposes the kernel figures of every isolate, read at scrape
// time, plus execution counts and latencies by outcome.
type promMetrics struct {
	reg     *prometheus.Registry
	execs   *prometheus.CounterVec
	latency *prometheus.HistogramVec
	handler fiber.Handler
}

func newPromMetrics(iso Isolates) *promMetrics {
	p := &promMetrics{reg: prometheus.NewRegistry()}
	p.execs = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "symposium_executions_total", Help: "Content block executions by outcome.",
	}, []string{"outcome"})
	p.latency = prometheus.NewHistogramVec(prometheus.HistogramOpts{
		Name:    "symposium_execution_duration_seconds",
		Help:    "End-to-end execution time in the supervisor, by outcome.",
		Buckets: []float64{.0002, .0005, .001, .002, .005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10},
	}, []string{"outcome"})
	p.reg.MustRegister(p.execs, p.latency, isolateCollector{iso},
		collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	p.handler = adaptor.HTTPHandler(promhttp.HandlerFor(p.reg, promhttp.HandlerOpts{}))
	return p
}

func (p *promMetrics) observe(r *isolate.Result) {
	p.execs.WithLabelValues(string(r.Kind)).Inc()
	p.latency.WithLabelValues(string(r.Kind)).Observe(r.Duration / 1000)
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
)

type isolateCollector struct{ iso Isolates }

func (isolateCollector) Describe(ch chan<- *prometheus.Desc) {
	for _, d := range []*prometheus.Desc{descMem, descMemPeak, descMemLimit, descOOM, descCPU, descThrottle, descPids, descExecs} {
		ch <- d
	}
}

func (c isolateCollector) Collect(ch chan<- prometheus.Metric) {
	for _, iso := range c.iso.Isolates() {
		st, err := iso.Group().Stats()
		if err != nil {
			continue
		}
		lv := []string{iso.BlockID(), iso.ID, strconv.Itoa(iso.PID())}
		ch <- prometheus.MustNewConstMetric(descMem, prometheus.GaugeValue, float64(st.MemoryCurrent), lv...)
		ch <- prometheus.MustNewConstMetric(descMemPeak, prometheus.GaugeValue, float64(st.MemoryPeak), lv...)
		ch <- prometheus.MustNewConstMetric(descMemLimit, prometheus.GaugeValue, float64(st.MemoryLimit), lv...)
		ch <- prometheus.MustNewConstMetric(descOOM, prometheus.CounterValue, float64(st.OOMKills), lv...)
		ch <- prometheus.MustNewConstMetric(descCPU, prometheus.CounterValue, float64(st.CPUUsageUsec)/1e6, lv...)
		ch <- prometheus.MustNewConstMetric(descThrottle, prometheus.CounterValue, float64(st.ThrottledUsec)/1e6, lv...)
		ch <- prometheus.MustNewConstMetric(descPids, prometheus.GaugeValue, float64(st.PidsCurrent), lv...)
		ch <- prometheus.MustNewConstMetric(descExecs, prometheus.CounterValue, float64(iso.Executions()), lv...)
	}
}
