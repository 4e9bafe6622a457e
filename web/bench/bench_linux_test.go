package bench

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"slices"
	"strconv"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/symposium/symposium/supervisor/isolate/isolatetest"
)

var (
	symposiumBin string
	blocks       = map[string]map[string]string{}
	client       = &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 64, DisableCompression: true}}
)

func TestMain(m *testing.M) {
	_, file, _, _ := runtime.Caller(0)
	root := filepath.Join(filepath.Dir(file), "..", "..")
	runner, cleanup, err := isolatetest.Runner()
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	os.Setenv("SANDBOX_RUNNER", runner)
	if symposiumBin, err = isolatetest.Symposium(runner); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	for _, name := range []string{"text", "list100"} {
		raw, err := os.ReadFile(filepath.Join(root, "sandbox-runner", "engine", "testdata", "bench-blocks", name+".json"))
		if err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(1)
		}
		var b map[string]string
		if err := json.Unmarshal(raw, &b); err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(1)
		}
		blocks[name] = b
	}
	code := m.Run()
	cleanup()
	os.Exit(code)
}

// server is one running bin/symposium.
type server struct {
	url  string
	cmd  *exec.Cmd
	name string
}

func freePort(b testing.TB) int {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		b.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().(*net.TCPAddr).Port
}

// start runs the supervisor with env and waits for its first healthy answer.
func start(b testing.TB, env ...string) (*server, time.Duration) {
	b.Helper()
	isolatetest.NeedRoot(b)
	port := freePort(b)
	name := fmt.Sprintf("symposium-bench-%d-%d", os.Getpid(), port)
	s := &server{url: fmt.Sprintf("http://127.0.0.1:%d", port), name: name}
	s.cmd = exec.Command(symposiumBin)
	s.cmd.Dir = b.TempDir()
	s.cmd.Env = append([]string{
		"PATH=" + os.Getenv("PATH"), "HOST=127.0.0.1", "PORT=" + strconv.Itoa(port),
		"SANDBOX_RUNNER=" + os.Getenv("SANDBOX_RUNNER"), "CGROUP_NAME=" + name, "RUN_DIR=/run/" + name,
		"RATE_LIMIT=0", "LOG_LEVEL=warn", "MAX_ISOLATES=200", "DATA_DIR=" + dataDir(b),
	}, env...)
	s.cmd.Stderr = os.Stderr
	began := time.Now()
	if err := s.cmd.Start(); err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() {
		_ = s.cmd.Process.Signal(syscall.SIGTERM)
		_ = s.cmd.Wait()
	})
	for time.Since(began) < 20*time.Second {
		resp, err := client.Get(s.url + "/api/health")
		if err == nil {
			io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
			if resp.StatusCode == 200 {
				return s, time.Since(began)
			}
		}
		time.Sleep(500 * time.Microsecond)
	}
	b.Fatal("supervisor did not become healthy")
	return nil, 0
}

// dataDir is where the benchmarked server keeps its embedded store:
// BENCH_DATA_DIR (e.g. a tmpfs, to take disk syncs out of the figures) or
// a temporary directory on the test's disk.
func dataDir(b testing.TB) string {
	if d := os.Getenv("BENCH_DATA_DIR"); d != "" {
		dir, err := os.MkdirTemp(d, "bench-")
		if err != nil {
			b.Fatal(err)
		}
		b.Cleanup(func() { os.RemoveAll(dir) })
		return dir
	}
	return b.TempDir()
}

func body(id, name string) []byte {
	blk := blocks[name]
	js, _ := json.Marshal(map[string]any{"blockId": id, "code": map[string]string{"html": blk["html"], "css": blk["css"], "javascript": blk["js"]}})
	return js
}

// execute posts one block and checks the answer.
func (s *server) execute(tb testing.TB, payload []byte) {
	resp, err := client.Post(s.url+"/api/execute-content-block", "application/json", bytes.NewReader(payload))
	if err != nil {
		tb.Fatal(err)
	}
	out, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 200 || !bytes.Contains(out, []byte(`"success":true`)) {
		tb.Fatalf("execute: %d %s", resp.StatusCode, out)
	}
}

// reportLatency adds percentile metrics to a benchmark.
func reportLatency(b *testing.B, d []time.Duration) {
	if len(d) == 0 {
		return
	}
	slices.Sort(d)
	us := func(q float64) float64 { return float64(d[int(q*float64(len(d)-1))].Nanoseconds()) / 1e3 }
	b.ReportMetric(us(0.50), "p50-µs")
	b.ReportMetric(us(0.90), "p90-µs")
	b.ReportMetric(us(0.99), "p99-µs")
}

// BenchmarkWarm re-executes the same block in its live isolate.
func BenchmarkWarm(b *testing.B) {
	s, _ := start(b)
	for _, name := range []string{"text", "list100"} {
		b.Run(name, func(b *testing.B) { warmRuns(b, s, "warm-"+name, name, 0) })
	}
}

// BenchmarkWarmAfterPause is BenchmarkWarm with the same 60 ms pause
// before each run as BenchmarkNewBlock/pool: the baseline that a new
// block's figures compare with, since an idle VM wakes up slower.
func BenchmarkWarmAfterPause(b *testing.B) {
	s, _ := start(b)
	for _, name := range []string{"text", "list100"} {
		b.Run(name, func(b *testing.B) { warmRuns(b, s, "pause-"+name, name, 60*time.Millisecond) })
	}
}

// warmRuns times b.N executions of one block, pausing before each.
func warmRuns(b *testing.B, s *server, id, name string, pause time.Duration) {
	payload := body(id, name)
	for i := 0; i < 50; i++ {
		s.execute(b, payload)
	}
	lat := make([]time.Duration, 0, b.N)
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if pause > 0 {
			b.StopTimer()
			time.Sleep(pause)
			b.StartTimer()
		}
		t0 := time.Now()
		s.execute(b, payload)
		lat = append(lat, time.Since(t0))
	}
	b.StopTimer()
	reportLatency(b, lat)
}

// BenchmarkNewBlock executes blocks never seen before, with the pool of
// pre-started runners and without it.
func BenchmarkNewBlock(b *testing.B) {
	for _, pool := range []int{4, 0} {
		b.Run(fmt.Sprintf("pool=%d", pool), func(b *testing.B) {
			s, _ := start(b, "POOL_SIZE="+strconv.Itoa(pool), "MAX_ISOLATES=1000", "IDLE_TIMEOUT=1h")
			for _, name := range []string{"text", "list100"} {
				b.Run(name, func(b *testing.B) {
					lat := make([]time.Duration, 0, b.N)
					b.ResetTimer()
					for i := 0; i < b.N; i++ {
						b.StopTimer()
						id := fmt.Sprintf("new-%s-%d-%d", name, pool, i)
						payload := body(id, name)
						if pool > 0 {
							// Give the pool time to refill, as between users' first requests.
							time.Sleep(60 * time.Millisecond)
						}
						b.StartTimer()
						t0 := time.Now()
						s.execute(b, payload)
						lat = append(lat, time.Since(t0))
						b.StopTimer()
						del, _ := http.NewRequest("DELETE", s.url+"/api/content-block/"+id, nil)
						if resp, err := client.Do(del); err == nil {
							resp.Body.Close()
						}
						b.StartTimer()
					}
					b.StopTimer()
					reportLatency(b, lat)
				})
			}
		})
	}
}

// BenchmarkNewBlockFullTable executes blocks never seen before while the
// table is full of idle isolates (MAX_ISOLATES=10): each one evicts the
// least recently used isolate and takes a pooled runner. The same 60 ms
// pause as BenchmarkNewBlock/pool lets the pool refill.
func BenchmarkNewBlockFullTable(b *testing.B) {
	s, _ := start(b, "POOL_SIZE=4", "MAX_ISOLATES=10", "IDLE_TIMEOUT=1h")
	for _, name := range []string{"text", "list100"} {
		b.Run(name, func(b *testing.B) {
			for i := 0; i < 10; i++ {
				s.execute(b, body(fmt.Sprintf("fill-%s-%d", name, i), name))
			}
			lat := make([]time.Duration, 0, b.N)
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				b.StopTimer()
				payload := body(fmt.Sprintf("full-%s-%d", name, i), name)
				time.Sleep(60 * time.Millisecond)
				b.StartTimer()
				t0 := time.Now()
				s.execute(b, payload)
				lat = append(lat, time.Since(t0))
			}
			b.StopTimer()
			reportLatency(b, lat)
		})
	}
}

// BenchmarkThroughput runs c clients, each re-executing its own block.
func BenchmarkThroughput(b *testing.B) {
	s, _ := start(b)
	for _, name := range []string{"text", "list100"} {
		for _, clients := range []int{1, 2, 8} {
			b.Run(fmt.Sprintf("%s/clients=%d", name, clients), func(b *testing.B) {
				payloads := make([][]byte, clients)
				for c := range payloads {
					payloads[c] = body(fmt.Sprintf("tp-%s-%d", name, c), name)
					s.execute(b, payloads[c])
				}
				var next atomic.Int64
				var wg sync.WaitGroup
				b.ResetTimer()
				t0 := time.Now()
				for c := 0; c < clients; c++ {
					wg.Add(1)
					go func() {
						defer wg.Done()
						for next.Add(1) <= int64(b.N) {
							s.execute(b, payloads[c])
						}
					}()
				}
				wg.Wait()
				el := time.Since(t0)
				b.StopTimer()
				b.ReportMetric(float64(b.N)/el.Seconds(), "blocks/s")
			})
		}
	}
}

// BenchmarkIdleIsolateMemory reads memory.current of idle isolates from the
// kernel (through /api/isolate-stats) after each block has run once.
func BenchmarkIdleIsolateMemory(b *testing.B) {
	s, _ := start(b, "POOL_SIZE=0")
	for _, name := range []string{"text", "list100"} {
		b.Run(name, func(b *testing.B) {
			var sum float64
			for i := 0; i < b.N; i++ {
				id := fmt.Sprintf("idle-%s-%d", name, i)
				s.execute(b, body(id, name))
				time.Sleep(200 * time.Millisecond) // let the runner settle after the run
				resp, err := client.Get(s.url + "/api/isolate-stats?id=" + id)
				if err != nil {
					b.Fatal(err)
				}
				var st struct {
					Memory struct {
						CurrentBytes float64 `json:"currentBytes"`
					} `json:"memory"`
				}
				json.NewDecoder(resp.Body).Decode(&st)
				resp.Body.Close()
				sum += st.Memory.CurrentBytes
				del, _ := http.NewRequest("DELETE", s.url+"/api/content-block/"+id, nil)
				if resp, err := client.Do(del); err == nil {
					resp.Body.Close()
				}
			}
			b.ReportMetric(sum/float64(b.N)/(1<<20), "MiB/isolate")
		})
	}
}

// BenchmarkStartup measures supervisor start to its first healthy answer.
func BenchmarkStartup(b *testing.B) {
	var total time.Duration
	for i := 0; i < b.N; i++ {
		s, d := start(b)
		total += d
		_ = s.cmd.Process.Signal(syscall.SIGTERM)
		_ = s.cmd.Wait()
	}
	b.ReportMetric(float64(total.Microseconds())/float64(b.N)/1000, "ms-to-healthy")
}
